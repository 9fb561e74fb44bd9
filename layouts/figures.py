"""Figure builders: plain plotly dicts from the backend's plain data (fast, no validation cost).

Each figure keeps its "current point" trace at a known index so that callbacks move it with a
``dash.Patch`` instead of resending the figure.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

from physics import constants as C

from .dm_layers import region_traces
from .flavour_layers import BAND_THEORY, belle2_band_traces, tension_grid_style, tension_traces
from .legend import BEAM_DUMP_NOTE, BELLE2, flavour_legend, grouped
from .relic_layers import FBE_STYLE, add_distribution, fbe_scan_traces, has_distribution
from .theme import (
    NEUTRAL,
    PALETTE,
    base_layout,
    decade_ticks,
    experiment_colour,
    rgba,
    sizes,
    value_ticks,
)

Num = float | None
FLAVOUR_X_RANGE = (0.02, 5.0)
FLAVOUR_Y_RANGE = (1e-7, 1e-2)
POINT_ANNOTATION = 0
"""Index of the current-point ★ in every figure's layout.annotations."""


def _log_range(lo: float, hi: float) -> list[float]:
    return [math.log10(lo), math.log10(hi)]


def _segments(xs: Sequence[Num], ys: Sequence[Num]) -> list[tuple[list[float], list[float]]]:
    """Contiguous runs of finite (x, y) pairs."""
    out: list[tuple[list[float], list[float]]] = []
    cx: list[float] = []
    cy: list[float] = []
    for x, y in zip(xs, ys, strict=True):
        if x is None or y is None:
            if len(cx) > 1:
                out.append((cx, cy))
            cx, cy = [], []
        else:
            cx.append(x)
            cy.append(y)
    if len(cx) > 1:
        out.append((cx, cy))
    return out


def _excluded_above(xs: Sequence[Num], ys: Sequence[Num], top: float) -> tuple[list[Num], list[Num]]:
    """Closed polygons 'curve → top of the plot' for each finite run (None-separated)."""
    px: list[Num] = []
    py: list[Num] = []
    for sx, sy in _segments(xs, ys):
        if px:
            px.append(None)
            py.append(None)
        px += [*sx, sx[-1], sx[0], sx[0]]
        py += [*sy, top, top, sy[0]]
    return px, py


def _wrap(text: str, width: int = 60) -> str:
    """Break a long message into <br>-separated lines for a plotly annotation."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "<br>".join([*lines, line] if line else lines)


def message_figure(text: str, theme: str = "light", *, x_title: str = "", y_title: str = "") -> dict:
    """An empty figure carrying a centred message (placeholder, errors, "engine not available")."""
    layout = base_layout(theme, x_title=x_title, y_title=y_title)
    layout["xaxis"].update(visible=bool(x_title))
    layout["yaxis"].update(visible=bool(y_title))
    layout["annotations"] = [message_annotation(text, theme)]
    return {"data": [], "layout": layout}


# ----------------------------------------------------------------------------- flavour plane
def _hover(meta: dict[str, Any]) -> str:
    status = "measured" if meta["status"] == "measured" else "projection"
    return f"<b>{meta['label']}</b><br>{status}<br>{meta['reference']}<extra></extra>"


# Constraint contours: plotly shades the region that FAILS the constraint, so
# {"operation": "<", "value": 0} on log10(ratio) shades the excluded region ratio ≥ 1.


def flavour_traces(bg: dict[str, Any], theme: str) -> list[dict]:
    """Background traces of the (m_a, g_aWW) plane (everything but the current point).

    In presentation mode each curve sits in its experiment family's legend group
    (:func:`layouts.legend.grouped`); on the screen the legend is the plain list it always was.
    """
    s = sizes(theme)
    top = FLAVOUR_Y_RANGE[1] * 10
    band = belle2_band_traces(bg["band"], bg["target"], theme)  # experimental first, then theory
    traces: list[dict] = [
        grouped(t, BELLE2, theme, index=int(BAND_THEORY in t.get("name", ""))) for t in band
    ]
    index = itertools.count(2)  # ranks 0 and 1: the Belle II band's two entries
    for tension in bg.get("tensions", []):
        excluded = _excluded_above(tension["m"], tension["g_pull2"], top)
        rank = next(index)
        traces += [
            grouped(t, tension["key"], theme, index=rank) for t in tension_traces(tension, theme, excluded)
        ]
    for line in bg["lines"]:
        colour = experiment_colour(line["key"])
        px, py = _excluded_above(line["m"], line["g"], top)
        trace = {
            "type": "scatter",
            "x": px,
            "y": py,
            "mode": "lines",
            "fill": "toself",
            "fillcolor": rgba(colour, 0.18),
            "line": {"color": colour, "width": s["line"]},
            "name": line["label"],
            "hovertemplate": _hover(line),
        }
        traces.append(grouped(trace, line["key"], theme, index=next(index)))
    for grid in bg["grids"]:
        colour = experiment_colour(grid["key"])
        fill, dash = tension_grid_style(grid, 0.18)
        trace = {
            "type": "contour",
            "x": grid["x"],
            "y": grid["y"],
            "z": grid["z"],
            "contours": {"type": "constraint", "operation": "<", "value": 0},
            "fillcolor": rgba(colour, fill),
            "line": {"color": colour, "width": s["line"], "dash": dash},
            "name": grid["label"],
            "showlegend": True,
            "showscale": False,
            "hovertemplate": _hover(grid),
        }
        traces.append(grouped(trace, grid["key"], theme, index=next(index)))
    missing = bg["scenario"] == "missing_energy"
    # not applicable to an invisibly decaying ALP: listed, hidden until clicked; on a projector
    # the family title says so instead of every entry
    suffix = " — n/a while a→χχ̄ dominates" if missing and theme != "talk" else ""
    for beam in bg["beams"]:
        colour = experiment_colour(beam["key"])
        measured = beam["status"] == "measured"
        trace = {
            "type": "scatter",
            "x": beam["m"],
            "y": beam["g"],
            "mode": "lines",
            "line": {"color": colour, "width": s["line"], "dash": "solid" if measured else "dash"},
            "name": beam["label"] + suffix,
            "hovertemplate": _hover(beam),
        }
        if measured:
            trace.update(fill="toself", fillcolor=rgba(colour, 0.15))
        if missing:
            trace["visible"] = "legendonly"
        note = BEAM_DUMP_NOTE if missing else ""
        traces.append(grouped(trace, beam["key"], theme, index=next(index), note=note))
    return traces


def point_hover(point: dict[str, Any]) -> str:
    """Hover text of the current point: every experiment's prediction/limit ratio."""
    lines = [
        f"<b>current point</b> ({point.get('signature', point['scenario']).replace('_', ' ')})",
        f"m_a = {point['m_a']:.4g} GeV, g_aWW = {point['g_aWW']:.4g} GeV⁻¹",
        f"BR(B→Ka)·P_inv = {point['signal']:.3g}",
        "ratio = prediction / limit:",
    ]
    for v in point["verdicts"]:
        if v["ratio"] is None:
            r = "n/a"
        elif v["ratio"] == 0:
            r = "no sensitivity"
        else:
            r = f"{v['ratio']:.3g}" + (" ✗" if v["excluded"] else "")
        if v.get("role") == "tension" and v.get("pull") is not None:
            r += f" (tension: pull {v['pull']:+.1f}σ)"
        lines.append(f"  {v['label']}: {r}")
    return "<br>".join(lines)


def point_marker(x: float | None, y: float | None, theme: str, *, hover: str = "", colour: str = "") -> dict:
    """The current point as a ★ annotation in data coordinates (log axes: log10 values).

    An annotation rather than a trace: moving it is a layout-only change, so plotly does not
    recompute the contour and fill traces of the figure (a ``Patch`` of layout.annotations[0]).
    """
    visible = x is not None and y is not None and x > 0 and y > 0
    return {
        "x": math.log10(x) if visible else 0.0,
        "y": math.log10(y) if visible else 0.0,
        "xref": "x",
        "yref": "y",
        "text": "★",
        "showarrow": False,
        "visible": visible,
        "xanchor": "center",
        "yanchor": "middle",
        "font": {"size": sizes(theme)["marker"] + 10, "color": colour or PALETTE["point"]},
        "hovertext": hover or "current point",
        "hoverlabel": {"bgcolor": NEUTRAL["background"], "font": {"size": sizes(theme)["legend"] + 1}},
        "name": "current point",
    }


def flavour_marker(point: dict[str, Any], theme: str) -> dict:
    """★ of the current point in the (m_a, g_aWW) plane; red if a measured limit excludes it."""
    colour = PALETTE["cbe"] if point.get("excluded_by") else PALETTE["point"]
    return point_marker(point["m_a"], point["g_aWW"], theme, hover=point_hover(point), colour=colour)


def message_annotation(message: str, theme: str) -> dict:
    """A centred message (paper coordinates); wrapped unless it holds its own line breaks."""
    return {
        "text": message if "<br>" in message else _wrap(message),
        "showarrow": False,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "font": {"size": sizes(theme)["font"] + 1},
    }


def flavour_figure(bg: dict[str, Any], point: dict[str, Any], theme: str) -> dict:
    """The (m_a, g_aWW) plane: Belle II band, rate limits, beam dumps; the point is annotation 0."""
    layout = base_layout(theme, x_title="m_a [GeV]", y_title="g_aWW [GeV⁻¹]")
    layout["xaxis"].update(range=_log_range(*FLAVOUR_X_RANGE), **value_ticks(theme, *FLAVOUR_X_RANGE))
    layout["yaxis"].update(range=_log_range(*FLAVOUR_Y_RANGE), **decade_ticks(theme))
    layout["legend"].update(flavour_legend(theme))
    layout["margin"]["r"] = 10
    layout["annotations"] = [flavour_marker(point, theme)]
    return {"data": flavour_traces(bg, theme), "layout": layout}


# ----------------------------------------------------------------------------- relic evolution
def evolution_figure(results: dict[str, dict[str, Any]], theme: str) -> dict:
    """Y(x) (top) and T_χ/T (bottom) versus x = m_χ/T for the nBE and the cBE — and the fBE
    after a run (``results["fbe"]``), with its final f(q)/f_eq(q) in a third row
    (layouts.relic_layers)."""
    s = sizes(theme)
    layout = base_layout(theme, x_title="x = m_χ / T", y_title="Y = n_χ / s")
    layout["yaxis"].update(domain=[0.42, 1.0])
    layout["xaxis"].update(anchor="y2")
    layout["yaxis2"] = {
        **layout["yaxis"],
        "domain": [0.0, 0.32],
        "type": "log",
        "title": {"text": "T_χ / T"},
        "anchor": "x",
    }
    layout["yaxis"]["anchor"] = "x"
    layout["xaxis"].update(title={"text": "x = m_χ / T"}, **decade_ticks(theme))
    layout["legend"].update(x=0.99, y=0.99, xanchor="right", yanchor="top")
    data: list[dict] = []
    styles = {"nbe": ("nBE", "dash"), "cbe": ("cBE", "solid"), "fbe": FBE_STYLE}
    for method, (label, dash) in styles.items():
        r = results.get(method) or {}
        if not r.get("x"):
            continue
        colour = PALETTE[method]
        data.append(
            {
                "type": "scatter",
                "x": r["x"],
                "y": r["Y"],
                "mode": "lines",
                "name": f"Y ({label})",
                "line": {"color": colour, "width": s["line"], "dash": dash},
            }
        )
        if r.get("Y_eq"):
            data.append(
                {
                    "type": "scatter",
                    "x": r["x"],
                    "y": r["Y_eq"],
                    "mode": "lines",
                    "name": "Y_eq",
                    "line": {"color": NEUTRAL["equilibrium"], "width": 1, "dash": "dot"},
                    "showlegend": method == "nbe",
                }
            )
        if r.get("T_ratio"):
            data.append(
                {
                    "type": "scatter",
                    "x": r["x"],
                    "y": r["T_ratio"],
                    "mode": "lines",
                    "yaxis": "y2",
                    "name": f"T_χ/T ({label})",
                    "line": {"color": colour, "width": s["line"], "dash": dash},
                }
            )
    if not data:
        notes = {r.get("message", "") for r in results.values() if r and r.get("message")}
        text = "<br>".join(_wrap(n) for n in sorted(notes)) if notes else "no evolution to show"
        return message_figure("no evolution to show:<br>" + text if notes else text, theme)
    ys = _positive(v for r in results.values() if r for v in (r.get("Y") or []))
    if ys:
        layout["yaxis"]["range"] = [math.log10(ys[0]) - 0.5, math.log10(ys[1]) + 0.5]
    ts = _positive(v for r in results.values() if r for v in (r.get("T_ratio") or []))
    if ts:  # a short axis: decades only on a projector
        layout["yaxis2"].update(value_ticks(theme, *ts, steps=(1,)))
    if has_distribution(results.get("fbe")):
        add_distribution(layout, data, results["fbe"], theme)
    return {"data": data, "layout": layout}


def _positive(values: Iterable[Num]) -> tuple[float, float] | None:
    """(min, max) of the positive finite ``values``, None if there is none."""
    vs = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    return (min(vs), max(vs)) if vs else None


# ----------------------------------------------------------------------------- DM plane
def dm_plane_figure(
    plane: dict[str, Any] | None, point: tuple[float, float] | None, theme: str, message: str = ""
) -> dict:
    """(m_a, g_aχχ) at fixed δ and g_aWW: Ωh² = 0.12 for nBE and cBE, measured-limit and CMB
    exclusions, the jointly viable region (layouts.dm_layers), point.

    The current point is annotation 0 (moved by a ``Patch``).
    """
    s = sizes(theme)
    layout = base_layout(theme, x_title="m_a [GeV]", y_title="g_aχχ [GeV⁻¹]")
    layout["legend"].update(orientation="h", x=0.0, y=1.02, yanchor="bottom")
    layout["margin"]["t"] = 50
    p = plane or {}
    x, y = p.get("m", []), p.get("g", [])
    if x:
        layout["xaxis"].update(value_ticks(theme, min(x), max(x)))
    layout["yaxis"].update(decade_ticks(theme))
    contour = {
        "type": "contour",
        "x": x,
        "y": y,
        "showscale": False,
        # "none": the line takes line.color (with "lines" plotly took the colour scale's, so the
        # curve did not match its legend entry)
        "contours": {"start": 0, "end": 0, "size": 1, "coloring": "none"},
    }
    data = [
        {
            "type": "heatmap",
            "x": x,
            "y": y,
            "z": p.get("log_omega_cbe", []),
            "name": "log₁₀ Ωh² (cBE)",
            "colorscale": "RdBu_r",
            "zmid": math.log10(C.OMEGA_H2_PLANCK),
            "zmin": -4,
            "zmax": 4,
            "opacity": 0.55,
            "colorbar": _colorbar(theme),
            "hovertemplate": "m_a = %{x:.3g} GeV<br>g_aχχ = %{y:.3g} GeV⁻¹<br>"
            "log₁₀Ωh²(cBE) = %{z:.2f}<extra></extra>",
        },
        {
            "type": "contour",
            "x": x,
            "y": y,
            "z": p.get("log_limits_ratio", []),
            "name": "excluded by a measured limit",
            "contours": {"type": "constraint", "operation": "<", "value": 0},
            "showscale": False,
            "fillcolor": rgba(PALETTE["excluded"], 0.45),
            "line": {"color": PALETTE["excluded"], "width": 1},
            "hoverinfo": "skip",
            "showlegend": True,
        },
        {
            **contour,
            "z": p.get("log_omega_nbe_rel", []),
            "name": f"Ωh² = {C.OMEGA_H2_PLANCK:g} (nBE)",
            "showlegend": True,
            "line": {"color": PALETTE["nbe"], "width": s["line"] + 1, "dash": "dash"},
            "hoverinfo": "skip",
        },
        {
            **contour,
            "z": p.get("log_omega_cbe_rel", []),
            "name": f"Ωh² = {C.OMEGA_H2_PLANCK:g} (cBE)",
            "showlegend": True,
            "line": {"color": PALETTE["cbe"], "width": s["line"] + 1},
            "hoverinfo": "skip",
        },
        *region_traces(plane, theme),
    ]
    layout["annotations"] = [point_marker(*(point or (None, None)), theme)]
    if message:
        layout["annotations"].append(message_annotation(message, theme))
    return {"data": data, "layout": layout}


def _colorbar(theme: str) -> dict[str, Any]:
    """Colour bar of log₁₀ Ωh²: slim, with a short title, so the plot keeps its width."""
    bar: dict[str, Any] = {"title": {"text": "log₁₀ Ωh²<br>(cBE)"}, "len": 0.8}
    if theme == "talk":
        bar.update(thickness=16, title={"text": "log₁₀<br>Ωh²", "side": "top"}, tickvals=[-4, -2, 0, 2, 4])
    return bar


# ----------------------------------------------------------------------------- δ scan
def delta_scan_figure(
    scan: dict[str, Any] | None, delta: float | None, theme: str, message: str = ""
) -> dict:
    """Ωh²(cBE)/Ωh²(nBE) versus |δ| for δ > 0 and δ < 0, and Ωh²(fBE)/Ωh²(nBE) once known
    (layouts.relic_layers); the current δ as a marker on the cBE curve.

    The current δ is annotation 0 (moved by a ``Patch``).
    """
    s = sizes(theme)
    layout = base_layout(theme, x_title="|δ| = |m_a² − 4m_χ²| / 4m_χ²", y_title="Ωh²(cBE or fBE) / Ωh²(nBE)")
    layout["legend"].update(x=0.01, y=0.99)
    layout["xaxis"].update(decade_ticks(theme))
    sc = scan or {}
    ratios = _positive([*sc.get("ratio_pos", []), *sc.get("ratio_neg", [])])
    if ratios:
        layout["yaxis"].update(value_ticks(theme, *ratios))
    data = [
        {
            "type": "scatter",
            "x": sc.get("abs_delta", []),
            "y": sc.get("ratio_pos", []),
            "mode": "lines+markers",
            "name": "δ > 0 (missing energy)",
            "line": {"color": PALETTE["cbe"], "width": s["line"]},
            "marker": {"size": 5},
            "hovertemplate": "δ = +%{x:.3g}<br>ratio = %{y:.3g}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": sc.get("abs_delta", []),
            "y": sc.get("ratio_neg", []),
            "mode": "lines+markers",
            "name": "δ < 0 (displaced)",
            "line": {"color": PALETTE["nbe"], "width": s["line"], "dash": "dash"},
            "marker": {"size": 5},
            "hovertemplate": "δ = −%{x:.3g}<br>ratio = %{y:.3g}<extra></extra>",
        },
        *fbe_scan_traces(sc, theme),
    ]
    layout["shapes"] = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": 1,
            "y1": 1,
            "line": {"color": NEUTRAL["guide"], "width": 1, "dash": "dot"},
        }
    ]
    layout["annotations"] = [delta_marker(sc, delta, theme)]
    if message:
        layout["annotations"].append(message_annotation(message, theme))
    return {"data": data, "layout": layout}


def delta_marker(scan: dict[str, Any] | None, delta: float | None, theme: str) -> dict:
    """★ at the current δ on the scan curve (interpolated in log|δ|; hidden off the curve)."""
    y = None
    if scan and delta:
        key = "ratio_pos" if delta > 0 else "ratio_neg"
        y = interp_log(scan.get("abs_delta", []), scan.get(key, []), abs(delta))
    hover = f"current δ = {delta:.4g}" + (f", ratio ≈ {y:.3g}" if y else "") if delta else ""
    return point_marker(abs(delta) if (delta and y) else None, y, theme, hover=hover)


def interp_log(xs: Sequence[Num], ys: Sequence[Num], x: float) -> float | None:
    """Linear interpolation in (log x, log y) over the finite points; None outside."""
    pts = [
        (math.log10(a), math.log10(b))
        for a, b in zip(xs, ys, strict=False)
        if a is not None and b is not None and a > 0 and b > 0
    ]
    if len(pts) < 2 or x <= 0:
        return None
    lx = math.log10(x)
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if x0 <= lx <= x1 and x1 > x0:
            return 10 ** (y0 + (y1 - y0) * (lx - x0) / (x1 - x0))
    return None
