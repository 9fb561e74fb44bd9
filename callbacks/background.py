"""Background callbacks: the DM plane, the δ scan and the fBE point (progress, cancel, cached).

The job bodies are plain functions (``dm_plane_job`` …) taking a progress callable, so tests
call them directly; ``register`` wires them as Dash background callbacks (one per panel spec of
:data:`layouts.panels.BACKGROUND_PANELS`; DiskcacheManager by default). A new trigger
terminates the previous job of the same callback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.dependencies import DEPENDS_ON
from dashboard.job_limits import BUSY, OUT_OF_MEMORY, TIMED_OUT
from dashboard.jobs import JOB_LOST
from dashboard.relic_data import delta_scan, dm_plane_regions, evolution_results, relic_point, state_for
from dashboard.state import THEMES, AppState, check_field
from layouts import ids
from layouts.figures import evolution_figure
from layouts.panels import DELTA_SCAN_PANEL, DM_PLANE_PANEL, BackgroundPanel
from layouts.readouts import fbe_readout

SetProgress = Callable[[tuple[str, str]], None]
Job = Callable[[dict | None, dict | None, SetProgress | None], tuple[dict, str]]
POLL_INTERVAL_MS = 400


def _progress(set_progress: SetProgress | None) -> Callable[[int, int], None] | None:
    if set_progress is None:
        return None

    def report(done: int, total: int) -> None:
        set_progress((str(done), str(total)))

    return report


def _theme(key: object) -> str:
    theme = key.get("theme") if isinstance(key, dict) else None
    return theme if isinstance(theme, str) and theme in THEMES else THEMES[0]


def _key_state(key: object, result: str) -> AppState:
    """The state a job key (client data) describes, validated like the controls, or ``ValueError``."""
    if not isinstance(key, dict):
        raise ValueError("malformed request")
    return state_for(**{n: check_field(n, key.get(n)) for n in DEPENDS_ON[result]})


View = Callable[[dict[str, Any], AppState, str], tuple[dict, str]]


def _panel_job(
    spec: BackgroundPanel,
    result: str,
    compute: Callable[[AppState, Callable[[int, int], None] | None], dict[str, Any]],
    view: View,
    job: tuple[dict | None, dict | None, SetProgress | None],
) -> tuple[dict, str]:
    """(figure, status) of a background panel: ``compute`` the key's ``result``, then ``view`` it."""
    key, state_data, set_progress = job
    if not key:
        raise PreventUpdate
    state, theme = AppState.from_dict(state_data), _theme(key)
    try:
        data = compute(_key_state(key, result), _progress(set_progress))
    except (KeyError, TypeError, ValueError) as err:
        return spec.figure(None, None, theme, f"not computed: {err}"), ""
    return view(data, state, theme)


def _dm_plane_view(plane: dict[str, Any], state: AppState, theme: str) -> tuple[dict, str]:
    fig = DM_PLANE_PANEL.figure(plane, (state.m_a, state.g_achi), theme)
    viable = f"jointly viable at {plane['n_viable']} nodes" if "n_viable" in plane else ""
    note = f" ({plane['method_note']})" if plane.get("method_note") else ""
    return fig, (
        f"δ = {plane['delta']:.4g}, g_aWW = {plane['g_aWW']:.4g} GeV⁻¹ · {len(plane['m'])}×{len(plane['g'])} "
        f"grid, nBE and cBE at every point ({plane.get('source', 'computed')}; cached) · {viable}{note}"
    )


def _delta_scan_view(scan: dict[str, Any], state: AppState, theme: str) -> tuple[dict, str]:
    ratios = [r for r in scan["ratio_pos"] + scan["ratio_neg"] if r is not None]
    status = f"max ratio {max(ratios):.3g}" if ratios else "no ratio available"
    fbe = scan.get("fbe_source")
    status += f" · fBE/nBE {fbe}" if fbe else " · fBE/nBE on demand (button below)"
    return DELTA_SCAN_PANEL.figure(scan, state.delta, theme), status


def dm_plane_job(
    key: dict | None, state_data: dict | None, set_progress: SetProgress | None = None
) -> tuple[dict, str]:
    """(figure, status) of the DM plane for ``key`` (DEPENDS_ON["dm_key"]: δ, g_aWW, width, the
    viability criteria, theme): Ωh² cached per (δ, g_aWW, width), overlays redrawn per criteria."""
    job = (key, state_data, set_progress)
    return _panel_job(DM_PLANE_PANEL, "dm_regions", dm_plane_regions, _dm_plane_view, job)


def delta_scan_job(
    key: dict | None, state_data: dict | None, set_progress: SetProgress | None = None
) -> tuple[dict, str]:
    """(figure, status) of the δ scan for ``key`` = {m_a, g_aWW, g_achi, width, theme}."""
    job = (key, state_data, set_progress)
    return _panel_job(DELTA_SCAN_PANEL, "delta_scan", delta_scan, _delta_scan_view, job)


def fbe_job(state_data: dict | None, set_progress: SetProgress | None = None) -> tuple[html.Div, Any]:
    """Ωh² from the full phase-space Boltzmann equation at the current point, and the evolution
    figure with the fBE's curves and final distribution (``no_update`` if the fBE failed)."""
    state = AppState.from_dict(state_data)
    if set_progress is not None:
        set_progress(("0", "1"))
    try:
        r = relic_point(state, "fbe")
    except (ValueError, NotImplementedError) as err:
        return html.Div(f"fBE not computed: {err}", className="warn"), no_update
    except Exception as err:  # numerical failure: report, never a 500
        return html.Div(f"fBE failed: {type(err).__name__}: {err}", className="bad"), no_update
    if set_progress is not None:
        set_progress(("1", "1"))
    return fbe_readout(state, r), evolution_with_fbe(state, r)


def evolution_with_fbe(state: AppState, fbe: dict[str, Any]) -> Any:
    """The evolution figure with the nBE, the cBE and the fBE run ``fbe`` (``no_update`` on a
    failure: the page keeps its figure)."""
    try:
        return evolution_figure({**evolution_results(state), "fbe": fbe}, state.theme)
    except Exception:  # the nBE/cBE pair failed: the synchronous callback already says so
        return no_update


def failure_text(err: Exception) -> str:
    """What a page shows when its background job died, failed or was refused (never a
    traceback); the limits are those of dashboard.job_limits."""
    text = str(err)
    if JOB_LOST in text:
        return "The computation stopped before it finished (server busy or restarted)."
    if BUSY in text:
        return "Server busy: too many computations are waiting; try again in a moment."
    if TIMED_OUT in text:
        return "The computation took longer than the server allows."
    if OUT_OF_MEMORY in text:
        return "The computation needed more memory than the server allows."
    return "The computation failed on the server."


def retry_state(spec: BackgroundPanel, err: Exception, theme: str = "light") -> list:
    """``on_error`` of a background panel: a message in the figure and the Retry button."""
    text = failure_text(err)
    return [spec.figure(None, None, theme, f"{text} Press Retry."), text, False]


def fbe_retry_state(err: Exception) -> list:
    """``on_error`` of the fBE callback: its button is the retry."""
    return [html.Div(f"{failure_text(err)} Press “Compute fBE” to retry.", className="warn"), no_update]


def _page_theme(key_id: str) -> str:
    try:
        return _theme(ctx.inputs.get(f"{key_id}.data"))
    except Exception:  # outside a request or an unexpected payload
        return "light"


def button_job(job: ids.JobButtonIds, *also_cancel: Input) -> dict[str, Any]:
    """The arguments of a background callback started by ``job.button`` (layouts.panels.job_buttons)
    with the page state: progress on ``job.progress``, the button disabled and Cancel enabled while
    it runs; Cancel (and any of ``also_cancel``) terminates it."""
    return {
        "inputs": Input(job.button, "n_clicks"),
        "state": State(ids.STATE, "data"),
        "background": True,
        "progress": [Output(job.progress, "value"), Output(job.progress, "max")],
        "running": [
            (Output(job.button, "disabled"), True, False),
            (Output(job.cancel, "disabled"), False, True),
            (Output(job.progress, "className"), "progress busy", "progress"),
        ],
        "cancel": [Input(job.cancel, "n_clicks"), *also_cancel],
        "prevent_initial_call": True,
        "interval": POLL_INTERVAL_MS,
    }


def register_panel(app: Any, spec: BackgroundPanel, job: Job) -> None:
    """Wire ``job`` as the background callback of panel ``spec`` (key store → figure, status;
    the spec's Cancel button, if any, terminates it)."""
    pid = spec.ids
    running = [
        (Output(pid.progress, "className"), "progress busy", "progress"),
        (Output(pid.retry, "disabled"), True, False),
        # the "queued" line ends with the job, even one that finished between two polls
        (Output(pid.queue, "children"), "", ""),
    ]
    cancel = {}
    if spec.cancel:  # a Cancel button: enabled while the job runs, terminates it
        running.append((Output(spec.cancel, "disabled"), False, True))
        cancel = {"cancel": [Input(spec.cancel, "n_clicks")]}

    @app.callback(
        output=[Output(pid.fig, "figure"), Output(pid.status, "children"), Output(pid.retry, "hidden")],
        inputs=[Input(pid.key, "data"), Input(pid.retry, "n_clicks")],
        state=State(ids.STATE, "data"),
        background=True,
        # the third: "Server busy: queued (n ahead)" while the job waits for a slot (dashboard/jobs.py)
        progress=[Output(pid.progress, "value"), Output(pid.progress, "max"), Output(pid.queue, "children")],
        running=running,
        **cancel,
        on_error=lambda err: retry_state(spec, err, _page_theme(pid.key)),
        prevent_initial_call=True,
        interval=POLL_INTERVAL_MS,
    )
    def on_key(
        set_progress: Callable[[tuple[str, str, str]], None],
        key: dict | None,
        _retries: int | None,
        state_data: dict | None,
    ) -> tuple[dict, str, bool]:
        def report(progress: tuple[str, str]) -> None:
            set_progress((*progress, ""))  # running: no longer queued

        return (*job(key, state_data, report), True)


def register(app: Any) -> None:
    """Register the three background callbacks on ``app`` (uses the app's callback manager)."""
    register_panel(app, DM_PLANE_PANEL, dm_plane_job)
    register_panel(app, DELTA_SCAN_PANEL, delta_scan_job)

    @app.callback(
        output=[Output(ids.FBE_OUT, "children"), Output(ids.EVOLUTION_FIG, "figure", allow_duplicate=True)],
        on_error=fbe_retry_state,
        **button_job(ids.FBE),
    )
    def on_fbe(set_progress: SetProgress, n_clicks: int | None, state_data: dict | None) -> tuple:
        if not n_clicks:
            raise PreventUpdate
        return fbe_job(state_data, set_progress)
