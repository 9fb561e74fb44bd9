"""Figure themes ("light" for the screen, "talk" for projectors and slides), the one colour
palette of every figure, axis ticks, and the plotly export settings.

Colours: every colour a figure draws comes from this module. The qualitative colours are Paul
Tol's *muted* scheme (P. Tol, "Colour Schemes", SRON/EPS/TN/09-002, 2021), designed to stay
distinct for colour-blind vision; the greys are neutral. ``tests/dashboard/test_theme.py``
checks that the curves drawn together stay distinct under simulated protanopia, deuteranopia and
tritanopia (Machado et al. 2009).
"""

from __future__ import annotations

import math
from typing import Any

TOL_MUTED = {
    "indigo": "#332288",
    "cyan": "#88ccee",
    "teal": "#44aa99",
    "green": "#117733",
    "olive": "#999933",
    "sand": "#ddcc77",
    "rose": "#cc6677",
    "wine": "#882255",
    "purple": "#aa4499",
}
"""Paul Tol's muted qualitative scheme (cyan and sand are light: lines only in a family that
needs them)."""

NEUTRAL = {
    "ink": "#000000",
    "ink_screen": "#222222",
    "grid_talk": "#d0d0d0",
    "grid_screen": "#e6e6e6",
    "minor_grid": "#f0f0f0",
    "guide": "#888888",
    "equilibrium": "#999999",
    "excluded": "#7f7f7f",
    "background": "#ffffff",
}
"""Greys: text, grids, guide lines, the flavour-excluded region."""

PALETTE = {
    "belle2": TOL_MUTED["green"],
    "nbe": TOL_MUTED["indigo"],
    "cbe": TOL_MUTED["rose"],
    "fbe": TOL_MUTED["teal"],
    "point": "#111111",
    "excluded": NEUTRAL["excluded"],
    "cmb": TOL_MUTED["purple"],
}
"""Colours of the main curves: Belle II band, nBE, cBE, fBE, the current point, excluded region,
the CMB-excluded region of the DM plane (its jointly viable region is the Belle II green)."""

EXPERIMENT_COLOURS = {
    # K → π + invisible
    "na62_2025": TOL_MUTED["indigo"],
    "na62_2020": TOL_MUTED["teal"],
    "e949": TOL_MUTED["olive"],
    "na62_2024": TOL_MUTED["rose"],
    "koto": TOL_MUTED["wine"],
    # B → Kνν̄: the BaBar tension beside the Belle II band (green)
    "babar_bk_inv": TOL_MUTED["purple"],
    # a → γγ: the kaon searches (low m_a) in colours the kaon family does not use
    "babar_bk_gg_displaced": TOL_MUTED["indigo"],
    "babar_bk_gg_prompt": TOL_MUTED["olive"],
    "na62_k_pi_gg": TOL_MUTED["purple"],
    "e787_k_pi_gg": TOL_MUTED["cyan"],
    # beam dumps, measured (low m_a, beside the kaon curves)
    "charm": TOL_MUTED["cyan"],
    "nucal": TOL_MUTED["purple"],
    "beamdump_gagg": TOL_MUTED["sand"],
    # projections (dashed)
    "na62_dump": TOL_MUTED["purple"],
    "ship": TOL_MUTED["teal"],
    "shadows": TOL_MUTED["wine"],
    "dune": TOL_MUTED["indigo"],
    "darkquest": TOL_MUTED["olive"],
}
"""Colour of each experiment's curve: distinct within its legend family
(:data:`layouts.legend.FAMILIES`) and from the Belle II band drawn with all of them."""


def experiment_colour(key: str) -> str:
    """Stable colour of an experiment's curve."""
    return EXPERIMENT_COLOURS.get(key, NEUTRAL["guide"])


def rgba(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` → ``rgba(r,g,b,alpha)``."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def sizes(theme: str) -> dict[str, float]:
    """Font, line and marker sizes of a theme (px; a slide export keeps them at 1600 px width)."""
    if theme == "talk":
        return {"font": 20, "legend": 16, "line": 3.5, "marker": 22, "title": 24}
    return {"font": 13, "legend": 11, "line": 2.0, "marker": 15, "title": 15}


# ----------------------------------------------------------------------------- axes
TALK_NTICKS = 7
"""At most this many labelled ticks on a presentation-mode axis with automatic ticks."""


def decade_ticks(theme: str) -> dict[str, Any]:
    """A log axis labelled at powers of ten only, digits 2…9 as unlabelled minor ticks ("talk").

    On the screen plotly's automatic ticks are kept (unchanged look); on a projector its
    2-and-5 labels crowd the decade labels and overlap at 1280 px.
    """
    if theme != "talk":
        return {}
    return {"dtick": 1, "minor": _minor_ticks()}


def value_ticks(theme: str, lo: float, hi: float, steps: tuple[int, ...] = (1, 2, 5)) -> dict[str, Any]:
    """A log axis labelled at 1-2-5 values in plain decimals (0.05, 0.1, 0.2 … 5) on a projector.

    For an axis spanning up to about three decades (a mass, a ratio): readable numbers instead
    of 10⁻¹ with bare digits, spaced ≥ 0.3 decade (no overlap at 1280 px); ``steps=(1,)``
    labels the decades only (a short axis). Screen, or fewer than two such values in
    [lo, hi]: plotly's automatic ticks.
    """
    if theme != "talk" or not (0 < lo <= hi and math.isfinite(hi)):
        return {}
    values = [
        m * 10.0**e
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        for m in steps
        if lo * (1 - 1e-9) <= m * 10.0**e <= hi * (1 + 1e-9)
    ]
    if len(values) < 2:
        return {}
    return {
        "tickmode": "array",
        "tickvals": values,
        "ticktext": [f"{v:.4g}" for v in values],
        "minor": _minor_ticks(),
    }


def _minor_ticks() -> dict[str, Any]:
    return {
        "ticks": "outside",
        "ticklen": 5,
        "dtick": "D1",
        "showgrid": True,
        "gridcolor": NEUTRAL["minor_grid"],
    }


def base_layout(theme: str, *, x_title: str, y_title: str, x_log: bool = True, y_log: bool = True) -> dict:
    """Common plotly layout for a theme (white background, high-contrast axes in "talk").

    "talk" also lets plotly grow the margins for long tick labels (``automargin``) and caps
    the number of automatic ticks.
    """
    s = sizes(theme)
    talk = theme == "talk"
    ink = NEUTRAL["ink"] if talk else NEUTRAL["ink_screen"]
    axis: dict[str, Any] = {
        "showline": True,
        "linecolor": ink,
        "linewidth": 2 if talk else 1,
        "mirror": True,
        "ticks": "outside",
        "gridcolor": NEUTRAL["grid_talk"] if talk else NEUTRAL["grid_screen"],
        "zeroline": False,
        "exponentformat": "power",
    }
    if talk:
        axis.update(automargin=True, nticks=TALK_NTICKS, ticklen=7, tickwidth=2)
    return {
        "template": "none",
        "font": {"family": "Helvetica, Arial, sans-serif", "size": s["font"], "color": ink},
        "paper_bgcolor": NEUTRAL["background"],
        "plot_bgcolor": NEUTRAL["background"],
        "margin": {"l": 95, "r": 20, "t": 30, "b": 75} if talk else {"l": 70, "r": 20, "t": 30, "b": 60},
        "xaxis": {**axis, "type": "log" if x_log else "linear", "title": {"text": x_title}},
        "yaxis": {**axis, "type": "log" if y_log else "linear", "title": {"text": y_title}},
        "legend": {"font": {"size": s["legend"]}, "bgcolor": "rgba(255,255,255,0.85)"},
        "hoverlabel": {"font": {"size": s["legend"] + 1}},
        "uirevision": "keep",
    }


# ----------------------------------------------------------------------------- export
SLIDE_SIZE = (1600, 900)
"""Width × height [px] of a 16:9 slide export: a PDF page of 1200 × 675 pt (16.7 × 9.4 in)."""
SLIDE_MIN_TEXT_PX = 18
"""Smallest text on a slide [px]: 13.5 pt on the PDF page at 1×, still 10.8 pt when the figure
fills a 13.33-inch-wide 16:9 slide (× 0.8). Axis text is 20 px (15 pt), axis titles 24 px."""


SLIDE_MARGIN = {"t": 70, "b": 110}
"""Least top (caption) and bottom (ticks and axis title) margins of a slide [px]."""
SLIDE_THEME = "talk"
"""Slides are drawn with the presentation sizes, whatever the page shows."""


def slide_figure(figure: dict[str, Any], caption: str) -> dict[str, Any]:
    """``figure`` (built with :data:`SLIDE_THEME`) as a 16:9 slide of :data:`SLIDE_SIZE`.

    Fixed size (no autosize), no UI state, and ``caption`` (the parameters) in small type
    above the plot, so that a slide says which point it shows.
    """
    width, height = SLIDE_SIZE
    layout = {k: v for k, v in figure.get("layout", {}).items() if k != "uirevision"}
    margin = {**layout.get("margin", {})}
    # explicit room for the caption and for the x-axis title below the tick labels: in a static
    # export plotly does not grow the margins for axis titles (automargin), only for legends
    margin["t"] = max(int(margin.get("t", 0)), SLIDE_MARGIN["t"])
    margin["b"] = max(int(margin.get("b", 0)), SLIDE_MARGIN["b"])
    legend = layout.get("legend", {})
    legend_px = max(float(legend.get("font", {}).get("size", 0)), SLIDE_MIN_TEXT_PX)
    layout.update(
        width=width,
        height=height,
        autosize=False,
        margin=margin,
        legend={**legend, "font": {**legend.get("font", {}), "size": legend_px}},
        title={
            "text": caption,
            "x": 0.01,
            "xanchor": "left",
            "xref": "paper",
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 12},
            "font": {"size": SLIDE_MIN_TEXT_PX},
        },
    )
    return {"data": figure.get("data", []), "layout": layout}


def graph_config(filename: str) -> dict[str, Any]:
    """plotly config: PNG from the camera button (2× scale); assets/app.js adds an SVG button."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "sendChartToCloud"],
        "showSendToCloud": False,  # never upload a figure to Plotly's cloud (and we run offline)
        "responsive": True,
    }
