"""Which dashboard result depends on which state field: the one table.

The synchronous callback recomputes (or resends) a result only when one of its fields changed;
the cached physics wrappers key their cache on exactly these fields; the background panels'
key stores carry exactly these fields. Field names are those of :class:`dashboard.state.AppState`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .state import AppState, state_fields

_PHYSICS = ("m_a", "delta", "g_aWW", "g_achi")
_BELLE2 = ("target", "n_sigma", "r_max")
"""The Belle II criterion: target band and its width, the radius of P_inv."""
_LIMITS = ("babar", "cww")
"""How the limits are read: BaBar's band as a tension or a limit, ALPINIST's C_WW mapping."""


def _fields(*names: str) -> tuple[str, ...]:
    """``names`` without repeats, in state-field order."""
    order = state_fields()
    return tuple(sorted(set(names), key=order.index))


_REGIONS = _fields("delta", "g_aWW", "width", "method", *_BELLE2, *_LIMITS)
"""The DM plane's overlays (CMB, jointly viable region): its Ωh² grid plus the criteria."""

DEPENDS_ON: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # numbers
        "flavour_point": _fields(*_PHYSICS, *_BELLE2, *_LIMITS),
        "flavour_background": _fields("delta", "g_achi", *_BELLE2, *_LIMITS),
        "relic": _fields(*_PHYSICS, "width"),
        "viability": _fields(*_PHYSICS, "width", "method", *_BELLE2, *_LIMITS),
        "dm_plane": _fields("delta", "g_aWW", "width"),
        "dm_regions": _REGIONS,
        "delta_scan": _fields("m_a", "g_aWW", "g_achi", "width"),
        "projection": _fields("target", "n_sigma", "width"),
        # what the page shows
        "flavour_figure": _fields("delta", "g_achi", *_BELLE2, *_LIMITS, "theme"),
        "relic_panels": _fields(*_PHYSICS, "width", "theme"),
        "in_force": _fields("method", *_BELLE2, *_LIMITS),
        "target_help": ("target",),
        "dm_key": _fields(*_REGIONS, "theme"),
        "scan_key": _fields("m_a", "g_aWW", "g_achi", "width", "theme"),
        "projection_key": _fields("target", "n_sigma", "width", "theme"),
        "dm_point": _fields("m_a", "g_achi", "theme"),
        "scan_point": _fields(*_PHYSICS, "width", "theme"),
    }
)
"""result → the state fields it depends on (in state-field order)."""

assert all(set(v) <= set(state_fields()) for v in DEPENDS_ON.values()), "unknown state field"


def changed(previous: AppState | None, new: AppState, result: str) -> bool:
    """True if ``result`` must be recomputed or resent going from ``previous`` to ``new``."""
    return previous is None or any(getattr(previous, f) != getattr(new, f) for f in DEPENDS_ON[result])


def key_of(state: AppState, result: str) -> dict[str, Any]:
    """The fields ``result`` depends on, as a dict (the background panels' key stores)."""
    return {f: getattr(state, f) for f in DEPENDS_ON[result]}


def cache_args(state: AppState, result: str) -> tuple[Any, ...]:
    """The arguments of ``result``'s cached worker: its fields, rounded to 4 significant figures."""
    return state.physics_fields(DEPENDS_ON[result])
