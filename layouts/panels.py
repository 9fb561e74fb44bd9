"""Panel builders: the six result panels and the sources/conventions panel."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from dash import dcc, html

from callbacks.backend import physics_fingerprint
from physics import constants as C
from physics import limit_catalogue

from . import ids
from .figures import delta_scan_figure, dm_plane_figure, message_figure
from .theme import graph_config

LOADING_DELAY_MS = 400
"""Spinners appear only if an update takes longer than this (no flicker on fast updates)."""

ROOT = Path(__file__).resolve().parent.parent


@cache
def app_version() -> str:
    """Version from pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def graph(id_: str, figure: dict, filename: str, height: str = "460px") -> dcc.Loading:
    """A dcc.Graph with PNG/SVG export, wrapped in a delayed dcc.Loading."""
    return dcc.Loading(
        dcc.Graph(id=id_, figure=figure, config=graph_config(filename), style={"height": height}),
        delay_show=LOADING_DELAY_MS,
        overlay_style={"visibility": "visible", "opacity": 0.5},
        type="dot",
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
                    html.Summary("Every experiment's ratio prediction/limit at the current point"),
                    html.Div(id=ids.VERDICTS),
                ],
                open=False,
            ),
        ],
        class_name="wide",
    )


def relic_panel() -> html.Section:
    """Panel 2: Ωh² for nBE and cBE (and fBE on demand)."""
    return panel(
        "2 · Relic density",
        [
            html.Div(id=ids.RELIC, className="relic-numbers"),
            html.Div(
                [
                    html.Button("Compute fBE (full phase space, ~2 s)", id=ids.FBE_BUTTON, n_clicks=0),
                    html.Button("Cancel", id=ids.FBE_CANCEL, n_clicks=0, disabled=True),
                    html.Progress(id=ids.FBE_PROGRESS, value="0", max="1", className="progress"),
                    html.Div(id=ids.FBE_OUT, className="fbe-out"),
                ],
                className="fbe",
            ),
        ],
    )


def evolution_panel(theme: str) -> html.Section:
    """Panel 3: Y(x) and T_χ/T for nBE and cBE."""
    return panel("3 · Evolution", [graph(ids.EVOLUTION_FIG, message_figure("loading…", theme), "evolution")])


def dm_panel(theme: str) -> html.Section:
    """Panel 4: the (m_a, g_aχχ) plane, computed in the background."""
    return panel(
        "4 · DM plane (m_a, g_aχχ) at the current δ and g_aWW",
        [
            html.Div(
                [
                    html.Progress(id=ids.DM_PROGRESS, value="0", max="1", className="progress"),
                    html.Span(id=ids.DM_STATUS, className="status"),
                    html.Button("Retry", id=ids.DM_RETRY, n_clicks=0, hidden=True, className="retry"),
                ],
                className="progress-row",
            ),
            graph(ids.DM_FIG, dm_plane_figure(None, None, theme, "computing…"), "dm_plane", "480px"),
        ],
    )


def scan_panel(theme: str) -> html.Section:
    """Panel 5: the cBE/nBE ratio versus δ."""
    return panel(
        "5 · Ωh²(cBE) / Ωh²(nBE) versus δ at the current couplings",
        [
            html.Div(
                [
                    html.Progress(id=ids.SCAN_PROGRESS, value="0", max="1", className="progress"),
                    html.Span(id=ids.SCAN_STATUS, className="status"),
                    html.Button("Retry", id=ids.SCAN_RETRY, n_clicks=0, hidden=True, className="retry"),
                ],
                className="progress-row",
            ),
            graph(ids.SCAN_FIG, delta_scan_figure(None, None, theme, "computing…"), "delta_scan"),
        ],
    )


def sources_panel() -> html.Section:
    """Panel 6: references of every curve, the Lagrangian conventions and the version."""
    rows = [
        html.Tr(
            [
                html.Td(i.label),
                html.Td(i.status),
                html.Td(f"{i.cl:.0%}" if i.cl else ""),
                html.Td(i.reference),
            ]
        )
        for i in limit_catalogue()
    ]
    return panel(
        "6 · Sources and conventions",
        [
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
                f"App version {app_version()} · physics fingerprint {physics_fingerprint()}",
                className="version",
            ),
        ],
        class_name="wide",
        id_=ids.SOURCES,
    )


def conventions_markdown() -> str:
    """The conventions the app uses (REFERENCE §1), with the constants actually in force."""
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
({C.BR_BKNUNU_BELLE2:.2g} − {C.BR_BKNUNU_SM:.3g}), m_a-independent, 1σ errors in quadrature; *two-body fit* —
the m_a-dependent preferred band of Altmannshofer et al., arXiv:2311.14629. The band shows the g_aWW
for which BR(B⁺→K⁺a)·P_inv equals the target (P_inv at the current δ and g_aχχ, r_max = 1 m).

**Width in the propagator** (selector): energy-dependent Γ_a(√s) or constant Γ_a(m_a); for this
model Γ_a/m_a ≪ 10⁻⁶ and both agree far better than a per mille.

**Scenario** (derived): missing energy if m_a > 2m_χ (a → χχ̄ open), displaced diphoton otherwise.
Rate-limit lines assume an invisible ALP in the missing-energy scenario; the verdict table is
computed for the exact point. Beam dumps apply only when BR(a→χχ̄) < 1 %.

**Relic density:** nBE (number density) and cBE (number + temperature, captures early kinetic
decoupling; Binder et al. arXiv:1706.07433); fBE (full phase space) on demand. Planck 2018:
Ωh² = {C.OMEGA_H2_PLANCK} ± {C.OMEGA_H2_PLANCK_ERR}; "matches" means within 10 % (theory precision).
Numbers are computed at the control values rounded to 4 significant figures.
"""
