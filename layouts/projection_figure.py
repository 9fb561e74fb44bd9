"""The paper's projections panel's figure: the jointly viable band in (m_a, g_aχχ) (top) and
δ*(m_a) (bottom) for each relic method (data: :func:`dashboard.projection_data.projection_view`).

Two rows sharing the m_a axis: the bottom row is plotly's first axis pair (x, y: |δ*| on a log
axis, δ > 0 solid, δ < 0 dashed), the top row the second (x2 matched to x, y2: g_aχχ). Per method
one colour (layouts.theme.PALETTE: nBE, cBE, fBE), its viable grid nodes as markers and the band
they span as a shaded step polygon (cell edges half-way to the neighbouring nodes): a coarse grid
is drawn as coarse, never interpolated.
"""

from __future__ import annotations

import math
from typing import Any

from dashboard.projection_data import G_ACHI_RANGE, M_A_RANGE, PROJECTION_METHODS
from dashboard.state import METHOD_LABELS

from .figures import message_annotation
from .theme import PALETTE, base_layout, decade_ticks, rgba, sizes

DELTA_RANGE = (1e-6, 10.0)
"""|δ*| axis [dimensionless]: physics.viable.delta_star's search range."""
SYMBOLS = {"nbe": "circle-open", "cbe": "square-open", "fbe": "diamond"}
"""Marker of each method's viable nodes (distinct shapes as well as colours)."""
MARKER_SCALE = {"nbe": 1.3, "cbe": 1.0, "fbe": 0.7}
"""Relative marker sizes, so that coinciding nodes of several methods stay visible."""
SPLIT = 0.5
"""The rows' boundary (paper fraction of the height); a gap of GAP around it."""
GAP = 0.06


def method_label(method: str) -> str:
    """ "nBE", "cBE", "fBE" (dashboard.state.METHOD_LABELS without its notes)."""
    return METHOD_LABELS[method].split(" ")[0]


def _log_range(lo: float, hi: float) -> list[float]:
    return [math.log10(lo), math.log10(hi)]


MIN_DELTA_DECADES = 2.0
"""The |δ*| axis spans at least this many decades around the drawn values."""


def delta_range(views: dict[str, Any]) -> list[float]:
    """log10 range of the |δ*| axis: the drawn values padded to at least
    :data:`MIN_DELTA_DECADES` decades, inside :data:`DELTA_RANGE` (all of it when none)."""
    values = [
        y
        for v in views.values()
        for d in v["delta"].values()
        for y in (*d["lo"], *d["hi"])
        if y is not None and y > 0
    ]
    full = _log_range(*DELTA_RANGE)
    if not values:
        return full
    lo, hi = math.log10(min(values)), math.log10(max(values))
    pad = max(0.5, (MIN_DELTA_DECADES - (hi - lo)) / 2)
    return [max(full[0], math.floor(lo - pad)), min(full[1], math.ceil(hi + pad))]


def projection_layout(theme: str) -> dict[str, Any]:
    """Axes of both rows in ``theme`` (units on every axis)."""
    layout = base_layout(theme, x_title="m_a [GeV]", y_title="|δ*| (Ωh² = 0.120)", x_log=False)
    ax = layout["xaxis"]
    pad = 0.02 * (M_A_RANGE[1] - M_A_RANGE[0])
    ax.update(range=[M_A_RANGE[0] - pad, M_A_RANGE[1] + pad], anchor="y")
    layout["yaxis"].update(
        domain=[0.0, SPLIT - GAP / 2], range=_log_range(*DELTA_RANGE), **decade_ticks(theme)
    )
    top = {k: v for k, v in ax.items() if k != "title"}
    layout["xaxis2"] = {**top, "matches": "x", "showticklabels": False, "anchor": "y2"}
    layout["yaxis2"] = {
        **{k: v for k, v in layout["yaxis"].items() if k not in ("domain", "range", "title")},
        "domain": [SPLIT + GAP / 2, 1.0],
        "range": _log_range(*G_ACHI_RANGE),
        "anchor": "x2",
        "title": {"text": "g_aχχ [GeV⁻¹]"},
        **decade_ticks(theme),
    }
    layout["legend"].update(orientation="h", x=0.0, y=-0.14 if theme != "talk" else -0.2, yanchor="top")
    layout["margin"] = {**layout["margin"], "b": layout["margin"]["b"] + (70 if theme == "talk" else 45)}
    return layout


def method_traces(view: dict[str, Any], theme: str) -> list[dict[str, Any]]:
    """One method's traces: the g_aχχ band (its legend entry), the viable nodes, and the |δ*|
    bands for δ > 0 and δ < 0 (shown in the legend only when present)."""
    method = view["method"]
    label, colour, s = method_label(method), PALETTE[method], sizes(theme)
    group = {"legendgroup": method, "meta": {"method": method}}
    band = view["band"]
    nodes = view["nodes"]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": band["x"],
            "y": band["y"],
            "xaxis": "x2",
            "yaxis": "y2",
            "mode": "lines",
            "fill": "toself",
            "fillcolor": rgba(colour, 0.18),
            "line": {"color": colour, "width": s["line"] * 0.75},
            "name": f"{label}: viable ({view['n_viable']} of {view['n_nodes']} nodes)",
            "hoverinfo": "skip",
            **group,
        },
        {
            "type": "scatter",
            "x": nodes["m_a"],
            "y": nodes["g_achi"],
            "customdata": nodes["delta"],
            "xaxis": "x2",
            "yaxis": "y2",
            "mode": "markers",
            "marker": {
                "symbol": SYMBOLS[method],
                "color": colour,
                "size": s["marker"] * 0.6 * MARKER_SCALE[method],
                "line": {"color": colour, "width": 2},
            },
            "name": f"{label} viable nodes",
            "showlegend": False,
            "hovertemplate": (
                f"<b>{label}: viable</b><br>m_a = %{{x:.3g}} GeV<br>g_aχχ = %{{y:.3g}} GeV⁻¹"
                "<br>δ* = %{customdata:.3g}<extra></extra>"
            ),
            **group,
        },
    ]
    for sign, dash, word in (("pos", "solid", "δ* > 0"), ("neg", "dash", "δ* < 0")):
        d = view["delta"][sign]
        if not d["x"]:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": d["x"],
                "y": d["y"],
                "mode": "lines",
                "fill": "toself",
                "fillcolor": rgba(colour, 0.12 if sign == "pos" else 0.06),
                "line": {"color": colour, "width": s["line"], "dash": dash},
                "name": f"{label}: {word}",
                "hoverinfo": "skip",
                **group,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "x": [*d["m_a"], *d["m_a"]],
                "y": [*d["lo"], *d["hi"]],
                "mode": "markers",
                "marker": {"symbol": SYMBOLS[method], "color": colour, "size": s["marker"] * 0.45},
                "name": f"{label}: {word} at the nodes",
                "showlegend": False,
                "hovertemplate": (
                    f"<b>{label}</b><br>m_a = %{{x:.3g}} GeV<br>|{word[:2]}| = %{{y:.3g}}<extra></extra>"
                ),
                **group,
            }
        )
    return traces


def projection_figure(
    data: dict[str, Any] | None, marker: Any = None, theme: str = "light", message: str = ""
) -> dict[str, Any]:
    """The panel's figure (a :class:`layouts.panels.BackgroundPanel` figure builder): ``data`` from
    :func:`dashboard.projection_data.projection_view` (None: the empty axes with ``message``).
    ``marker`` is unused (the projection does not depend on the current point)."""
    layout = projection_layout(theme)
    data = data or {}
    views = data.get("methods", {})
    traces = [t for m in PROJECTION_METHODS if m in views for t in method_traces(views[m], theme)]
    layout["yaxis"]["range"] = delta_range(views)
    notes = []
    if message:
        notes.append(message_annotation(message, theme))
    elif views and not any(v["n_viable"] for v in views.values()):
        notes.append(message_annotation("No viable node on this grid for these settings.", theme))
    layout["annotations"] = notes
    return {"data": traces, "layout": layout}
