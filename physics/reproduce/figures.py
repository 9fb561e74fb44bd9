"""Figures of the reproduction, one style for all (slides and papers).

Every figure: matplotlib, 16:9 at 8 × 4.5 in, text ≥ 10 pt at 1×, units on every axis,
Okabe–Ito colours (colour-blind safe; Okabe & Ito 2008, "Color Universal Design"), excluded
sides shaded, the legend outside the plot area (it hides no curve), written as PDF, SVG and PNG
(:func:`save`). :func:`write_figures` draws all of them from a
:class:`physics.reproduce.paper.Reproduction`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..limits import curve_in_plane, limit_info
from ..projection import reason_key
from . import paper as P

FIGSIZE = (8.0, 4.5)
"""Inches: a 16:9 slide at 1×."""
FORMATS = ("pdf", "svg", "png")
PNG_DPI = 200
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
"""The Okabe–Ito palette."""
METHOD_COLOURS = {"nbe": OKABE_ITO["sky"], "cbe": OKABE_ITO["blue"], "fbe": OKABE_ITO["vermillion"]}
METHOD_LABELS = {"nbe": "nBE", "cbe": "cBE", "fbe": "fBE"}
REASON_COLOURS = {
    "viable": OKABE_ITO["green"],
    "belle2": OKABE_ITO["orange"],
    "relic": OKABE_ITO["purple"],
    "limit": OKABE_ITO["black"],
    "cmb": OKABE_ITO["yellow"],
    "scenario": OKABE_ITO["sky"],
}
LOG_LOG = {"xscale": "log", "yscale": "log"}
M_A_LABEL = "m_a [GeV]"
EXCLUDED = {"color": "0.85", "alpha": 0.6, "lw": 0}
"""Shading of excluded regions."""
RC = {
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "lines.linewidth": 2.0,
    "axes.prop_cycle": None,  # set in _pyplot
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cycler import cycler

    rc = dict(RC)
    rc["axes.prop_cycle"] = cycler(
        color=[OKABE_ITO[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
    )
    plt.rcParams.update(rc)
    return plt


def figure(plt: Any, ncols: int = 1, **kw: Any) -> tuple[Any, Any]:
    """A 16:9 figure with constrained layout."""
    return plt.subplots(1, ncols, figsize=FIGSIZE, layout="constrained", **kw)


def legend_outside(ax: Any, **kw: Any) -> None:
    """Legend right of the plot, inside the 16:9 figure (constrained layout makes room), so
    that it hides no curve."""
    handles, labels = ax.get_legend_handles_labels()
    ax.figure.legend(handles, labels, loc="outside right center", frameon=False, **kw)


def abstract_g_achi_span(ax: Any, **style: Any) -> None:
    """The abstract's g_aχχ range (arXiv:2504.00383) as a horizontal band."""
    ax.axhspan(P.ABSTRACT["g_achi_low"], P.ABSTRACT["g_achi_high"], label="abstract's g_aχχ range", **style)


def finish(
    plt: Any, fig: Any, ax: Any, out: Path, name: str, legend: dict[str, Any] | None = None, **axes: Any
) -> str:
    """Set the axes (``ax.set(**axes)``), put the legend outside and :func:`save`."""
    ax.set(**axes)
    legend_outside(ax, **(legend or {}))
    return save(plt, fig, out, name)


def save(plt: Any, fig: Any, out: Path, name: str) -> str:
    """Write ``name``.pdf/.svg/.png into ``out``; returns the PNG's file name (for the report).
    A single plot's title becomes the figure's title (it spans the legend column too)."""
    titled = [a for a in fig.axes if a.get_title()]
    if len(fig.axes) == 1 and titled:
        fig.suptitle(titled[0].get_title(), fontsize=RC["axes.titlesize"])
        titled[0].set_title("")
    for ext in FORMATS:
        fig.savefig(out / f"{name}.{ext}", dpi=PNG_DPI if ext == "png" else None)
    plt.close(fig)
    return f"{name}.png"


# ----------------------------------------------------------------------------- the figures
def band_figure(plt: Any, r: P.Reproduction, out: Path) -> str:
    fig, ax = figure(plt)
    for band, colour, alpha, label in (
        (r.band_excess_2s, OKABE_ITO["green"], 0.25, "Belle II excess, 2σ"),
        (r.band_excess, OKABE_ITO["green"], 0.6, "Belle II excess, 1σ"),
        (r.band_fit, OKABE_ITO["sky"], 0.6, "two-body fit, 1σ"),
    ):
        ax.fill_between(band.m_a, band.low, band.high, color=colour, alpha=alpha, lw=0, label=label)
    ax.axhline(P.ABSTRACT["g_aWW_low"], color=OKABE_ITO["black"], ls="--", lw=1.2, label="abstract's band")
    ax.axhline(P.ABSTRACT["g_aWW_high"], color=OKABE_ITO["black"], ls="--", lw=1.2)
    ax.fill_between([], [], **EXCLUDED, label="excluded (above the limit curves)")
    top = 1e-3
    for key, colour, ls in (
        ("na62_2025", OKABE_ITO["blue"], "-"),
        ("e949", OKABE_ITO["vermillion"], "-."),
        ("koto", OKABE_ITO["purple"], ":"),
        ("babar_bk_inv", OKABE_ITO["orange"], "-"),
    ):
        m, g = curve_in_plane(key)
        tension = key == "babar_bk_inv"  # a tension (2σ edge of a fit), not a limit: not shaded
        label = limit_info(key).label.split(":")[0] + (" (2σ tension)" if tension else "")
        ax.plot(m, g, color=colour, ls=ls, label=label)
        if not tension:
            ax.fill_between(m, g, top, **EXCLUDED)
    return finish(
        plt,
        fig,
        ax,
        out,
        "g_aWW_band",
        **LOG_LOG,
        xlabel=M_A_LABEL,
        xlim=(0.05, 5),
        ylim=(5e-7, top),
        ylabel="g_aWW [GeV⁻¹]",
        title="Missing energy: g_aWW explaining Belle II (BR_inv = 1)",
    )


def displaced_figure(plt: Any, r: P.Reproduction, out: Path) -> str:
    fig, ax = figure(plt)
    d = r.displaced
    ax.contourf(d.m_a, d.g_aWW, d.explains.astype(float), levels=[0.5, 1.5], colors=[OKABE_ITO["orange"]])
    kaon = np.nan_to_num(d.kaon_ratio)
    dump = np.nan_to_num(d.dump_ratio)
    ax.contourf(
        d.m_a,
        d.g_aWW,
        np.fmax(kaon, dump),
        levels=[1.0, np.inf],
        colors=[EXCLUDED["color"]],
        alpha=EXCLUDED["alpha"],
    )
    ax.contour(d.m_a, d.g_aWW, kaon, levels=[1.0], colors=[OKABE_ITO["blue"]], linewidths=2)
    ax.contour(
        d.m_a, d.g_aWW, dump, levels=[1.0], colors=[OKABE_ITO["vermillion"]], linewidths=2, linestyles="--"
    )
    ax.fill_between([], [], color=OKABE_ITO["orange"], label="explains the excess (ALP escapes)")
    ax.fill_between([], [], color=EXCLUDED["color"], label="excluded (kaons or beam dumps)")
    ax.plot([], [], color=OKABE_ITO["blue"], label="kaons: prediction = limit")
    ax.plot([], [], color=OKABE_ITO["vermillion"], ls="--", label="beam dumps: prediction = limit")
    return finish(
        plt,
        fig,
        ax,
        out,
        "displaced_diphoton",
        **LOG_LOG,
        xlabel=M_A_LABEL,
        ylabel="g_aWW [GeV⁻¹]",
        title="Displaced diphoton (a → γγ only)",
    )


def ratio_figure(plt: Any, r: P.Reproduction, out: Path) -> str:
    fig, ax = figure(plt)
    rs = r.ratio
    for sign, marker, ls, colour, who in (
        (1, "o", "-", OKABE_ITO["blue"], "cBE/nBE"),
        (-1, "s", "--", OKABE_ITO["sky"], "cBE/nBE"),
    ):
        sel = rs.delta * sign > 0
        ax.plot(
            np.abs(rs.delta[sel]),
            rs.ratio[sel],
            marker=marker,
            ls=ls,
            color=colour,
            label=f"{who}, δ {'>' if sign > 0 else '<'} 0",
        )
    for sign, marker, colour in ((1, "^", OKABE_ITO["vermillion"]), (-1, "v", OKABE_ITO["orange"])):
        sel = r.fbe_delta * sign > 0
        ax.plot(
            np.abs(r.fbe_delta[sel]),
            r.fbe_ratio[sel],
            marker=marker,
            ls=":",
            color=colour,
            label=f"fBE/nBE, δ {'>' if sign > 0 else '<'} 0",
        )
    ax.axhline(
        P.ABSTRACT["cbe_over_nbe_max"], color=OKABE_ITO["black"], ls=":", lw=1.2, label="abstract: up to ~20"
    )
    return finish(
        plt,
        fig,
        ax,
        out,
        "cbe_over_nbe",
        **LOG_LOG,
        xlabel="|δ| = |m_a² − 4m_χ²|/(4m_χ²) [dimensionless]",
        ylabel="Ωh² ratio [dimensionless]",
        title=f"m_a = {rs.m_a:g} GeV, g_aWW = {rs.g_aww:g} GeV⁻¹, g_aχχ = {rs.g_achi:g} GeV⁻¹",
    )


def relic_figure(plt: Any, r: P.Reproduction, out: Path) -> str:
    fig, ax = figure(plt)
    colours = list(OKABE_ITO.values())
    for meth, ls, marker in (("nbe", "--", "s"), ("cbe", "-", "o")):
        for i, m_a in enumerate(r.relic.m_a):
            pts = [(d, g) for j, d in enumerate(r.relic.delta) for g in r.relic.roots[meth][i][j]]
            if pts:
                ds, gs = zip(*pts, strict=True)
                ax.plot(
                    ds,
                    gs,
                    ls=ls,
                    marker=marker,
                    ms=4,
                    color=colours[i % len(colours)],
                    label=f"{METHOD_LABELS[meth]}, m_a = {m_a:g} GeV",
                )
    abstract_g_achi_span(ax, color=OKABE_ITO["yellow"], alpha=0.25, lw=0)
    return finish(
        plt,
        fig,
        ax,
        out,
        "g_achi_relic",
        **LOG_LOG,
        legend={"ncol": 1},
        xlabel="δ [dimensionless]",
        ylabel="g_aχχ with Ωh² = 0.12 [GeV⁻¹]",
        title=f"Relic solutions at g_aWW = {r.relic.g_aww:g} GeV⁻¹",
    )


def viable_band_figure(plt: Any, r: P.Reproduction, out: Path) -> str:
    """The viable band in (m_a, g_aχχ) per method: its g_aχχ range per m_a; outside is excluded."""
    fig, ax = figure(plt)
    lo_all = min(float(p.g_achi[0]) for p in r.viable.values())
    hi_all = max(float(p.g_achi[-1]) for p in r.viable.values())
    ax.axhspan(lo_all, hi_all, **EXCLUDED, label="not viable (shaded)")
    for method, p in r.viable.items():
        lo, hi = p.g_achi_range_per_m_a()
        c = METHOD_COLOURS[method]
        ax.fill_between(p.m_a, lo, hi, color=c, alpha=0.35, lw=0, step="mid")
        ax.step(p.m_a, lo, where="mid", color=c, label=f"{METHOD_LABELS[method]}: viable g_aχχ range")
        ax.step(p.m_a, hi, where="mid", color=c)
    abstract_g_achi_span(ax, fill=False, ec=OKABE_ITO["black"], ls="--", lw=1.2)
    return finish(
        plt,
        fig,
        ax,
        out,
        "viable_band",
        xlabel=M_A_LABEL,
        yscale="log",
        ylabel="g_aχχ [GeV⁻¹]",
        ylim=(lo_all, hi_all),
        title="Jointly viable: Belle II ∧ Ωh² ∧ limits ∧ CMB (g_aWW in the band, δ = δ*)",
    )


def delta_star_figure(plt: Any, r: P.Reproduction, out: Path) -> str:
    """δ*(m_a) per method: the range of viable δ* over g_aχχ and g_aWW in the band."""
    fig, ax = figure(plt)
    for method, p in r.viable.items():
        lo, hi = p.delta_range_per_m_a()
        c = METHOD_COLOURS[method]
        ax.fill_between(p.m_a, lo, hi, color=c, alpha=0.3, lw=0)
        ax.plot(p.m_a, lo, color=c, marker="o", ms=4, label=f"{METHOD_LABELS[method]}: viable δ* range")
        ax.plot(p.m_a, hi, color=c, marker="o", ms=4)
    return finish(
        plt,
        fig,
        ax,
        out,
        "delta_star",
        xlabel=M_A_LABEL,
        yscale="log",
        ylabel="δ* = (m_a² − 4m_χ²)/(4m_χ²) [dimensionless]",
        title="Detuning with Ωh² = 0.12 at the viable points",
    )


def viable_reasons_figure(plt: Any, r: P.Reproduction, out: Path) -> str:
    """Per method, each node coloured by its verdict: viable or the first failed criterion."""
    methods = list(r.viable)
    fig, axes = figure(plt, ncols=len(methods), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, method in zip(axes, methods, strict=True):
        p = r.viable[method]
        keys = np.vectorize(lambda s: "viable" if s == "" else reason_key(s).split(":")[0])(p.node_reason)
        mm, gg = np.meshgrid(p.m_a, p.g_achi, indexing="ij")
        for key, colour in REASON_COLOURS.items():
            sel = keys == key
            if sel.any():
                ax.scatter(
                    mm[sel],
                    gg[sel],
                    s=22,
                    color=colour,
                    edgecolors="0.3",
                    linewidths=0.4,
                    label=key if ax is axes[-1] else None,
                )
        ax.set(yscale="log", xlabel=M_A_LABEL, title=METHOD_LABELS[method], xlim=(0.0, 5.0))
    axes[0].set_ylabel("g_aχχ [GeV⁻¹]")
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=c, markeredgecolor="0.3", label=k)
        for k, c in REASON_COLOURS.items()
    ]
    fig.legend(handles=handles, loc="outside right upper", frameon=False, title="verdict")
    return save(plt, fig, out, "viable_reasons")


def write_figures(r: P.Reproduction, out: Path) -> dict[str, str]:
    """Draw every figure into ``out``; returns {name: PNG file name}."""
    plt = _pyplot()
    names = {
        "band": band_figure(plt, r, out),
        "displaced": displaced_figure(plt, r, out),
        "ratio": ratio_figure(plt, r, out),
        "relic": relic_figure(plt, r, out),
    }
    if r.viable:
        names["viable_band"] = viable_band_figure(plt, r, out)
        names["delta_star"] = delta_star_figure(plt, r, out)
        names["viable_reasons"] = viable_reasons_figure(plt, r, out)
    return names
