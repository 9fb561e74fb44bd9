"""Layers of the evolution panel that only the fBE has: its final momentum distribution.

After an fBE run the evolution figure (:func:`layouts.figures.evolution_figure`) gains the fBE's
Y(x) and T_χ/T (its second moment) like the other methods, and a third row: f(q)/f_eq(q) at the
end of the run, f_eq the Maxwellian of the same density and temperature — the cBE's closure
(:func:`dashboard.relic_data.maxwellian_ratio`). A flat ratio of 1 would mean the cBE's
assumption holds.
"""

from __future__ import annotations

import math
from typing import Any

from .theme import NEUTRAL, PALETTE, sizes

FBE_STYLE = ("fBE", "dot")
"""Label and dash of the fBE's curves (nBE dashed, cBE solid)."""
ROWS_WITH_DISTRIBUTION = {"yaxis": [0.68, 1.0], "yaxis2": [0.42, 0.6], "yaxis3": [0.0, 0.17]}
"""Vertical domains of Y(x), T_χ/T and f/f_eq when the fBE's distribution is shown (a gap
below T_χ/T for its x-axis title)."""
RATIO_RANGE = (-2.0, 1.0)
"""log10 range of f/f_eq shown: 0.01–10 (the far tail, where f_eq underflows, is cut)."""


def has_distribution(fbe: dict[str, Any] | None) -> bool:
    """True if an fBE summary carries its final distribution."""
    return bool(fbe and fbe.get("q") and fbe.get("f_over_feq"))


def add_distribution(layout: dict, data: list[dict], fbe: dict[str, Any], theme: str) -> None:
    """Add the f(q)/f_eq(q) row (its own q axis) below Y(x) and T_χ/T, in place."""
    s = sizes(theme)
    talk = theme == "talk"
    layout["yaxis"]["domain"] = ROWS_WITH_DISTRIBUTION["yaxis"]
    y_range = layout["yaxis"].get("range")
    if y_range:  # the Y row is shorter now: at most 3 (projector) or 5 decade labels
        span = y_range[1] - y_range[0]
        layout["yaxis"]["dtick"] = max(1, math.ceil(span / (3 if talk else 5)))
    layout["yaxis2"]["domain"] = ROWS_WITH_DISTRIBUTION["yaxis2"]
    ticks = ("tickvals", "ticktext", "dtick", "minor")  # the T_χ/T row's own ticks stay there
    layout["yaxis3"] = {
        **{k: v for k, v in layout["yaxis2"].items() if k not in ticks},
        "domain": ROWS_WITH_DISTRIBUTION["yaxis3"],
        "type": "log",
        "title": {"text": "f / f_eq (fBE)"},
        "anchor": "x2",
        "range": list(RATIO_RANGE),
        "dtick": 2 if talk else 1,  # the row is short: decades, every other one on a projector
    }
    x_end = fbe.get("x_end")
    at = f" at x = {x_end:.0f}" if x_end else ""
    layout["xaxis2"] = {
        **layout["xaxis"],
        "type": "linear",
        "anchor": "y3",
        "title": {"text": f"q = p/T{at} · f_eq: Maxwellian, same n and T_χ"},
    }
    data.append(
        {
            "type": "scatter",
            "x": fbe["q"],
            "y": fbe["f_over_feq"],
            "mode": "lines",
            "xaxis": "x2",
            "yaxis": "y3",
            "name": "f/f_eq (fBE; f_eq: Maxwellian of the same n, T_χ)",
            "showlegend": False,  # the row's axis titles say what it is
            "line": {"color": PALETTE["fbe"], "width": s["line"]},
            "hovertemplate": "q = %{x:.3g}<br>f/f_eq = %{y:.3g}<extra></extra>",
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": [fbe["q"][0], fbe["q"][-1]],
            "y": [1, 1],
            "mode": "lines",
            "xaxis": "x2",
            "yaxis": "y3",
            "line": {"color": NEUTRAL["guide"], "width": 1, "dash": "dot"},
            "hoverinfo": "skip",
            "showlegend": False,
            "name": "Maxwellian (the cBE's closure)",
        }
    )


def fbe_scan_traces(scan: dict[str, Any], theme: str) -> list[dict]:
    """Ωh²(fBE)/Ωh²(nBE) versus |δ| for both signs (empty traces, hidden from the legend, until
    the curve is known: precomputed, or computed by the panel's button)."""
    s = sizes(theme)
    known = bool(scan.get("ratio_fbe_pos") or scan.get("ratio_fbe_neg"))
    source = scan.get("fbe_source", "")
    out = []
    for tag, sign, dash, side in (("pos", "+", "solid", "δ > 0"), ("neg", "−", "dash", "δ < 0")):
        out.append(
            {
                "type": "scatter",
                "x": scan.get("abs_delta", []) if known else [],
                "y": scan.get(f"ratio_fbe_{tag}", []) if known else [],
                "mode": "lines+markers",
                "name": f"fBE/nBE, {side}" + (f" ({source})" if source else ""),
                "line": {"color": PALETTE["fbe"], "width": s["line"], "dash": dash},
                "marker": {"size": 5, "symbol": "diamond"},
                "showlegend": known,
                "hovertemplate": f"δ = {sign}%{{x:.3g}}<br>fBE/nBE = %{{y:.3g}}<extra></extra>",
            }
        )
    return out
