"""Background callbacks: the DM plane, the δ scan and the fBE point (progress, cancel, cached).

The job bodies are plain functions (``dm_plane_job`` …) taking a progress callable, so tests
call them directly; ``register`` wires them as Dash background callbacks (DiskcacheManager by
default). A new trigger terminates the previous job of the same callback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from layouts import ids
from layouts.figures import delta_scan_figure, dm_plane_figure

from .jobs import JOB_LOST
from .relic_data import (
    delta_scan,
    dm_plane,
    engine_available,
    engine_missing_message,
    relic_point,
    viability,
)
from .state import THEMES, AppState, check_field

SetProgress = Callable[[tuple[str, str]], None]
POLL_INTERVAL_MS = 400


def _progress(set_progress: SetProgress | None) -> Callable[[int, int], None] | None:
    if set_progress is None:
        return None

    def report(done: int, total: int) -> None:
        set_progress((str(done), str(total)))

    return report


def _theme(key: object) -> str:
    theme = key.get("theme") if isinstance(key, dict) else None
    return theme if isinstance(theme, str) and theme in THEMES else "light"


def _key_fields(key: object, names: tuple[str, ...]) -> list:
    """The fields of a job key (client data) validated like the controls, or ``ValueError``."""
    if not isinstance(key, dict):
        raise ValueError("malformed request")
    return [check_field(n, key.get(n)) for n in names]


def dm_plane_job(
    key: dict | None, state_data: dict | None, set_progress: SetProgress | None = None
) -> tuple[dict, str]:
    """(figure, status) of the DM plane for ``key`` = {delta, g_aWW, width, theme}."""
    if not key:
        raise PreventUpdate
    state = AppState.from_dict(state_data)
    theme = _theme(key)
    if not engine_available():
        return dm_plane_figure(None, None, theme, engine_missing_message()), ""
    try:
        args = _key_fields(key, ("delta", "g_aWW", "width"))
        plane = dm_plane(*args, _progress(set_progress))
    except (KeyError, TypeError, ValueError) as err:
        return dm_plane_figure(None, None, theme, f"not computed: {err}"), ""
    fig = dm_plane_figure(plane, (state.m_a, state.g_achi), theme)
    return fig, (
        f"δ = {plane['delta']:.4g}, g_aWW = {plane['g_aWW']:.4g} GeV⁻¹ · {len(plane['m'])}×{len(plane['g'])} "
        f"grid, nBE and cBE at every point ({plane.get('source', 'computed')}; cached)"
    )


def delta_scan_job(
    key: dict | None, state_data: dict | None, set_progress: SetProgress | None = None
) -> tuple[dict, str]:
    """(figure, status) of the δ scan for ``key`` = {m_a, g_aWW, g_achi, width, theme}."""
    if not key:
        raise PreventUpdate
    state = AppState.from_dict(state_data)
    theme = _theme(key)
    if not engine_available():
        return delta_scan_figure(None, None, theme, engine_missing_message()), ""
    try:
        scan = delta_scan(*_key_fields(key, ("m_a", "g_aWW", "g_achi", "width")), _progress(set_progress))
    except (KeyError, TypeError, ValueError) as err:
        return delta_scan_figure(None, None, theme, f"not computed: {err}"), ""
    ratios = [r for r in scan["ratio_pos"] + scan["ratio_neg"] if r is not None]
    status = f"max ratio {max(ratios):.3g}" if ratios else "no ratio available"
    return delta_scan_figure(scan, state.delta, theme), status


def fbe_job(state_data: dict | None, set_progress: SetProgress | None = None) -> html.Div:
    """Ωh² from the full phase-space Boltzmann equation at the current point."""
    state = AppState.from_dict(state_data)
    if not engine_available():
        return html.Div(engine_missing_message(), className="warn")
    if set_progress is not None:
        set_progress(("0", "1"))
    try:
        r = relic_point(state.m_a, state.delta, state.g_aWW, state.g_achi, "fbe", state.width)
    except ImportError as err:
        return html.Div(f"fBE solver not available: {err}", className="warn")
    except (ValueError, NotImplementedError) as err:
        return html.Div(f"fBE not computed: {err}", className="warn")
    except Exception as err:  # numerical failure: report, never a 500
        return html.Div(f"fBE failed: {type(err).__name__}: {err}", className="bad")
    if set_progress is not None:
        set_progress(("1", "1"))
    omega = r["omega_h2"]
    text = f"Ωh² (fBE) = {omega:.4g}" if omega is not None else "Ωh² (fBE): no value"
    params = (
        f"at m_a = {state.m_a:.4g} GeV, δ = {state.delta:.4g}, g_aWW = {state.g_aWW:.4g}, "
        f"g_aχχ = {state.g_achi:.4g}"
    )
    extra = [html.Div(r["message"], className="flag")] if r.get("message") else []
    return html.Div(
        [html.Span(text, id="omega-fbe", className=viability(omega)), html.Small(" " + params), *extra]
    )


def failure_text(err: Exception) -> str:
    """What a page shows when its background job died or failed (never a traceback)."""
    if JOB_LOST in str(err):
        return "The computation stopped before it finished (server busy or restarted)."
    return "The computation failed on the server."


def dm_retry_state(err: Exception, theme: str = "light") -> list:
    """``on_error`` of the DM-plane callback: a message in the figure and the Retry button."""
    text = failure_text(err)
    return [dm_plane_figure(None, None, theme, f"{text} Press Retry."), text, False]


def scan_retry_state(err: Exception, theme: str = "light") -> list:
    """``on_error`` of the δ-scan callback: a message in the figure and the Retry button."""
    text = failure_text(err)
    return [delta_scan_figure(None, None, theme, f"{text} Press Retry."), text, False]


def fbe_retry_state(err: Exception) -> html.Div:
    """``on_error`` of the fBE callback: its button is the retry."""
    return html.Div(f"{failure_text(err)} Press “Compute fBE” to retry.", className="warn")


def _page_theme(key_id: str) -> str:
    try:
        return _theme(ctx.inputs.get(f"{key_id}.data"))
    except Exception:  # outside a request or an unexpected payload
        return "light"


def register(app: Any) -> None:
    """Register the three background callbacks on ``app`` (uses the app's callback manager)."""

    @app.callback(
        output=[
            Output(ids.DM_FIG, "figure"),
            Output(ids.DM_STATUS, "children"),
            Output(ids.DM_RETRY, "hidden"),
        ],
        inputs=[Input(ids.DM_KEY, "data"), Input(ids.DM_RETRY, "n_clicks")],
        state=State(ids.STATE, "data"),
        background=True,
        progress=[Output(ids.DM_PROGRESS, "value"), Output(ids.DM_PROGRESS, "max")],
        running=[
            (Output(ids.DM_PROGRESS, "className"), "progress busy", "progress"),
            (Output(ids.DM_RETRY, "disabled"), True, False),
        ],
        on_error=lambda err: dm_retry_state(err, _page_theme(ids.DM_KEY)),
        prevent_initial_call=True,
        interval=POLL_INTERVAL_MS,
    )
    def on_dm_key(
        set_progress: SetProgress, key: dict | None, _retries: int | None, state_data: dict | None
    ) -> tuple[dict, str, bool]:
        return (*dm_plane_job(key, state_data, set_progress), True)

    @app.callback(
        output=[
            Output(ids.SCAN_FIG, "figure"),
            Output(ids.SCAN_STATUS, "children"),
            Output(ids.SCAN_RETRY, "hidden"),
        ],
        inputs=[Input(ids.SCAN_KEY, "data"), Input(ids.SCAN_RETRY, "n_clicks")],
        state=State(ids.STATE, "data"),
        background=True,
        progress=[Output(ids.SCAN_PROGRESS, "value"), Output(ids.SCAN_PROGRESS, "max")],
        running=[
            (Output(ids.SCAN_PROGRESS, "className"), "progress busy", "progress"),
            (Output(ids.SCAN_RETRY, "disabled"), True, False),
        ],
        on_error=lambda err: scan_retry_state(err, _page_theme(ids.SCAN_KEY)),
        prevent_initial_call=True,
        interval=POLL_INTERVAL_MS,
    )
    def on_scan_key(
        set_progress: SetProgress, key: dict | None, _retries: int | None, state_data: dict | None
    ) -> tuple[dict, str, bool]:
        return (*delta_scan_job(key, state_data, set_progress), True)

    @app.callback(
        output=Output(ids.FBE_OUT, "children"),
        inputs=Input(ids.FBE_BUTTON, "n_clicks"),
        state=State(ids.STATE, "data"),
        background=True,
        progress=[Output(ids.FBE_PROGRESS, "value"), Output(ids.FBE_PROGRESS, "max")],
        running=[
            (Output(ids.FBE_BUTTON, "disabled"), True, False),
            (Output(ids.FBE_CANCEL, "disabled"), False, True),
            (Output(ids.FBE_PROGRESS, "className"), "progress busy", "progress"),
        ],
        cancel=[Input(ids.FBE_CANCEL, "n_clicks")],
        on_error=fbe_retry_state,
        prevent_initial_call=True,
        interval=POLL_INTERVAL_MS,
    )
    def on_fbe(set_progress: SetProgress, n_clicks: int | None, state_data: dict | None) -> html.Div:
        if not n_clicks:
            raise PreventUpdate
        return fbe_job(state_data, set_progress)
