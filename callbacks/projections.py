"""The paper's projections panel (docs/dashboard.md#the-papers-projections): a background panel
like the DM plane and the δ scan (:func:`callbacks.background.register_panel`: progress, Retry,
cached), started on demand and cancellable.

- "Compute projections" writes the panel's key store (:func:`projection_key`: the Belle II
  target, n_σ, width, theme, the ticked methods, how g_aWW is taken, the press count); the
  background job (:func:`projection_job`) computes every ticked method not yet cached
  (:func:`dashboard.projection_data.projections`), with progress over the grid nodes.
- Once started, a change of those settings writes a new key: the running job is terminated and
  the new settings computed (cached ones at once). Before the first press only the theme is
  followed (the empty axes are redrawn), so that opening the page never starts this slow job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard.dependencies import key_of
from dashboard.projection_data import (
    G_AWW_MODES,
    PROJECTION_METHODS,
    options_from_key,
    projection_view,
    projections,
)
from dashboard.state import THEMES, AppState
from layouts import ids
from layouts.panels import PROJECTION_PANEL
from layouts.projection_figure import method_label

from .background import SetProgress, _panel_job, register_panel


def _method_order(method: str) -> int:
    """Position of a method in the engine's order (unknown last; the job refuses it)."""
    return PROJECTION_METHODS.index(method) if method in PROJECTION_METHODS else len(PROJECTION_METHODS)


def projection_key(
    state_data: dict | None, n_clicks: object, methods: object, mode: object
) -> dict[str, Any] | None:
    """The job key for the page's state and the panel's choices, or None before the first press.

    The current g_aWW is part of the key only when g_aWW is fixed at it (mode "current"): in
    the Belle II band mode moving the g_aWW slider never restarts the job.
    """
    if isinstance(n_clicks, bool) or not isinstance(n_clicks, int) or n_clicks <= 0:
        return None
    state = AppState.from_dict(state_data)
    if isinstance(methods, list) and all(isinstance(m, str) for m in methods):
        methods = sorted(methods, key=_method_order)  # anything else: the job refuses it
    key: dict[str, Any] = {
        **key_of(state, "projection_key"),
        "methods": methods,
        "g_aWW_mode": mode,
        "run": int(n_clicks),
    }
    if mode == "current":
        key["g_aWW"] = state.g_aWW
    return key


def _compute(key: dict[str, Any]) -> Callable[[AppState, Callable[[int, int], None] | None], dict[str, Any]]:
    def compute(state: AppState, progress: Callable[[int, int], None] | None) -> dict[str, Any]:
        methods, mode, g_aWW = options_from_key(key)
        if g_aWW is not None:
            state = replace(state, g_aWW=g_aWW)
        return projections(state, methods, mode, progress)

    return compute


def status_line(data: dict[str, Any]) -> str:
    """Per method: viable nodes, the m_a and g_aχχ ranges and the first failure elsewhere."""
    parts = []
    for method, view in data["methods"].items():
        s = view["summary"]
        text = f"{method_label(method)}: {view['n_viable']} of {view['n_nodes']} nodes viable"
        if s.get("m_a"):
            text += (
                f", m_a {s['m_a'][0]:.3g}–{s['m_a'][1]:.3g} GeV, "
                f"g_aχχ {s['g_achi'][0]:.2g}–{s['g_achi'][1]:.2g} GeV⁻¹"
            )
        reasons = view["reasons"]
        if reasons:
            top = ", ".join(f"{k} {n}" for k, n in list(reasons.items())[:3])
            text += f" (elsewhere first failing: {top})"
        parts.append(text)
    how = (
        "g_aWW " + G_AWW_MODES["band"].split(" (")[0]
        if data["mode"] == "band"
        else f"g_aWW = {data['g_aWW']:.4g} GeV⁻¹"
    )
    head = f"{data['target'].replace('_', ' ')} target, {data['n_sigma']:g}σ, {how}; cached"
    return " · ".join([head, *parts])


def _view(data: dict[str, Any], state: AppState, theme: str) -> tuple[dict, str]:
    view = projection_view(data)
    return PROJECTION_PANEL.figure(view, None, theme), status_line(view)


def projection_job(
    key: dict | None, state_data: dict | None, set_progress: SetProgress | None = None
) -> tuple[dict, str]:
    """(figure, status) of the projections for ``key`` (:func:`projection_key`); a malformed key or
    choice (no method ticked) gives the empty figure with the reason."""
    job = (key, state_data, set_progress)
    compute = _compute(key if isinstance(key, dict) else {})
    return _panel_job(PROJECTION_PANEL, "projection", compute, _view, job)


def idle_figure(theme: str | None, n_clicks: int | None) -> dict:
    """The empty axes in ``theme`` before the first press (``PreventUpdate`` afterwards: the job
    redraws for a new theme itself)."""
    if n_clicks:
        raise PreventUpdate
    theme = theme if theme in THEMES else THEMES[0]
    return PROJECTION_PANEL.figure(None, None, theme, PROJECTION_PANEL.placeholder)


def register(app: Any) -> None:
    """The panel's background job, its key callback and the idle figure's theme."""
    register_panel(app, PROJECTION_PANEL, projection_job)
    pid = PROJECTION_PANEL.ids

    @app.callback(
        Output(pid.key, "data"),
        Input(ids.STATE, "data"),
        Input(ids.PROJ_START, "n_clicks"),
        Input(ids.PROJ_METHODS, "value"),
        Input(ids.PROJ_GWW, "value"),
        State(pid.key, "data"),
        prevent_initial_call=True,
    )
    def on_projection_choice(
        state_data: dict | None,
        n_clicks: int | None,
        methods: list | None,
        mode: str | None,
        prev: dict | None,
    ) -> dict:
        key = projection_key(state_data, n_clicks, methods, mode)
        if key is None or key == prev:
            raise PreventUpdate
        return key

    @app.callback(
        Output(pid.fig, "figure", allow_duplicate=True),
        Input(ids.THEME, "value"),
        State(ids.PROJ_START, "n_clicks"),
        prevent_initial_call=True,
    )
    def on_theme(theme: str | None, n_clicks: int | None) -> dict:
        return idle_figure(theme, n_clicks)
