"""The state machine of the point callback: which control fired → the new state and messages.

Pure logic over plain values (no Dash call): a trigger (a component id, or None on page load),
the control values the page sent and the previous state give a :class:`Resolution`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from dashboard.state import (
    NEG_DELTA_MAX,
    PHYSICS_POINT_FIELDS,
    AppState,
    check_field,
    check_m_chi,
    delta_from_controls,
    parse_number,
    parse_query,
    preset_state,
    slider_position,
)
from layouts import ids
from layouts.controls import CHOICE_FIELDS, CONTROL_FIELDS, NUMBER_FIELDS


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


def _refused(prev: AppState, cid: str, err: ValueError, *, reset: bool) -> Resolution:
    """The previous state kept and an inline message under control ``cid``."""
    return Resolution(prev, field_msgs={cid: str(err)}, reset_controls=reset, rejected=True)


def resolve(trigger: Any, values: dict[str, Any], previous: AppState | None) -> Resolution:
    """New state from the control that fired (``trigger`` is a component id, None on page load)."""
    prev = previous or AppState()
    name = _trigger_name(trigger)
    if previous is None or name in ("", ids.URL):
        state, problems = parse_query(values.get("search"))
        return Resolution(state, notices=[f"Shared link: {p}" for p in problems], reset_controls=True)
    if name == ids.PRESET and isinstance(trigger, dict):
        preset = preset_state(str(trigger.get("name")))
        if preset is None:
            return Resolution(prev, notices=["unknown preset"], rejected=True)
        point = {f: getattr(preset, f) for f in PHYSICS_POINT_FIELDS}  # every other choice is kept
        return Resolution(replace(prev, **point), reset_controls=True)
    for cid, fname in NUMBER_FIELDS.items():  # a typed-only number (advanced section)
        if name == ids.text(cid):
            try:
                value = check_field(fname, values.get(name))
            except ValueError as err:
                return _refused(prev, cid, err, reset=False)
            return Resolution(replace(prev, **{fname: value}), reset_controls=True)
    if name in CHOICE_FIELDS:
        fname = CHOICE_FIELDS[name]
        try:
            return Resolution(replace(prev, **{fname: check_field(fname, values.get(name))}))
        except ValueError as err:
            return Resolution(prev, notices=[str(err)], reset_controls=True, rejected=True)
    if name == ids.DELTA_SIGN:
        sign = -1.0 if str(values.get(ids.DELTA_SIGN)) in ("-1", "-") else 1.0
        delta = sign * min(abs(prev.delta), NEG_DELTA_MAX if sign < 0 else 1.0)
        return Resolution(replace(prev, delta=delta), reset_controls=True)
    if name == ids.slider(ids.DELTA):
        try:
            pos = slider_position(values.get(ids.slider(ids.DELTA)), "δ")
            delta = check_field("delta", delta_from_controls(values.get(ids.DELTA_SIGN, 1), pos))
        except ValueError as err:
            return _refused(prev, ids.DELTA, err, reset=True)
        return Resolution(replace(prev, delta=delta), reset_controls=True)
    if name == ids.text(ids.M_CHI):
        try:
            delta = check_m_chi(parse_number(values.get(ids.text(ids.M_CHI)), "m_χ"), prev.m_a)
        except ValueError as err:
            return _refused(prev, ids.DELTA, err, reset=False)
        return Resolution(replace(prev, delta=delta), reset_controls=True)
    return _log_control(name, values, prev)


def _log_control(name: str, values: dict[str, Any], prev: AppState) -> Resolution:
    """A log slider (value 10**position) or its typed box moved."""
    for cid, fname in CONTROL_FIELDS.items():
        if name not in (ids.slider(cid), ids.text(cid)):
            continue
        slider = name == ids.slider(cid)
        try:
            raw = 10.0 ** slider_position(values.get(name), fname) if slider else values.get(name)
            value = check_field(fname, raw)
        except ValueError as err:
            return _refused(prev, cid, err, reset=slider)
        return Resolution(replace(prev, **{fname: value}), reset_controls=True)
    return Resolution(prev)


def field_for_error(message: str) -> str:
    """Which control an ALPModel error message is about (for the inline message)."""
    low = message.lower()
    if "r_max" in low:
        return ids.R_MAX
    if "n_sigma" in low or "n_σ" in low:
        return ids.N_SIGMA
    if "g_achi" in low or "y_χ" in low:
        return ids.G_ACHI
    if "g_aww" in low:
        return ids.G_AWW
    if "delta" in low or "m_chi" in low:
        return ids.DELTA
    return ids.M_A


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
