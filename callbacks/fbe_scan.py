"""The δ-scan panel's fBE/nBE curve on demand: 2 × 25 fBE solves in the background.

When the δ-scan couplings are on the precomputed grid (``data/precomputed/cbe_nbe_ratio``) the
panel's own job already draws the fBE curve. Otherwise the panel's button starts this job: progress
per node, Cancel, cached (:func:`dashboard.relic_data.delta_scan_fbe`); it redraws the whole panel,
and the panel's job draws the cached curve whenever the couplings come back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Input, Output
from dash.exceptions import PreventUpdate

from dashboard.relic_data import delta_scan, delta_scan_fbe
from dashboard.state import AppState
from layouts import ids
from layouts.panels import DELTA_SCAN_PANEL

from .background import button_job, failure_text

SetProgress = Callable[[tuple[str, str]], None]


def fbe_scan_job(state_data: dict | None, set_progress: SetProgress | None = None) -> tuple[dict, str]:
    """(δ-scan figure with the fBE/nBE curve, status line) at the state's couplings."""
    state = AppState.from_dict(state_data)

    def report(done: int, total: int) -> None:
        if set_progress is not None:
            set_progress((str(done), str(total)))

    try:
        fbe = delta_scan_fbe(state, report)
        scan = {**delta_scan(state), **fbe}
    except (KeyError, TypeError, ValueError) as err:
        return DELTA_SCAN_PANEL.figure(None, None, state.theme, f"fBE curve not computed: {err}"), ""
    ratios = [r for r in scan["ratio_fbe_pos"] + scan["ratio_fbe_neg"] if r is not None]
    status = f"fBE/nBE {min(ratios):.3g}–{max(ratios):.3g} ({fbe['fbe_source']}; cached)" if ratios else ""
    return DELTA_SCAN_PANEL.figure(scan, state.delta, state.theme), status or "fBE/nBE: no value"


def fbe_scan_error(err: Exception) -> list:
    """``on_error``: the job died; the button is the retry."""
    return [DELTA_SCAN_PANEL.figure(None, None, "light", f"{failure_text(err)} Press the button again."), ""]


def register(app: Any) -> None:
    """The button of the δ-scan panel that computes its fBE/nBE curve."""
    pid = DELTA_SCAN_PANEL.ids

    @app.callback(
        output=[
            Output(pid.fig, "figure", allow_duplicate=True),
            Output(pid.status, "children", allow_duplicate=True),
        ],
        on_error=fbe_scan_error,
        # Cancel, or new couplings (the panel's key): a curve for old couplings never lands
        **button_job(ids.SCAN_FBE, Input(pid.key, "data")),
    )
    def on_fbe_scan(
        set_progress: SetProgress, n_clicks: int | None, state_data: dict | None
    ) -> tuple[dict, str]:
        if not n_clicks:
            raise PreventUpdate
        return fbe_scan_job(state_data, set_progress)
