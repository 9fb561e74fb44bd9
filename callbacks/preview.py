"""The DM plane's first picture: a coarse grid drawn at once while the background job computes
the full plane (docs/dashboard.md#dm-plane).

A changed δ, g_aWW or width changes the DM key store; the background callback
(callbacks/background.py) then solves the 28 × 28 plane with progress, and this ordinary
callback answers the same trigger with a 7 × 7 plane from the same solver
(:func:`dashboard.relic_data.dm_plane_preview`, ≈ 0.1 s), so that the panel follows the slider
instead of keeping the old contours for seconds. Nothing is drawn when the full plane is cached
or precomputed (it arrives at once), nor when the full plane was cached while the preview was
being computed (the job stores it before it returns, so a late preview cannot overwrite it). A
newer key supersedes both: the background job is terminated by its manager.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard.relic_data import cached_dm_plane, dm_plane_preview
from dashboard.state import AppState
from layouts import ids

from .background import _dm_plane_view, _key_state, _theme


def dm_preview_job(key: dict | None, state_data: dict | None) -> tuple[dict, str]:
    """(figure, status) of the coarse DM plane for ``key`` (as the background job's key), or
    ``PreventUpdate`` when no preview is needed or the key is malformed."""
    if not key:
        raise PreventUpdate
    try:
        state = _key_state(key, "dm_regions")
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None  # the background job reports the problem
    plane = dm_plane_preview(state)
    if plane is None or cached_dm_plane(state) is not None:  # the full plane won the race
        raise PreventUpdate
    fig, status = _dm_plane_view(plane, AppState.from_dict(state_data), _theme(key))
    return fig, status


def register(app: Any) -> None:
    """Wire the preview onto the DM panel's key store (figure and status shared with the job)."""

    @app.callback(
        Output(ids.DM.fig, "figure", allow_duplicate=True),
        Output(ids.DM.status, "children", allow_duplicate=True),
        Input(ids.DM.key, "data"),
        State(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def on_dm_key(key: dict | None, state_data: dict | None) -> tuple[dict, str]:
        return dm_preview_job(key, state_data)
