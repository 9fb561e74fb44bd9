"""The one synchronous callback: controls/URL → state → cheap results (flavour, nBE+cBE).

A slider move triggers exactly this callback. It resolves the new state from whichever control
fired (typed values are validated; a bad value gives an inline message and keeps the previous
result), writes the state to the URL, updates the numbers, moves the current point with a
``Patch`` (the flavour background is resent only when δ, g_aχχ, the target or the theme
change) and, only when their inputs changed, updates the keys that start the background
DM-plane and δ-scan computations.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import Any

from dash import ALL, Input, Output, Patch, State, ctx, html, no_update

from layouts import ids
from layouts.figures import (
    POINT_ANNOTATION,
    delta_marker,
    evolution_figure,
    flavour_figure,
    flavour_marker,
    message_figure,
    point_marker,
)

from .flavour_data import flavour_background, flavour_point
from .relic_data import cached_delta_scan, engine_available, engine_missing_message, relic_pair, viability
from .state import (
    NEG_DELTA_MAX,
    AppState,
    check_field,
    check_m_chi,
    delta_controls,
    delta_from_controls,
    fmt,
    parse_number,
    parse_query,
    preset_state,
    slider_position,
    to_query,
    to_slider,
)

log = logging.getLogger(__name__)

CONTROL_FIELDS = {ids.M_A: "m_a", ids.DELTA: "delta", ids.G_AWW: "g_aWW", ids.G_ACHI: "g_achi"}
CHOICE_FIELDS = {ids.TARGET: "target", ids.WIDTH: "width", ids.THEME: "theme"}
RELIC_FIELDS = ("m_a", "delta", "g_aWW", "g_achi", "width")


@dataclass
class Resolution:
    """Outcome of reading the controls: the new state and what to tell the user."""

    state: AppState
    field_msgs: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    reset_controls: bool = False
    rejected: bool = False


def _trigger_name(trigger: Any) -> str:
    if isinstance(trigger, dict):
        return str(trigger.get("type", ""))
    return "" if trigger is None else str(trigger)


def resolve(trigger: Any, values: dict[str, Any], previous: AppState | None) -> Resolution:
    """New state from the control that fired (``trigger`` is a component id, None on page load)."""
    prev = previous or AppState()
    name = _trigger_name(trigger)
    if previous is None or name in ("", ids.URL):
        state, problems = parse_query(values.get("search"))
        notices = [f"Shared link: {p}" for p in problems]
        return Resolution(state, notices=notices, reset_controls=True)
    if name == ids.PRESET and isinstance(trigger, dict):
        preset = preset_state(str(trigger.get("name")))
        if preset is None:
            return Resolution(prev, notices=["unknown preset"], rejected=True)
        return Resolution(
            replace(preset, target=prev.target, width=prev.width, theme=prev.theme), reset_controls=True
        )
    for cid, fname in CHOICE_FIELDS.items():
        if name == cid:
            try:
                return Resolution(replace(prev, **{fname: check_field(fname, values.get(cid))}))
            except ValueError as err:
                return Resolution(prev, notices=[str(err)], reset_controls=True, rejected=True)
    if name == ids.DELTA_SIGN:
        sign = -1.0 if str(values.get(ids.DELTA_SIGN)) in ("-1", "-") else 1.0
        return Resolution(
            replace(prev, delta=sign * min(abs(prev.delta), NEG_DELTA_MAX if sign < 0 else 1.0)),
            reset_controls=True,
        )
    if name == ids.slider(ids.DELTA):
        try:
            pos = slider_position(values.get(ids.slider(ids.DELTA)), "δ")
            delta = check_field("delta", delta_from_controls(values.get(ids.DELTA_SIGN, 1), pos))
        except ValueError as err:
            return Resolution(prev, field_msgs={ids.DELTA: str(err)}, reset_controls=True, rejected=True)
        return Resolution(replace(prev, delta=delta), reset_controls=True)
    if name == ids.text(ids.M_CHI):
        try:
            delta = check_m_chi(parse_number(values.get(ids.text(ids.M_CHI)), "m_χ"), prev.m_a)
        except ValueError as err:
            return Resolution(prev, field_msgs={ids.DELTA: str(err)}, rejected=True)
        return Resolution(replace(prev, delta=delta), reset_controls=True)
    for cid, fname in CONTROL_FIELDS.items():
        if name == ids.slider(cid):
            try:
                value = check_field(fname, 10.0 ** slider_position(values.get(ids.slider(cid)), fname))
            except ValueError as err:
                return Resolution(prev, field_msgs={cid: str(err)}, reset_controls=True, rejected=True)
            return Resolution(replace(prev, **{fname: value}), reset_controls=True)
        if name == ids.text(cid):
            try:
                value = check_field(fname, values.get(ids.text(cid)))
            except ValueError as err:
                return Resolution(prev, field_msgs={cid: str(err)}, rejected=True)
            return Resolution(replace(prev, **{fname: value}), reset_controls=True)
    return Resolution(prev)


# ----------------------------------------------------------------------------- rendering
def control_values(state: AppState) -> dict[str, Any]:
    """Values of every control for ``state`` (restores a URL or a preset)."""
    sign, pos = delta_controls(state.delta)
    return {
        ids.slider(ids.M_A): to_slider(state.m_a),
        ids.text(ids.M_A): fmt(state.m_a),
        ids.DELTA_SIGN: sign,
        ids.slider(ids.DELTA): pos,
        ids.text(ids.DELTA): fmt(state.delta),
        ids.text(ids.M_CHI): fmt(state.m_chi),
        ids.slider(ids.G_AWW): to_slider(state.g_aWW),
        ids.text(ids.G_AWW): fmt(state.g_aWW),
        ids.slider(ids.G_ACHI): to_slider(state.g_achi),
        ids.text(ids.G_ACHI): fmt(state.g_achi),
        ids.TARGET: state.target,
        ids.WIDTH: state.width,
        ids.THEME: state.theme,
    }


def _sci(x: float | None, unit: str = "") -> str:
    if x is None or not math.isfinite(x):
        return "—"
    u = f" {unit}" if unit else ""
    return f"{x:.3g}{u}"


def derived_block(point: dict[str, Any]) -> list:
    """Derived quantities shown under the controls."""
    lo, hi = point["target"][1], point["target"][2]
    band = f"[{_sci(lo)}, {_sci(hi)}]" if lo is not None else "n/a at this m_a"
    rows = [
        ("m_χ", _sci(point["m_chi"], "GeV")),
        ("g_aγγ", _sci(point["g_agg"], "GeV⁻¹")),
        ("Γ_a", _sci(point["width_total"], "GeV")),
        ("BR(a→χχ̄)", _sci(point["br_inv"])),
        ("cτ_a", _sci(point["ctau_m"], "m")),
        ("BR(B⁺→K⁺a)", _sci(point["br_B_to_K_a"])),
        ("P_inv (Belle II)", _sci(point["p_inv"])),
        ("BR·P_inv", _sci(point["signal"])),
        ("Belle II target", band),
        ("BR(K⁺→π⁺a)", _sci(point["br_K_to_pi_a"])),
    ]
    return [html.H3("Derived"), html.Table(html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in rows]))]


def scenario_banner(point: dict[str, Any]) -> list:
    """Scenario, flavour verdict and Belle II agreement in one line."""
    missing = point["scenario"] == "missing_energy"
    scen = (
        "Missing-energy scenario: m_a > 2m_χ, a → χχ̄ open"
        if missing
        else "Displaced-diphoton scenario: m_a < 2m_χ, a → γγ only (long-lived)"
    )
    excl = point["excluded_by"]
    verdict = (
        html.Span("excluded by " + ", ".join(excl), className="bad")
        if excl
        else html.Span("allowed by every measured limit", className="good")
    )
    belle = (
        html.Span("inside the Belle II band", className="good")
        if point["in_belle2_band"]
        else html.Span("outside the Belle II band", className="warn")
    )
    return [html.Strong(scen, id="scenario-text"), " · ", verdict, " · ", belle]


def verdict_table(point: dict[str, Any]) -> html.Table:
    """Every experiment's ratio prediction/limit (sorted, excluded first)."""

    def sort_key(v: dict[str, Any]) -> float:
        return -(v["ratio"] if v["ratio"] is not None else -1.0)

    rows = []
    for v in sorted(point["verdicts"], key=sort_key):
        ratio = "n/a" if v["ratio"] is None else f"{v['ratio']:.3g}"
        cls = "bad" if v["excluded"] else ""
        rows.append(
            html.Tr(
                [html.Td(v["label"]), html.Td(v["status"]), html.Td(ratio, className=cls), html.Td(v["note"])]
            )
        )
    head = html.Thead(html.Tr([html.Th("experiment"), html.Th("status"), html.Th("ratio"), html.Th("note")]))
    return html.Table([head, html.Tbody(rows)], className="verdicts")


def flavour_note(point: dict[str, Any]) -> str:
    """Caveat when the drawn curves' assumption differs from the point."""
    if point["scenario"] == "missing_energy" and point["br_inv"] < 0.99:
        return (
            f"BR(a→χχ̄) = {point['br_inv']:.3g} < 0.99: the rate-limit lines assume an invisible ALP; "
            "the ratios in the table and the point's hover are exact."
        )
    return ""


def relic_block(pair: dict[str, Any] | None, error: str = "") -> list:
    """Ωh² nBE and cBE side by side, their ratio, x_fo and T_kd, against Planck."""
    if pair is None:
        return [html.P(error or engine_missing_message(), className="warn", id="relic-unavailable")]
    cells = []
    for method, label in (("nbe", "nBE"), ("cbe", "cBE")):
        r = pair[method]
        status = viability(r["omega_h2"])
        extra = [html.Div(f"x_fo = {_sci(r['x_fo'])}"), html.Div(f"T_kd = {_sci(r['T_kd'], 'GeV')}")]
        if r.get("message"):
            extra.append(html.Div(r["message"], className="flag"))
        cells.append(
            html.Div(
                [
                    html.Div(f"Ωh² ({label})", className="label"),
                    html.Div(_sci(r["omega_h2"]), className="value", id=f"omega-{method}"),
                    *extra,
                ],
                className=f"relic-card {status}",
            )
        )
    ratio = pair.get("ratio")
    cells.append(
        html.Div(
            [
                html.Div("cBE / nBE", className="label"),
                html.Div(_sci(ratio), className="value", id="omega-ratio"),
            ],
            className="relic-card",
        )
    )
    legend = html.P(
        [
            "Planck 2018: Ωh² = 0.120 ± 0.001. ",
            html.Span("green", className="good"),
            ": within 10 % · ",
            html.Span("amber", className="warn"),
            ": under-abundant (subcomponent) · ",
            html.Span("red", className="bad"),
            ": over-abundant (excluded).",
        ],
        className="help",
    )
    return [html.Div(cells, className="relic-cards"), legend]


def _relic_results(state: AppState) -> tuple[dict[str, Any] | None, str]:
    if not engine_available():
        return None, engine_missing_message()
    try:
        return relic_pair(state.m_a, state.delta, state.g_aWW, state.g_achi, state.width), ""
    except ValueError as err:
        return None, f"relic density not computed: {err}"
    except Exception as err:  # a numerical failure must not take the page down
        return None, f"relic density failed: {type(err).__name__}: {err}"


def dm_key(state: AppState) -> dict[str, Any]:
    """What the DM plane depends on (a change starts the background computation)."""
    return {"delta": state.delta, "g_aWW": state.g_aWW, "width": state.width, "theme": state.theme}


def scan_key(state: AppState) -> dict[str, Any]:
    """What the δ scan depends on."""
    return {
        "m_a": state.m_a,
        "g_aWW": state.g_aWW,
        "g_achi": state.g_achi,
        "width": state.width,
        "theme": state.theme,
    }


def _background_changed(prev: AppState | None, new: AppState) -> bool:
    if prev is None:
        return True
    return (prev.delta, prev.g_achi, prev.target, prev.theme) != (
        new.delta,
        new.g_achi,
        new.target,
        new.theme,
    )


OUTPUT_KEYS = (
    "state",
    "search",
    *(f"ctl:{k}" for k in control_values(AppState())),
    *(f"msg:{c}" for c in CONTROL_FIELDS),
    "notice",
    "derived",
    "scenario",
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


SHOWN_KEYS = (*(f"msg:{c}" for c in CONTROL_FIELDS), "notice", "flavour_note", "page_class", "fbe_out")
"""Outputs whose current value the page sends along, so that unchanged ones are not resent."""


def update(
    trigger: Any,
    values: dict[str, Any],
    previous: dict[str, Any] | None,
    prev_dm_key: dict | None = None,
    prev_scan_key: dict | None = None,
    shown: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the synchronous callback returns, keyed by :data:`OUTPUT_KEYS`.

    ``previous`` is the state Store (None on first load). Invalid input leaves every result
    untouched (``no_update``) and fills the inline message of the offending control.
    ``shown`` holds what the page currently shows for :data:`SHOWN_KEYS`; outputs equal to it
    become ``no_update`` (every output sent costs a re-render in the browser).
    """
    out = _update(trigger, values, previous, prev_dm_key, prev_scan_key)
    for key, current in (shown or {}).items():
        new = out.get(key, no_update)
        if new is not no_update and (new == current or (not new and not current)):
            out[key] = no_update
    return out


def _update(
    trigger: Any,
    values: dict[str, Any],
    previous: dict[str, Any] | None,
    prev_dm_key: dict | None,
    prev_scan_key: dict | None,
) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(OUTPUT_KEYS, no_update)
    prev_state = AppState.from_dict(previous) if previous else None
    res = resolve(trigger, values, prev_state)
    for cid in CONTROL_FIELDS:
        out[f"msg:{cid}"] = res.field_msgs.get(cid, "")
    if res.rejected:
        out["notice"] = " · ".join(res.notices) if res.notices else no_update
        if res.reset_controls:
            out.update(
                {f"ctl:{k}": v for k, v in changed_controls(control_values(res.state), values).items()}
            )
        return out
    state = res.state
    try:
        point = flavour_point(state.m_a, state.delta, state.g_aWW, state.g_achi, state.target)
        bg = flavour_background(state.delta, state.g_achi, state.target)
    except Exception as err:  # ValueError: outside the model's domain; anything else: a bug, logged
        if isinstance(err, ValueError):
            out[f"msg:{_field_for_error(str(err))}"] = f"{err} — previous result kept"
        else:
            log.exception("flavour computation failed for %s", state)
            out["notice"] = f"internal error ({type(err).__name__}) — previous result kept"
        if prev_state is None:  # a shared link outside the domain: fall back to the defaults
            return _update(None, {"search": ""}, None, None, None) if values.get("search") else out
        out.update({f"ctl:{k}": v for k, v in changed_controls(control_values(prev_state), values).items()})
        return out
    out["notice"] = " · ".join(res.notices)
    out["state"] = state.to_dict()
    out["search"] = to_query(state)
    # rewrite only the controls whose shown value differs (a slider move re-renders its box only)
    out.update({f"ctl:{k}": v for k, v in changed_controls(control_values(state), values).items()})
    out["page_class"] = f"theme-{state.theme}"
    out["derived"] = derived_block(point)
    out["scenario"] = scenario_banner(point)
    out["verdicts"] = verdict_table(point)
    out["flavour_note"] = flavour_note(point)
    if _background_changed(prev_state, state):
        out["flavour_fig"] = flavour_figure(bg, point, state.theme)
    else:
        out["flavour_fig"] = _marker_patch(flavour_marker(point, state.theme))
    relic_changed = prev_state is None or any(
        getattr(prev_state, f) != getattr(state, f) for f in RELIC_FIELDS
    )
    if relic_changed or prev_state.theme != state.theme:
        pair, err = _relic_results(state)
        out["relic"] = relic_block(pair, err)
        out["evolution_fig"] = (
            evolution_figure({m: pair[m] for m in ("nbe", "cbe")}, state.theme)
            if pair
            else message_figure(err, state.theme)
        )
    if relic_changed and prev_state is not None:
        out["fbe_out"] = ""
    new_dm, new_scan = dm_key(state), scan_key(state)
    out["dm_key"] = new_dm if new_dm != prev_dm_key else no_update
    out["scan_key"] = new_scan if new_scan != prev_scan_key else no_update
    if _moved(prev_state, state, ("m_a", "g_achi", "theme")):
        out["dm_point"] = _marker_patch(point_marker(state.m_a, state.g_achi, state.theme))
    if _moved(prev_state, state, ("m_a", "delta", "g_aWW", "g_achi", "width", "theme")):
        out["scan_point"] = _scan_point_patch(state)
    return out


def _moved(prev: AppState | None, new: AppState, names: tuple[str, ...]) -> bool:
    return prev is None or any(getattr(prev, n) != getattr(new, n) for n in names)


def changed_controls(target: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """The control values in ``target`` that differ from what the page ``shown`` holds."""
    out = {}
    for key, value in target.items():
        current = shown.get(key)
        if isinstance(value, float) and isinstance(current, int | float) and not isinstance(current, bool):
            try:
                if abs(value - float(current)) < 1e-9:
                    continue
            except OverflowError:  # a huge integer from a forged request: differs
                pass
        elif current is not None and str(current) == str(value):
            continue
        out[key] = value
    return out


def _scan_point_patch(state: AppState) -> Patch:
    """Move the δ ★ along the scan curve if that scan is cached (hidden otherwise)."""
    scan = (
        cached_delta_scan(state.m_a, state.g_aWW, state.g_achi, state.width) if engine_available() else None
    )
    return _marker_patch(delta_marker(scan, state.delta, state.theme))


def _marker_patch(marker: dict[str, Any]) -> Patch:
    """A Patch replacing only the ★ annotation of a figure (a layout-only update in plotly)."""
    patch = Patch()
    patch["layout"]["annotations"][POINT_ANNOTATION] = marker
    return patch


def _field_for_error(message: str) -> str:
    """Which control an ALPModel error message is about (for the inline message)."""
    low = message.lower()
    if "g_achi" in low or "y_χ" in low:
        return ids.G_ACHI
    if "g_aww" in low:
        return ids.G_AWW
    if "delta" in low or "m_chi" in low:
        return ids.DELTA
    return ids.M_A


# ----------------------------------------------------------------------------- registration
def _outputs() -> dict[str, Output]:
    outs: dict[str, Output] = {
        "state": Output(ids.STATE, "data"),
        "search": Output(ids.URL, "search"),
    }
    for k in control_values(AppState()):
        outs[f"ctl:{k}"] = Output(k, "value")
    for cid in CONTROL_FIELDS:
        outs[f"msg:{cid}"] = Output(ids.msg(cid), "children")
    outs.update(
        notice=Output(ids.NOTICE, "children"),
        derived=Output(ids.DERIVED, "children"),
        scenario=Output(ids.SCENARIO, "children"),
        flavour_fig=Output(ids.FLAVOUR_FIG, "figure"),
        flavour_note=Output(ids.FLAVOUR_NOTE, "children"),
        verdicts=Output(ids.VERDICTS, "children"),
        relic=Output(ids.RELIC, "children"),
        evolution_fig=Output(ids.EVOLUTION_FIG, "figure"),
        dm_key=Output(ids.DM_KEY, "data"),
        scan_key=Output(ids.SCAN_KEY, "data"),
        dm_point=Output(ids.DM_FIG, "figure", allow_duplicate=True),
        scan_point=Output(ids.SCAN_FIG, "figure", allow_duplicate=True),
        fbe_out=Output(ids.FBE_OUT, "children", allow_duplicate=True),
        page_class=Output(ids.PAGE, "className"),
    )
    return {_safe(k): v for k, v in outs.items()}


def _safe(key: str) -> str:
    """Output/input dict keys must be identifiers for Dash's flexible signatures."""
    return key.replace(":", "__").replace("-", "_")


def _inputs() -> dict[str, Input]:
    ins: dict[str, Input] = {"search": Input(ids.URL, "search")}
    for cid in CONTROL_FIELDS:
        ins[ids.slider(cid)] = Input(ids.slider(cid), "value")
        ins[ids.text(cid)] = Input(ids.text(cid), "value")
    ins[ids.text(ids.M_CHI)] = Input(ids.text(ids.M_CHI), "value")
    ins[ids.DELTA_SIGN] = Input(ids.DELTA_SIGN, "value")
    for cid in CHOICE_FIELDS:
        ins[cid] = Input(cid, "value")
    ins["presets"] = Input({"type": ids.PRESET, "name": ALL}, "n_clicks")
    return {_safe(k): v for k, v in ins.items()}


def register(app: Any) -> None:
    """Register the synchronous point callback on ``app``."""
    in_keys = {
        _safe(k): k
        for k in [
            "search",
            *[ids.slider(c) for c in CONTROL_FIELDS],
            *[ids.text(c) for c in CONTROL_FIELDS],
            ids.text(ids.M_CHI),
            ids.DELTA_SIGN,
            *CHOICE_FIELDS,
            "presets",
        ]
    }
    out_keys = {k: _safe(k) for k in OUTPUT_KEYS}

    @app.callback(
        output=_outputs(),
        inputs=_inputs(),
        state={
            "previous": State(ids.STATE, "data"),
            "prev_dm_key": State(ids.DM_KEY, "data"),
            "prev_scan_key": State(ids.SCAN_KEY, "data"),
            **{_safe(f"shown:{k}"): _shown_state(k) for k in SHOWN_KEYS},
        },
        prevent_initial_call="initial_duplicate",
    )
    def on_controls(
        previous: dict | None, prev_dm_key: dict | None, prev_scan_key: dict | None, **kwargs: Any
    ) -> dict[str, Any]:
        shown = {k: kwargs.pop(_safe(f"shown:{k}")) for k in SHOWN_KEYS}
        values = {in_keys[k]: v for k, v in kwargs.items()}
        result = update(ctx.triggered_id, values, previous, prev_dm_key, prev_scan_key, shown)
        return {out_keys[k]: v for k, v in result.items()}


def _shown_state(key: str) -> State:
    """State carrying what the page shows for output ``key`` (same component and property)."""
    spec = _outputs()[_safe(key)]
    return State(spec.component_id, spec.component_property)
