"""Panel builders: the six result panels and the sources/conventions panel (7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dash import dcc, html

from dashboard.costs import fbe_estimate
from dashboard.figure_export import FORMATS
from dashboard.projection_data import DEFAULT_PROJECTION_METHODS, G_AWW_MODES, PROJECTION_METHODS, grid_size
from dashboard.relic_data import SCAN_N as SCAN_NODES
from physics import constants as C
from physics import limit_catalogue
from physics.provenance import fingerprint, package_version

from . import ids
from .figures import delta_scan_figure, dm_plane_figure, message_figure
from .projection_figure import method_label, projection_figure
from .theme import graph_config

LOADING_DELAY_MS = 400
"""Spinners appear only if an update takes longer than this (no flicker on fast updates)."""


def app_version() -> str:
    """The version (pyproject.toml, read via importlib.metadata; see physics.provenance)."""
    return package_version()


@dataclass(frozen=True)
class BackgroundPanel:
    """One panel computed by a background job: its ids, title, export name and figure builder.

    ``figure(data, marker, theme, message)`` draws the job's result (``None`` data: an empty
    figure carrying ``message``). The callbacks (callbacks/background.py) wire one job per spec.
    """

    ids: ids.BackgroundIds
    title: str
    filename: str
    height: str
    figure: Callable[..., dict]
    extra: Callable[[], list] | None = None
    """Further controls of the panel (under its progress row), e.g. an on-demand computation."""
    cancel: str | None = None
    """Id of a Cancel button (in ``extra``) that terminates the running job."""
    placeholder: str = "computing…"
    """The figure's message until the job's first result."""
    class_name: str = ""
    """Extra class of the panel's card (``"wide"``: the full width of the page)."""


DM_PLANE_PANEL = BackgroundPanel(
    ids.DM, "4 · DM plane (m_a, g_aχχ) at the current δ and g_aWW", "dm_plane", "480px", dm_plane_figure
)


def job_buttons(
    job: ids.JobButtonIds, label: str, title: str
) -> tuple[html.Button, html.Button, html.Progress]:
    """The start button (``label``, tooltip ``title``), the Cancel button (disabled until the job
    runs) and the progress bar of a job started by a button (wired by ``button_job`` in
    callbacks/background.py)."""
    return (
        html.Button(label, id=job.button, n_clicks=0, title=title),
        html.Button("Cancel", id=job.cancel, n_clicks=0, disabled=True),
        html.Progress(id=job.progress, value="0", max="1", className="progress"),
    )


def fbe_scan_controls() -> list:
    """The δ-scan panel's on-demand fBE curve: button, cancel, progress (callbacks/fbe_scan.py)."""
    title = f"{2 * SCAN_NODES} fBE solves in the background, cached"
    start, cancel, progress = job_buttons(ids.SCAN_FBE, "Compute the fBE/nBE curve", title)
    return [
        html.Div(
            [start, cancel, progress, html.Span(fbe_estimate(2 * SCAN_NODES), className="help")],
            className="fbe",
        )
    ]


DELTA_SCAN_PANEL = BackgroundPanel(
    ids.SCAN,
    "5 · Ωh²(cBE) / Ωh²(nBE) and Ωh²(fBE) / Ωh²(nBE) versus δ at the current couplings",
    "delta_scan",
    "460px",
    delta_scan_figure,
    fbe_scan_controls,
)


def projection_controls() -> list:
    """The projections panel's choices (methods, how g_aWW is taken) and its Compute and Cancel
    buttons (callbacks/projections.py)."""
    sizes = {m: grid_size(m) for m in PROJECTION_METHODS}
    return [
        html.Div(
            [
                dcc.Checklist(
                    id=ids.PROJ_METHODS,
                    options=[
                        {
                            "label": f" {method_label(m)} ({sizes[m][0]}×{sizes[m][1]})",
                            "value": m,
                        }
                        for m in PROJECTION_METHODS
                    ],
                    value=list(DEFAULT_PROJECTION_METHODS),
                    inline=True,
                    className="radio",
                ),
                dcc.RadioItems(
                    id=ids.PROJ_GWW,
                    options=[{"label": f" g_aWW {text}", "value": v} for v, text in G_AWW_MODES.items()],
                    value=next(iter(G_AWW_MODES)),
                    className="radio",
                ),
                html.Button(
                    "Compute projections",
                    id=ids.PROJ_START,
                    n_clicks=0,
                    title="Solve Ωh² = 0.120 for δ* at every grid node and judge it (background, cached)",
                ),
                html.Button("Cancel", id=ids.PROJ_CANCEL, n_clicks=0, disabled=True),
                html.Span(
                    "nBE, cBE ≈ 0.5 s per node, fBE ≈ 20 s per node (coarser grid); "
                    "at the Belle II target, n_σ and width chosen on the left",
                    className="help",
                ),
            ],
            className="fbe projection-controls",
        )
    ]


PROJECTION_PANEL = BackgroundPanel(
    ids.PROJ,
    "6 · The paper's projections: viable band in (m_a, g_aχχ) and δ*(m_a) by nBE, cBE, fBE",
    "projections",
    "700px",
    projection_figure,
    projection_controls,
    cancel=ids.PROJ_CANCEL,
    placeholder="Press “Compute projections” (computed in the background, then cached).",
    class_name="wide",
)
BACKGROUND_PANELS = (DM_PLANE_PANEL, DELTA_SCAN_PANEL, PROJECTION_PANEL)


def graph(id_: str, figure: dict, filename: str, height: str = "460px") -> html.Div:
    """A dcc.Graph with PNG/SVG export (toolbar), wrapped in a delayed dcc.Loading, and the links
    to its 16:9 slide export."""
    return html.Div(
        [
            slide_links(filename),
            dcc.Loading(
                dcc.Graph(id=id_, figure=figure, config=graph_config(filename), style={"height": height}),
                delay_show=LOADING_DELAY_MS,
                overlay_style={"visibility": "visible", "opacity": 0.5},
                type="dot",
            ),
        ],
        className="graph-box",
    )


def slide_links(filename: str) -> html.Div:
    """ "Slide 16:9: SVG · PDF" links of a figure (served by callbacks/slides.py).

    ``assets/slides.js`` adds the page's current query string at click time, downloads the file
    or shows the server's message in the status span; the links carry no state themselves.
    """
    links = [
        html.A(
            fmt.upper(),
            href=f"export/{filename}.{fmt}",
            className="slide-link",
            title=f"Download this figure as a 16:9 {fmt.upper()} slide (1600 × 900, presentation style)",
            **{"data-filename": f"{filename}_16x9.{fmt}"},
        )
        for fmt in FORMATS
    ]
    return html.Div(
        [
            html.Span("Slide 16:9:", className="slide-label"),
            *links,
            html.Span(className="slide-msg", role="status"),
        ],
        className="slide-export",
    )


def panel(title: str, children: list, *, class_name: str = "", id_: str | None = None) -> html.Section:
    """A titled card."""
    kw = {"id": id_} if id_ else {}
    return html.Section([html.H2(title), *children], className=f"panel {class_name}".strip(), **kw)


def flavour_panel(theme: str) -> html.Section:
    """Panel 1: the (m_a, g_aWW) plane with the verdict table."""
    return panel(
        "1 · Flavour plane (m_a, g_aWW)",
        [
            graph(ids.FLAVOUR_FIG, message_figure("loading…", theme), "flavour_plane", "520px"),
            html.Div(id=ids.FLAVOUR_NOTE, className="note"),
            html.Details(
                [
                    html.Summary(
                        "Every experiment's ratio prediction/limit at the current point",
                        id=ids.VERDICTS_SUMMARY,
                        n_clicks=0,
                    ),
                    html.Div(id=ids.VERDICTS),
                ],
                open=False,
            ),
        ],
        class_name="wide",
    )


def relic_panel() -> html.Section:
    """Panel 2: Ωh² for nBE and cBE (and fBE on demand)."""
    title = f"One fBE solve: {fbe_estimate()} (benchmarks/bench_relic.py)"
    start, cancel, progress = job_buttons(ids.FBE, "Compute fBE (full phase space)", title)
    return panel(
        "2 · Relic density",
        [
            html.Div(id=ids.RELIC, className="relic-numbers"),
            html.Div(
                [
                    start,
                    html.Span(fbe_estimate(), className="help"),
                    cancel,
                    progress,
                    html.Div(id=ids.FBE_OUT, className="fbe-out"),
                ],
                className="fbe",
            ),
        ],
    )


def evolution_panel(theme: str) -> html.Section:
    """Panel 3: Y(x) and T_χ/T for nBE and cBE."""
    return panel("3 · Evolution", [graph(ids.EVOLUTION_FIG, message_figure("loading…", theme), "evolution")])


def background_panel(spec: BackgroundPanel, theme: str) -> html.Section:
    """A panel computed in the background: progress bar, status, Retry button and the figure."""
    pid = spec.ids
    return panel(
        spec.title,
        [
            html.Div(
                [
                    html.Progress(id=pid.progress, value="0", max="1", className="progress"),
                    html.Span(id=pid.status, className="status"),
                    html.Span(id=pid.queue, className="status queue", role="status"),
                    html.Button("Retry", id=pid.retry, n_clicks=0, hidden=True, className="retry"),
                ],
                className="progress-row",
            ),
            *(spec.extra() if spec.extra else []),
            graph(pid.fig, spec.figure(None, None, theme, spec.placeholder), spec.filename, spec.height),
        ],
        class_name=spec.class_name,
    )


def sources_panel() -> html.Section:
    """Panel 7: references of every curve, the Lagrangian conventions and the version."""
    rows = [
        html.Tr(
            [
                html.Td(i.label),
                html.Td(i.status + (" · tension" if i.role == "tension" else "")),
                html.Td(f"{i.cl:.0%}" if i.cl else ""),
                html.Td(i.reference),
            ]
        )
        for i in limit_catalogue()
    ]
    return panel(
        "7 · Sources and conventions",
        [
            html.H3("In force now"),
            html.Div(id=ids.IN_FORCE, className="in-force"),
            dcc.Markdown(conventions_markdown(), mathjax=False, className="conventions"),
            html.Table(
                [
                    html.Thead(
                        html.Tr([html.Th("curve"), html.Th("status"), html.Th("CL"), html.Th("reference")])
                    ),
                    html.Tbody(rows),
                ],
                className="sources",
            ),
            html.P(
                f"App version {app_version()} · physics fingerprint {fingerprint()}",
                className="version",
            ),
        ],
        class_name="wide",
        id_=ids.SOURCES,
    )


def conventions_markdown() -> str:
    """The conventions the app uses (docs/physics.md#model), with the constants actually in force."""
    return f"""
**Model.** L ⊃ −¼ g_aWW a W^i_μν W̃^iμν − ¼ g_aBB a B_μν B̃^μν + ½ g_aχχ (∂_μ a) χ̄ γ^μ γ⁵ χ,
X̃^μν = ½ ε^μνρσ X_ρσ; χ is a Dirac fermion; g_aBB = 0.
Photon coupling g_aγγ = s_W² g_aWW + c_W² g_aBB with s_W² = {C.SIN2_THETA_W}.

**g_aχχ normalisation.** On shell the DM coupling is the pseudoscalar Yukawa y_χ = k · g_aχχ m_χ with
k = `physics.constants.Y_CHI_PER_G_ACHI_M_CHI` = **{C.Y_CHI_PER_G_ACHI_M_CHI:g}** (the ½ in the
Lagrangian; without it k = 2 and every DM rate is 4× larger — the paper's choice is unknown).

**Top mass in the b→s and s→d loops:** pole mass m_t = {C.M_TOP_POLE} GeV (an MS-bar mass of
{C.M_TOP_MSBAR} GeV lowers BR(B→Ka) by about 11 %).

**Belle II target** (selector on the left): *excess* — ΔBR = BR_meas − BR_SM =
({C.BR_BKNUNU_BELLE2:.2g} − {C.BR_BKNUNU_SM:.3g}), m_a-independent, 1σ errors in quadrature: a proxy, since
Belle II assumed the SM three-body q² shape; *two-body fit* (recommended) — the m_a-dependent preferred
band of Altmannshofer et al., arXiv:2311.14629. The band shows the g_aWW for which BR(B⁺→K⁺a)·P_inv
equals the target (P_inv at the current δ and g_aχχ); filled: experimental errors, hatched: what the
theory errors add (B→K form factor f₀ with its covariance, the top-mass scheme, the SM prediction;
`physics.g_aWW_band(theory=True)`).

**Belle II radius.** An ALP decaying beyond r\\_max counts as invisible: r\\_max =
`physics.constants.BELLE2_R_MAX_M` = **{C.BELLE2_R_MAX_M:g} m** by default (ALPaca's choice; the
calorimeter starts at ≈ 1.25 m). The Advanced section changes it for the band, the point and the verdict.

**BaBar B→Kνν̄ two-body band** (arXiv:2311.14629): a preferred band, not an upper limit. Shown dashed
(pull 0 to 2σ) and in the verdict table as a *tension* with its pull; it never excludes a point unless
the Advanced section counts it as a limit at its 2σ edge.

**ALPINIST beam-dump contours** are in C\\_WW/Λ; g\\_aWW = 16πα₂ C\\_WW/Λ with α₂ = α(0)/s\\_W² (1.586) or
with ALPINIST's g\\_W = 0.6529 (1.705, the default: conservative at the contours' lower edge). The mapping in
force is listed above; the Advanced section switches it.

**Width in the propagator** (selector): energy-dependent Γ_a(√s) or constant Γ_a(m_a); for this
model Γ_a/m_a ≪ 10⁻⁶ and both agree far better than a per mille.

**Scenario** (derived, `physics.scenario`): what the ALP does at the experiments — *invisible* if
BR(a→χχ̄) ≥ ½; otherwise a → γγ named by its Belle II decay length L: *long-lived* (L ≥ r\\_max),
*displaced* (1 mm ≤ L < r\\_max) or *prompt* (L < 1 mm). The plane's rate-limit lines assume an
invisible ALP when m\\_a > 2m\\_χ; the verdict table is computed for the exact point. Beam dumps apply
only when BR(a→χχ̄) < 1 %. Planck 2018's CMB bound on late-time χχ̄ → γγ is a verdict row too.

**Viability** (banner, `physics.viability`): Belle II band ∧ Ωh² within
±{C.OMEGA_H2_RELATIVE_TOLERANCE * 100:g} % ∧ no measured limit ∧ CMB ∧ missing energy, by the method chosen
above the panels (nBE, cBE, or the fBE computed in the background).

**Relic density:** nBE (number density) and cBE (number + temperature, captures early kinetic
decoupling; Binder et al. arXiv:1706.07433); fBE (full phase space) on demand. Planck 2018:
Ωh² = {C.OMEGA_H2_PLANCK} ± {C.OMEGA_H2_PLANCK_ERR}; "matches" means within 10 % (theory precision).
Numbers are computed at the control values rounded to 4 significant figures.
"""
