"""The main callback driven as the browser drives it: first load, then one control moved."""

from __future__ import annotations

from typing import Any

from callbacks.point import update
from dashboard.state import AppState, to_query
from layouts.controls import control_values


def values_for(state: AppState, **overrides: Any) -> dict[str, Any]:
    """Control values as the browser would send them for ``state``."""
    vals = {**control_values(state), "search": to_query(state), "presets": [0, 0]}
    vals.update(overrides)
    return vals


def first_load(search: str = "") -> dict[str, Any]:
    """The callback's answer to a page opened at ``search`` (a shared link's query string)."""
    return update(None, {"search": search}, None)
