"""Overlays of the DM plane (m_a, g_aχχ): CMB-excluded and jointly viable regions.

Plain plotly contour traces on the nodes of the plane, from
:func:`dashboard.relic_data.dm_plane_regions` (:mod:`dashboard.dm_regions`): the CMB-excluded
region (p_ann above the Planck 2018 bound) hatched, and the jointly viable region (Belle II band
∧ Ωh² within the tolerance ∧ no measured limit ∧ CMB ∧ missing energy) filled green with a
solid edge.
"""

from __future__ import annotations

from typing import Any

from .theme import PALETTE, rgba, sizes

CMB_COLOUR = PALETTE["cmb"]
"""Distinct from the flavour grey, the nBE indigo, the cBE rose and the viable green."""


def _shaded_where_nonnegative(x: list, y: list, z: list) -> dict:
    """A constraint contour at z = 0 shading the nodes where z ≥ 0."""
    # plotly shades where the constraint FAILS: "< 0" fails where z ≥ 0
    return {
        "type": "contour",
        "x": x,
        "y": y,
        "z": z,
        "contours": {"type": "constraint", "operation": "<", "value": 0},
        "showscale": False,
        "hoverinfo": "skip",
        "showlegend": True,
    }


def cmb_trace(plane: dict[str, Any], theme: str) -> dict:
    """Region where p_ann exceeds Planck 2018's bound (log10 ratio ≥ 0), hatched purple."""
    s = sizes(theme)
    return {
        **_shaded_where_nonnegative(plane.get("m", []), plane.get("g", []), plane.get("log_cmb_ratio", [])),
        "name": "CMB-excluded (Planck 2018, p_ann)",
        "fillcolor": rgba(CMB_COLOUR, 0.25),
        "line": {"color": CMB_COLOUR, "width": max(1.0, s["line"] - 0.5), "dash": "dot"},
    }


def viable_trace(plane: dict[str, Any], theme: str) -> dict:
    """The jointly viable region (smallest criterion margin ≥ 0), green with a solid edge."""
    s = sizes(theme)
    method = plane.get("relic_method", "cbe")
    return {
        **_shaded_where_nonnegative(plane.get("m", []), plane.get("g", []), plane.get("viable_margin", [])),
        "name": f"jointly viable ({method}: Belle II ∧ Ωh² ∧ limits ∧ CMB)",
        "fillcolor": rgba(PALETTE["belle2"], 0.40),
        "line": {"color": PALETTE["belle2"], "width": s["line"] + 0.5},
    }


def region_traces(plane: dict[str, Any] | None, theme: str) -> list[dict]:
    """The CMB and viable overlays (empty lists on an empty plane, so trace indices are stable)."""
    p = plane or {}
    return [cmb_trace(p, theme), viable_trace(p, theme)]
