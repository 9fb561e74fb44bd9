"""Figure themes ("light" for the screen, "talk" for projectors) and plotly export config."""

from __future__ import annotations

from typing import Any

PALETTE = {
    "belle2": "#0b6e4f",
    "nbe": "#1f5fbf",
    "cbe": "#c2271d",
    "fbe": "#6a3d9a",
    "point": "#111111",
    "excluded": "#7f7f7f",
}
"""Fixed colours of the main curves (colour-blind-safe pairs: blue/red, green band)."""

EXPERIMENT_COLOURS = {
    "na62_2025": "#e69f00",
    "na62_2020": "#d55e00",
    "e949": "#cc79a7",
    "na62_2024": "#b8860b",
    "koto": "#8c564b",
    "babar_bk_inv": "#0072b2",
    "babar_bk_gg_displaced": "#56b4e9",
    "babar_bk_gg_prompt": "#009e73",
    "na62_k_pi_gg": "#f0a000",
    "e787_k_pi_gg": "#9467bd",
    "charm": "#4d4d4d",
    "nucal": "#8c8c8c",
    "beamdump_gagg": "#a6761d",
    "na62_dump": "#e7298a",
    "ship": "#1b9e77",
    "shadows": "#7570b3",
    "dune": "#66a61e",
    "darkquest": "#e6ab02",
}


def experiment_colour(key: str) -> str:
    """Stable colour of an experiment's curve."""
    return EXPERIMENT_COLOURS.get(key, "#555555")


def rgba(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` → ``rgba(r,g,b,alpha)``."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def sizes(theme: str) -> dict[str, float]:
    """Font, line and marker sizes of a theme."""
    if theme == "talk":
        return {"font": 20, "legend": 15, "line": 3.5, "marker": 22, "title": 24}
    return {"font": 13, "legend": 11, "line": 2.0, "marker": 15, "title": 15}


def base_layout(theme: str, *, x_title: str, y_title: str, x_log: bool = True, y_log: bool = True) -> dict:
    """Common plotly layout for a theme (white background, high-contrast axes in "talk")."""
    s = sizes(theme)
    ink = "#000000" if theme == "talk" else "#222222"
    grid = "#d0d0d0" if theme == "talk" else "#e6e6e6"
    axis = {
        "showline": True,
        "linecolor": ink,
        "linewidth": 2 if theme == "talk" else 1,
        "mirror": True,
        "ticks": "outside",
        "gridcolor": grid,
        "zeroline": False,
        "exponentformat": "power",
    }
    return {
        "template": "none",
        "font": {"family": "Helvetica, Arial, sans-serif", "size": s["font"], "color": ink},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 95, "r": 20, "t": 30, "b": 75}
        if theme == "talk"
        else {"l": 70, "r": 20, "t": 30, "b": 60},
        "xaxis": {**axis, "type": "log" if x_log else "linear", "title": {"text": x_title}},
        "yaxis": {**axis, "type": "log" if y_log else "linear", "title": {"text": y_title}},
        "legend": {"font": {"size": s["legend"]}, "bgcolor": "rgba(255,255,255,0.85)"},
        "hoverlabel": {"font": {"size": s["legend"] + 1}},
        "uirevision": "keep",
    }


def graph_config(filename: str) -> dict[str, Any]:
    """plotly config: PNG from the camera button (2× scale); assets/export.js adds an SVG button."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "sendChartToCloud"],
        "showSendToCloud": False,  # never upload a figure to Plotly's cloud (and we run offline)
        "responsive": True,
    }
