"""Layers of the flavour plane (m_a, g_aWW): the Belle II band with its theory part, tension bands.

Plain plotly trace dicts built from :func:`dashboard.flavour_data.flavour_background`'s data:

- the Belle II band (:func:`physics.g_aWW_band`, ``theory=True``): the experimental band filled,
  the part the theory errors add (B→K form factor, top-mass scheme, SM prediction) hatched and
  lighter on both sides, the central value dashed;
- a tension band (BaBar's two-body B→KX fit, :func:`physics.limits.tension_band_in_plane`):
  dashed edges at pull 0 and pull 2, lightly filled between; counted as a limit (advanced
  option) the region above its 2σ edge is shaded like the other exclusions.
"""

from __future__ import annotations

from typing import Any

from .theme import PALETTE, experiment_colour, rgba, sizes

BELLE2_GROUP = "belle2"
BAND_THEORY = "+ theory errors"
"""Legend entry (its start) of the band's theory part."""
THEORY_PATTERN = {"shape": "/", "size": 7, "solidity": 0.25}
"""Hatching of the theory part of the Belle II band (plotly ``fillpattern``)."""


def _edge(x: list, y: list, **extra: Any) -> dict:
    """An invisible edge line of a filled band (hover off)."""
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines",
        "line": {"width": 0},
        "hoverinfo": "skip",
        "connectgaps": False,
        **extra,
    }


def belle2_band_traces(band: dict[str, Any], target: str, theme: str) -> list[dict]:
    """Belle II band: theory part (hatched, both sides), experimental band (filled), central line.

    Trace order matters: each ``fill: "tonexty"`` fills down to the previous trace.
    """
    s = sizes(theme)
    colour = PALETTE["belle2"]
    kind = "excess" if target == "excess" else "two-body fit"
    n_sigma = band.get("n_sigma", 1.0)
    sig = f"{n_sigma:g}σ"
    m = band["m"]
    theory = {
        "fill": "tonexty",
        "fillcolor": rgba(colour, 0.10),
        "fillpattern": {**THEORY_PATTERN, "fgcolor": colour},
        "legendgroup": BELLE2_GROUP,
    }
    talk = theme == "talk"  # a projector's legend: short entries
    theory_name = BAND_THEORY if talk else f"Belle II {BAND_THEORY} (B→K f₀, m_t scheme; {sig})"
    exp_name = f"Belle II ({kind}, {sig})" if talk else f"Belle II B→Kνν̄ ({kind}, {sig} experimental)"
    return [
        _edge(m, band["g_theory_low"], legendgroup=BELLE2_GROUP, showlegend=False),
        _edge(m, band["g_low"], name=theory_name, showlegend=True, **theory),
        _edge(
            m,
            band["g_high"],
            fill="tonexty",
            fillcolor=rgba(colour, 0.30),
            name=exp_name,
            legendgroup=BELLE2_GROUP,
        ),
        _edge(m, band["g_theory_high"], name=theory_name, showlegend=False, **theory),
        {
            "type": "scatter",
            "x": m,
            "y": band["g_central"],
            "mode": "lines",
            "line": {"color": colour, "width": s["line"], "dash": "dash"},
            "name": "Belle II central",
            "legendgroup": BELLE2_GROUP,
            "showlegend": False,
            "hovertemplate": "Belle II preferred<br>m_a = %{x:.3g} GeV<br>"
            "g_aWW = %{y:.3g} GeV⁻¹<extra></extra>",
        },
    ]


def _tension_hover(meta: dict[str, Any], what: str) -> str:
    return f"<b>{meta['label']}</b><br>{what}<br>{meta['reference']}<extra></extra>"


def tension_traces(
    tension: dict[str, Any], theme: str, excluded: tuple[list, list] | None = None
) -> list[dict]:
    """A two-body band drawn as a tension: dashed edges at pull 0 and 2, light fill between.

    With ``role == "limit"`` (BaBar counted as a limit) ``excluded``, the polygons above the 2σ
    edge (None-separated), is shaded like the other measured limits.
    """
    s = sizes(theme)
    colour = experiment_colour(tension["key"])
    group = f"tension:{tension['key']}"
    as_limit = tension.get("role") == "limit"
    m, g0, g2 = tension["m"], tension["g_pull0"], tension["g_pull2"]
    dashed = {"color": colour, "width": s["line"], "dash": "dash"}
    suffix = " — counted as a limit above +2σ" if as_limit else " (dashed: pull 0 and +2σ)"
    label = tension["label"] + suffix
    traces = [
        {
            "type": "scatter",
            "x": m,
            "y": g0,
            "mode": "lines",
            "line": {**dashed, "width": max(1.0, s["line"] - 1)},
            "legendgroup": group,
            "showlegend": False,
            "name": tension["label"] + " (pull 0)",
            "hovertemplate": _tension_hover(tension, "central value of the two-body fit (pull 0)"),
        },
        {
            "type": "scatter",
            "x": m,
            "y": g2,
            "mode": "lines",
            "line": dashed,
            "fill": "tonexty",
            "fillcolor": rgba(colour, 0.08),
            "legendgroup": group,
            "name": label,
            "hovertemplate": _tension_hover(tension, "2σ above the central value (pull 2)"),
        },
    ]
    if as_limit and excluded is not None:
        traces.append(
            {
                "type": "scatter",
                "x": excluded[0],
                "y": excluded[1],
                "mode": "lines",
                "line": {"width": 0},
                "fill": "toself",
                "fillcolor": rgba(colour, 0.18),
                "legendgroup": group,
                "showlegend": False,
                "name": tension["label"] + " (excluded above 2σ)",
                "hoverinfo": "skip",
            }
        )
    return traces


def tension_grid_style(grid: dict[str, Any], measured_fill: float) -> tuple[float, str]:
    """(fill opacity, dash) of a ratio-grid contour: a tension is dashed and unfilled unless it
    is counted as a limit."""
    if grid.get("role") == "tension":
        return 0.0, "dash"
    measured = grid["status"] == "measured"
    return (measured_fill if measured else 0.0), ("solid" if measured else "dash")
