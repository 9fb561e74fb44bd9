"""The one synchronous callback: controls/URL → state → cheap results (flavour, nBE+cBE).

A slider move triggers exactly this callback. :func:`callbacks.transitions.resolve` turns the
control that fired into the new state (typed values are validated; a bad value gives an inline
message and keeps the previous result); :func:`update` then writes the state to the URL, updates
the read-outs (:mod:`layouts.readouts`), moves the current point with a ``Patch`` and, only when
their inputs changed (:data:`dashboard.dependencies.DEPENDS_ON`), resends the flavour background,
the relic numbers and the keys that start the background DM-plane and δ-scan computations.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from dash import ALL, Input, Output, Patch, State, ctx, no_update

from dashboard.dependencies import changed, key_of
from dashboard.flavour_data import flavour_background, flavour_point
from dashboard.relic_data import (
    cached_delta_scan,
    evolution_results,
    fbe_cached,
    relic_pair,
    relic_point,
    viability_point,
)
from dashboard.state import AppState, to_query
from layouts import ids
from layouts.controls import (
    CHOICE_FIELDS,
    CONTROL_FIELDS,
    MESSAGE_CONTROLS,
    NUMBER_FIELDS,
    control_values,
    target_help,
)
from layouts.figures import (
    POINT_ANNOTATION,
    delta_marker,
    evolution_figure,
    flavour_figure,
    flavour_marker,
    message_figure,
    point_marker,
)
from layouts.readouts import (
    derived_block,
    fbe_readout,
    flavour_note,
    in_force,
    relic_block,
    scenario_banner,
    verdict_table,
    viability_line,
)

from .transitions import changed_controls, field_for_error, resolve

log = logging.getLogger(__name__)


def dm_key(state: AppState) -> dict[str, Any]:
    """What the DM plane depends on (a change starts the background computation)."""
    return key_of(state, "dm_key")


def scan_key(state: AppState) -> dict[str, Any]:
    """What the δ scan depends on."""
    return key_of(state, "scan_key")


def viability_key(state: AppState) -> dict[str, Any] | None:
    """What the fBE verdict job depends on, and the theme of the evolution figure it redraws
    (None: no job — the method is not the fBE)."""
    return {**key_of(state, "viability"), "theme": state.theme} if state.method == "fbe" else None


def _verdict(state: AppState, point: dict[str, Any]) -> tuple[list, bool]:
    """(banner verdict, whether the fBE job must run). nBE/cBE verdicts are computed here (a
    few ms, cached); an fBE verdict only if its fBE is cached — otherwise the cBE verdict is
    shown as provisional and the background job computes the fBE one."""
    try:
        if state.method == "fbe" and not fbe_cached(state):
            pending = viability_point(replace(state, method="cbe"))
            return viability_line(None, "fbe", point=point, pending=pending), True
        return viability_line(viability_point(state), state.method, point=point), False
    except ValueError as err:
        return viability_line(None, state.method, error=f"not computed: {err}"), False
    except Exception as err:  # a numerical failure must not take the page down
        log.exception("viability failed for %s", state)
        return viability_line(None, state.method, error=f"failed: {type(err).__name__}"), False


def _relic_results(state: AppState) -> tuple[dict[str, Any] | None, str]:
    try:
        return relic_pair(state), ""
    except ValueError as err:
        return None, f"relic density not computed: {err}"
    except Exception as err:  # a numerical failure must not take the page down
        return None, f"relic density failed: {type(err).__name__}: {err}"


OUTPUT_KEYS = (
    "state",
    "search",
    *(f"ctl:{k}" for k in control_values(AppState())),
    *(f"msg:{c}" for c in MESSAGE_CONTROLS),
    "notice",
    "derived",
    "scenario",
    "viability",
    "viability_key",
    "target_help",
    "in_force",
    "flavour_fig",
    "flavour_note",
    "verdicts",
    "relic",
    "evolution_fig",
    "dm_key",
    "scan_key",
    "dm_point",
    "scan_point",
    "fbe_out",
    "page_class",
)


SHOWN_KEYS = (*(f"msg:{c}" for c in MESSAGE_CONTROLS), "notice", "flavour_note", "page_class", "fbe_out")
"""Outputs whose current value the page sends along, so that unchanged ones are not resent."""


def update(
    trigger: Any,
    values: dict[str, Any],
    previous: dict[str, Any] | None,
    prev_dm_key: dict | None = None,
    prev_scan_key: dict | None = None,
    shown: dict[str, Any] | None = None,
    prev_viability_key: dict | None = None,
    verdicts_open: bool = True,
) -> dict[str, Any]:
    """Everything the synchronous callback returns, keyed by :data:`OUTPUT_KEYS`.

    ``previous`` is the state Store (None on first load). Invalid input leaves every result
    untouched (``no_update``) and fills the inline message of the offending control.
    ``shown`` holds what the page currently shows for :data:`SHOWN_KEYS`; outputs equal to it
    become ``no_update`` (every output sent costs a re-render in the browser). The verdict
    table is sent only while its (collapsed by default) section is open, ``verdicts_open``;
    opening it fills it (:func:`verdicts_on_open`): building and serialising its ~100 cells
    was ≈ 15 % of a cached request's CPU (docs/reliability.md).
    """
    out = _update(trigger, values, previous, prev_dm_key, prev_scan_key, prev_viability_key)
    if not verdicts_open:
        out["verdicts"] = no_update
    for key, current in (shown or {}).items():
        new = out.get(key, no_update)
        if new is not no_update and (new == current or (not new and not current)):
            out[key] = no_update
    return out


def _controls(state: AppState, values: dict[str, Any]) -> dict[str, Any]:
    """Outputs rewriting only the controls whose shown value differs from ``state``'s."""
    return {f"ctl:{k}": v for k, v in changed_controls(control_values(state), values).items()}


def _update(
    trigger: Any,
    values: dict[str, Any],
    previous: dict[str, Any] | None,
    prev_dm_key: dict | None,
    prev_scan_key: dict | None,
    prev_viability_key: dict | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(OUTPUT_KEYS, no_update)
    prev = AppState.from_dict(previous) if previous else None
    res = resolve(trigger, values, prev)
    for cid in MESSAGE_CONTROLS:
        out[f"msg:{cid}"] = res.field_msgs.get(cid, "")
    if res.rejected:
        out["notice"] = " · ".join(res.notices) if res.notices else no_update
        if res.reset_controls:
            out.update(_controls(res.state, values))
        return out
    state = res.state
    try:
        point = flavour_point(state)
        bg = flavour_background(state)
    except Exception as err:  # ValueError: outside the model's domain; anything else: a bug, logged
        if isinstance(err, ValueError):
            out[f"msg:{field_for_error(str(err))}"] = f"{err} — previous result kept"
        else:
            log.exception("flavour computation failed for %s", state)
            out["notice"] = f"internal error ({type(err).__name__}) — previous result kept"
        if prev is None:  # a shared link outside the domain: fall back to the defaults
            return _update(None, {"search": ""}, None, None, None, None) if values.get("search") else out
        out.update(_controls(prev, values))
        return out
    out.update(_controls(state, values))
    out.update(
        notice=" · ".join(res.notices),
        state=state.to_dict(),
        search=to_query(state),
        page_class=f"theme-{state.theme}",
        derived=derived_block(point),
        scenario=scenario_banner(point),
        verdicts=verdict_table(point),
        flavour_note=flavour_note(point),
    )
    out["viability"], fbe_job = _verdict(state, point)
    new_key = viability_key(state) if fbe_job else None
    out["viability_key"] = new_key if new_key != prev_viability_key else no_update
    if changed(prev, state, "target_help"):
        out["target_help"] = target_help(state.target)
    if changed(prev, state, "in_force"):
        out["in_force"] = in_force(state)
    if changed(prev, state, "flavour_figure"):
        out["flavour_fig"] = flavour_figure(bg, point, state.theme)
    else:
        out["flavour_fig"] = _marker_patch(flavour_marker(point, state.theme))
    if changed(prev, state, "relic_panels"):
        pair, err = _relic_results(state)
        out["relic"] = relic_block(pair, err)
        out["evolution_fig"] = (
            evolution_figure(evolution_results(state, pair), state.theme)
            if pair
            else message_figure(err, state.theme)
        )
    if prev is None or changed(prev, state, "relic") or prev.method != state.method:
        # the fBE line of this point if it ran before (a move away clears it)
        cached = fbe_cached(state)
        if cached or prev is not None:
            out["fbe_out"] = fbe_readout(state, relic_point(state, "fbe")) if cached else ""
    new_dm, new_scan = dm_key(state), scan_key(state)
    out["dm_key"] = new_dm if new_dm != prev_dm_key else no_update
    out["scan_key"] = new_scan if new_scan != prev_scan_key else no_update
    if changed(prev, state, "dm_point"):
        out["dm_point"] = _marker_patch(point_marker(state.m_a, state.g_achi, state.theme))
    if changed(prev, state, "scan_point"):
        out["scan_point"] = _marker_patch(delta_marker(cached_delta_scan(state), state.delta, state.theme))
    return out


def is_open(summary_clicks: object) -> bool:
    """Whether a collapsed-by-default ``<details>`` is open after ``summary_clicks`` clicks."""
    return isinstance(summary_clicks, int) and summary_clicks % 2 == 1


def verdicts_on_open(summary_clicks: object, state_data: dict | None) -> Any:
    """The verdict table when its section is opened (``no_update`` when it is closed)."""
    if not is_open(summary_clicks) or not state_data:
        return no_update
    try:
        return verdict_table(flavour_point(AppState.from_dict(state_data)))
    except Exception:  # the main callback reports problems of the point
        return no_update


def _marker_patch(marker: dict[str, Any]) -> Patch:
    """A Patch replacing only the ★ annotation of a figure (a layout-only update in plotly)."""
    patch = Patch()
    patch["layout"]["annotations"][POINT_ANNOTATION] = marker
    return patch


# ----------------------------------------------------------------------------- registration
def _outputs() -> dict[str, Output]:
    outs: dict[str, Output] = {
        "state": Output(ids.STATE, "data"),
        "search": Output(ids.URL, "search"),
    }
    for k in control_values(AppState()):
        outs[f"ctl:{k}"] = Output(k, "value")
    for cid in MESSAGE_CONTROLS:
        outs[f"msg:{cid}"] = Output(ids.msg(cid), "children")
    outs.update(
        notice=Output(ids.NOTICE, "children"),
        derived=Output(ids.DERIVED, "children"),
        scenario=Output(ids.SCENARIO, "children"),
        viability=Output(ids.VIABILITY, "children", allow_duplicate=True),
        viability_key=Output(ids.VIABILITY_KEY, "data"),
        target_help=Output(ids.TARGET_HELP, "children"),
        in_force=Output(ids.IN_FORCE, "children"),
        flavour_fig=Output(ids.FLAVOUR_FIG, "figure"),
        flavour_note=Output(ids.FLAVOUR_NOTE, "children"),
        verdicts=Output(ids.VERDICTS, "children"),
        relic=Output(ids.RELIC, "children"),
        evolution_fig=Output(ids.EVOLUTION_FIG, "figure"),
        dm_key=Output(ids.DM.key, "data"),
        scan_key=Output(ids.SCAN.key, "data"),
        dm_point=Output(ids.DM.fig, "figure", allow_duplicate=True),
        scan_point=Output(ids.SCAN.fig, "figure", allow_duplicate=True),
        fbe_out=Output(ids.FBE_OUT, "children", allow_duplicate=True),
        page_class=Output(ids.PAGE, "className"),
    )
    return {_safe(k): v for k, v in outs.items()}


def _safe(key: str) -> str:
    """Output/input dict keys must be identifiers for Dash's flexible signatures."""
    return key.replace(":", "__").replace("-", "_")


def _input_ids() -> list[str]:
    """Every control the callback listens to (plus the URL and the preset buttons)."""
    return [
        "search",
        *[i for c in CONTROL_FIELDS for i in (ids.slider(c), ids.text(c))],
        ids.text(ids.M_CHI),
        *[ids.text(c) for c in NUMBER_FIELDS],
        ids.DELTA_SIGN,
        *CHOICE_FIELDS,
        "presets",
    ]


def _inputs() -> dict[str, Input]:
    ins: dict[str, Input] = {}
    for k in _input_ids():
        if k == "search":
            ins[k] = Input(ids.URL, "search")
        elif k == "presets":
            ins[k] = Input({"type": ids.PRESET, "name": ALL}, "n_clicks")
        else:
            ins[k] = Input(k, "value")
    return {_safe(k): v for k, v in ins.items()}


def register(app: Any) -> None:
    """Register the synchronous point callback on ``app``."""
    in_keys = {_safe(k): k for k in _input_ids()}
    out_keys = {k: _safe(k) for k in OUTPUT_KEYS}

    @app.callback(
        output=_outputs(),
        inputs=_inputs(),
        state={
            "previous": State(ids.STATE, "data"),
            "prev_dm_key": State(ids.DM.key, "data"),
            "prev_scan_key": State(ids.SCAN.key, "data"),
            "prev_viability_key": State(ids.VIABILITY_KEY, "data"),
            "verdict_clicks": State(ids.VERDICTS_SUMMARY, "n_clicks"),
            **{_safe(f"shown:{k}"): _shown_state(k) for k in SHOWN_KEYS},
        },
        prevent_initial_call="initial_duplicate",
    )
    def on_controls(
        previous: dict | None,
        prev_dm_key: dict | None,
        prev_scan_key: dict | None,
        prev_viability_key: dict | None,
        verdict_clicks: int | None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        shown = {k: kwargs.pop(_safe(f"shown:{k}")) for k in SHOWN_KEYS}
        values = {in_keys[k]: v for k, v in kwargs.items()}
        result = update(
            ctx.triggered_id,
            values,
            previous,
            prev_dm_key,
            prev_scan_key,
            shown,
            prev_viability_key,
            verdicts_open=is_open(verdict_clicks),
        )
        return {out_keys[k]: v for k, v in result.items()}

    @app.callback(
        Output(ids.VERDICTS, "children", allow_duplicate=True),
        Input(ids.VERDICTS_SUMMARY, "n_clicks"),
        State(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def on_verdicts_toggle(clicks: int | None, state_data: dict | None) -> Any:
        return verdicts_on_open(clicks, state_data)


def _shown_state(key: str) -> State:
    """State carrying what the page shows for output ``key`` (same component and property)."""
    spec = _outputs()[_safe(key)]
    return State(spec.component_id, spec.component_property)
