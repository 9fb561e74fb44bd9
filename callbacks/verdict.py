"""The banner's viability verdict by the fBE, computed in the background.

nBE and cBE verdicts (:func:`physics.viability`, a few ms) come with the synchronous callback.
An fBE verdict needs one fBE solve (0.3–3 s): the synchronous callback shows the cBE verdict as
provisional and writes the verdict key (:func:`callbacks.point.viability_key`), which starts
this job; a new key (slider moved, another method: key None) terminates the running one, so a
stale verdict never lands on the banner. The fBE is cached whole
(:func:`dashboard.relic_data.viability_point`), so the relic panel's fBE line and later changes of
the target or the limits' options reuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dash import Input, Output, no_update
from dash.exceptions import PreventUpdate

from dashboard.dependencies import DEPENDS_ON
from dashboard.flavour_data import flavour_point
from dashboard.relic_data import relic_point, state_for, viability_point
from dashboard.state import THEMES, check_field
from layouts import ids
from layouts.readouts import fbe_readout, viability_line

from .background import POLL_INTERVAL_MS, evolution_with_fbe, failure_text

SetProgress = Callable[[tuple[str, str]], None]


def verdict_job(key: dict | None, set_progress: SetProgress | None = None) -> tuple[list, Any, Any]:
    """(banner verdict, relic panel's fBE line, evolution figure) for ``key`` (the fields of
    DEPENDS_ON["viability"]); the fBE line and figure only when the key's method is the fBE
    (else ``no_update``)."""
    if not key:
        raise PreventUpdate
    try:
        if not isinstance(key, dict):
            raise ValueError("malformed request")
        state = state_for(**{n: check_field(n, key.get(n)) for n in DEPENDS_ON["viability"]})
        if set_progress is not None:
            set_progress(("0", "1"))
        verdict = viability_point(state)
        fbe = relic_point(state, "fbe") if state.method == "fbe" else None
        line = no_update if fbe is None else fbe_readout(state, fbe)
        point = flavour_point(state)
    except (KeyError, TypeError, ValueError) as err:
        return viability_line(None, "fbe", error=f"not computed: {err}"), "", no_update
    except Exception as err:  # numerical failure: report, never a 500
        return viability_line(None, "fbe", error=f"failed: {type(err).__name__}: {err}"), "", no_update
    if set_progress is not None:
        set_progress(("1", "1"))
    theme = key.get("theme") if key.get("theme") in THEMES else THEMES[0]
    figure = no_update if fbe is None else evolution_with_fbe(replace(state, theme=theme), fbe)
    return viability_line(verdict, state.method, point=point), line, figure


def verdict_error(err: Exception) -> list:
    """``on_error``: the job died (server busy or restarted); say so in the banner."""
    text = f"{failure_text(err)} Choose the method again to retry."
    return [viability_line(None, "fbe", error=text), "", no_update]


def register(app: Any) -> None:
    """The fBE verdict job (a background callback on the verdict key store)."""

    @app.callback(
        output=[
            Output(ids.VIABILITY, "children", allow_duplicate=True),
            Output(ids.FBE_OUT, "children", allow_duplicate=True),
            Output(ids.EVOLUTION_FIG, "figure", allow_duplicate=True),
        ],
        inputs=Input(ids.VIABILITY_KEY, "data"),
        background=True,
        progress=[Output(ids.VIABILITY_PROGRESS, "value"), Output(ids.VIABILITY_PROGRESS, "max")],
        running=[(Output(ids.VIABILITY_PROGRESS, "className"), "progress busy", "progress")],
        on_error=verdict_error,
        prevent_initial_call=True,
        interval=POLL_INTERVAL_MS,
    )
    def on_verdict_key(set_progress: SetProgress, key: dict | None) -> tuple[list, Any, Any]:
        return verdict_job(key, set_progress)
