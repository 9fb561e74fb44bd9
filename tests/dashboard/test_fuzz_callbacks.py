"""Property tests: hostile input to the URL parser and the callbacks never escapes as an exception.

Inputs a shared link or a forged callback request can carry: NaN, ±inf, negative numbers,
1e308, "1e99999", huge integers, text, unicode digits, truncated query strings, repeated and
unknown keys, very long values, lists, dicts, None. Properties: no exception escapes, a
rejected input produces a visible message, and a rejected input keeps the previous state
(every result output is ``no_update``); an accepted input is a state inside the ranges.

Examples scale with the hypothesis profile (``ci`` default, ``HYPOTHESIS_PROFILE=large``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest
from dash import no_update
from flask import Flask
from flask_caching import Cache
from hypothesis import example, given, settings
from hypothesis import strategies as st

from callbacks import background, verdict
from callbacks.point import OUTPUT_KEYS, dm_key, scan_key, update, viability_key
from dashboard import cache as physics_cache
from dashboard import relic_data
from dashboard.state import (
    MAX_QUERY_LENGTH,
    QUERY_KEYS,
    AppState,
    check_field,
    parse_number,
    parse_query,
    presets,
    to_query,
)
from layouts import ids
from layouts.controls import CONTROL_FIELDS, MESSAGE_CONTROLS, NUMBER_FIELDS, control_values
from tests._hypothesis import examples


@pytest.fixture(scope="module", autouse=True)
def memory_cache() -> Iterator[None]:
    """An in-memory physics cache: valid states repeat across examples, so each costs once."""
    saved = physics_cache.active_cache()
    cache = Cache(Flask(__name__), config={"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 100_000})
    physics_cache.use_cache(cache)
    yield
    physics_cache.use_cache(saved)


# ----------------------------------------------------------------------------- strategies
NASTY_TEXT = [
    "1e99999",
    "-1e99999",
    "1e-99999",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "-1e308",
    "5e-324",
    "0",
    "-0",
    "-1",
    "0x10",
    "1_000",
    "١٫٥",
    "１",
    "½",
    "𝟙",
    "\x00",
    "\u202e2",
    "--1",
    "1e",
    "e5",
    "",
    " ",
    "−3",
    "1×10^-5",
    "2;ma=1",
    "%00",
    "%zz",
    "&",
    "=",
    "?",
    "é",
    "🙂",
    "__import__('os').system('true')",
    "eval('1')",
    "${7*7}",
    "{{7*7}}",
    "<script>",
    "'; --",
]
nasty_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 0.0, -0.0, 1e-300]),
    st.integers(min_value=-(10**400), max_value=10**400),
)
long_text = st.builds(
    lambda c, n: c * n, st.sampled_from(["9", "é", "1e", "🙂", "%"]), st.integers(33, 20_000)
)
hostile = st.one_of(
    nasty_number,
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=40),
    long_text,
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
good_value = {
    "ma": st.sampled_from(["2", "0.5", "0.1", "4.9"]),
    "delta": st.sampled_from(["0.024", "-0.3", "0.5", "-0.01"]),
    "gww": st.sampled_from(["8.4e-05", "1e-4", "3e-06"]),
    "gchi": st.sampled_from(["0.001", "0.01", "2e-06"]),
    "target": st.sampled_from(["excess", "two_body_fit"]),
    "width": st.sampled_from(["energy_dependent", "constant"]),
    "theme": st.sampled_from(["light", "talk"]),
    "method": st.sampled_from(["nbe", "cbe", "fbe"]),
    "nsigma": st.sampled_from(["1", "2", "0.5"]),
    "rmax": st.sampled_from(["1", "1.25", "0.3"]),
    "babar": st.sampled_from(["tension", "limit"]),
    "cww": st.sampled_from(["alpinist_gW", "alpha0_sW2"]),
}
query_key = st.one_of(st.sampled_from(list(QUERY_KEYS)), st.sampled_from(["", "MA", "ma ", "x", "é", "ma[]"]))


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A query string: good and hostile pairs, repeated keys, raw or encoded, maybe truncated."""
    pairs = []
    for key in draw(st.lists(query_key, max_size=10)):
        value = draw(good_value[key]) if key in good_value and draw(st.booleans()) else draw(hostile)
        text = str(value)[:200]
        pairs.append(f"{key}={quote(text) if draw(st.booleans()) else text}")
    q = draw(st.sampled_from(["?", ""])) + draw(st.sampled_from(["&", ";", "&&"])).join(pairs)
    if q and draw(st.booleans()):
        q = q[: draw(st.integers(0, len(q)))]  # truncated link
    return q + draw(st.sampled_from(["", "", "&" + "x" * MAX_QUERY_LENGTH]))


def valid_state_dict(data: Any) -> bool:
    """A dict that is exactly a state inside every range (round-trips through the URL)."""
    if not isinstance(data, dict):
        return False
    state = AppState(**data)
    return parse_query(to_query(state)) == (state, [])


# ----------------------------------------------------------------------------- URL parser
def expected_problems(search: str) -> bool:
    """Independent oracle: does this query string deserve a notice?"""
    if len(search) > MAX_QUERY_LENGTH:
        return True
    s = search[1:] if search.startswith("?") else search
    if not s:
        return False
    try:
        pairs = parse_qsl(s, keep_blank_values=True, strict_parsing=True, max_num_fields=len(QUERY_KEYS) + 4)
    except ValueError:
        return True
    keys = [k for k, _ in pairs]
    if any(k not in QUERY_KEYS for k in keys) or len(set(keys)) != len(keys):
        return True
    for k, v in pairs:
        try:
            check_field(QUERY_KEYS[k], v)
        except ValueError:
            return True
    return False


@examples(10)
@given(queries())
def test_parse_query_never_raises_and_reports_every_bad_link(search: str) -> None:
    state, problems = parse_query(search)
    assert isinstance(state, AppState) and all(isinstance(p, str) and p for p in problems)
    assert valid_state_dict(state.to_dict())  # whatever the link, the state is inside the ranges
    assert bool(problems) == expected_problems(search), (search, problems)
    assert all(len(p) < 300 for p in problems)  # the notice never echoes a long value back


@examples(2)
@given(st.one_of(hostile, st.binary(max_size=50)))
def test_parse_query_of_non_text_or_huge_input(search: Any) -> None:
    state, problems = parse_query(search)
    assert isinstance(state, AppState)
    if search and (not isinstance(search, str) or len(search) > MAX_QUERY_LENGTH):
        assert state == AppState() and problems


@examples(10)
@given(st.sampled_from(list(QUERY_KEYS.values())), hostile)
@example("m_a", 10**400)  # was OverflowError (a JSON request can carry such an integer)
def test_check_field_is_a_value_or_a_value_error(name: str, raw: Any) -> None:
    try:
        value = check_field(name, raw)
    except ValueError as err:
        assert str(err)
        return
    assert valid_state_dict({**AppState().to_dict(), name: value})


# ----------------------------------------------------------------------------- the point callback
PREVIOUS = [
    AppState(),
    presets()[1].state,
    AppState(m_a=0.5, delta=-0.2, g_aWW=3e-5, theme="talk"),
    AppState(method="nbe", n_sigma=2.0, r_max=0.3, babar="limit", cww="alpha0_sW2"),
]
TEXT_TRIGGERS = (
    [ids.text(c) for c in CONTROL_FIELDS] + [ids.text(ids.M_CHI)] + [ids.text(c) for c in NUMBER_FIELDS]
)
SLIDER_TRIGGERS = [ids.slider(c) for c in CONTROL_FIELDS]
CHOICE_TRIGGERS = [ids.TARGET, ids.WIDTH, ids.THEME, ids.DELTA_SIGN, ids.METHOD, ids.BABAR, ids.CWW]
RESULT_KEYS = (
    "state",
    "search",
    "derived",
    "flavour_fig",
    "relic",
    "evolution_fig",
    "dm_key",
    "scan_key",
    "verdicts",
    "viability",
    "viability_key",
    "in_force",
)


def visible_message(out: dict[str, Any]) -> bool:
    shown = [out[f"msg:{c}"] for c in MESSAGE_CONTROLS] + [out["notice"]]
    return any(isinstance(m, str) and m.strip() for m in shown)


def garbage(value: Any) -> bool:
    """Not a finite number at all (whatever the control)."""
    try:
        parse_number(value, "x")
    except ValueError:
        return True
    return False


def check_outcome(out: dict[str, Any], *, must_reject: bool) -> None:
    assert set(out) == set(OUTPUT_KEYS)
    if out["state"] is no_update:
        assert visible_message(out), "a rejected input must say why"
        assert all(out[k] is no_update for k in RESULT_KEYS), "a rejected input keeps every result"
    else:
        assert not must_reject, "garbage was accepted"
        assert valid_state_dict(out["state"])
        assert parse_query(out["search"]) == (AppState(**out["state"]), [])


@examples(1.5)
@given(
    st.sampled_from(PREVIOUS),
    st.sampled_from(TEXT_TRIGGERS + SLIDER_TRIGGERS + CHOICE_TRIGGERS),
    hostile,
)
# regressions found by this test (each was an uncaught exception or an out-of-range state):
@example(AppState(), ids.slider(ids.M_A), 400)  # OverflowError in 10**400
@example(AppState(), ids.slider(ids.DELTA), 5)  # δ = 1e5 accepted without a range check
@example(AppState(), ids.slider(ids.DELTA), "abc")  # ValueError escaped
@example(AppState(), ids.slider(ids.G_AWW), None)  # state with g_aWW = None
@example(AppState(), ids.text(ids.M_A), 10**400)  # OverflowError in float(int)
@example(AppState(), ids.text(ids.M_CHI), "1e-200")  # ZeroDivisionError in δ(m_χ)
@example(AppState(), ids.text(ids.R_MAX), "0")  # r_max ≤ 0: an inline message, never a ValueError
@example(AppState(), ids.text(ids.R_MAX), math.inf)
@example(AppState(), ids.text(ids.N_SIGMA), -1)
@example(AppState(), ids.METHOD, "fbe")  # the fBE verdict is deferred to the background job
def test_point_callback_survives_hostile_control_values(prev: AppState, trigger: str, value: Any) -> None:
    values = {**control_values(prev), "search": to_query(prev), "presets": [0, 0], trigger: value}
    out = update(trigger, values, prev.to_dict(), dm_key(prev), scan_key(prev), None, viability_key(prev))
    numeric = trigger in TEXT_TRIGGERS or trigger in SLIDER_TRIGGERS
    check_outcome(out, must_reject=numeric and garbage(value))


@examples(1)
@given(queries())
def test_point_callback_on_a_hostile_shared_link(search: str) -> None:
    out = update(None, {"search": search}, None)
    check_outcome(out, must_reject=False)
    if expected_problems(search):
        assert "Shared link" in out["notice"]


@examples(1)
@given(
    previous=st.one_of(hostile, st.dictionaries(st.sampled_from(list(AppState().to_dict())), hostile)),
    trigger=st.one_of(hostile, st.sampled_from([ids.URL, *TEXT_TRIGGERS])),
    preset=st.one_of(hostile, st.sampled_from(["viable", "displaced"])),
    shown=st.dictionaries(st.sampled_from(["notice", "page_class", "fbe_out"]), hostile, max_size=2),
)
def test_point_callback_survives_forged_state_and_trigger(
    previous: Any, trigger: Any, preset: Any, shown: dict[str, Any]
) -> None:
    values = {**control_values(AppState()), "search": "", "presets": [0, 0]}
    for trig in (trigger, {"type": ids.PRESET, "name": preset}):
        out = update(trig, values, previous, previous, previous, shown)
        check_outcome(out, must_reject=False)


# ----------------------------------------------------------------------------- background jobs
@pytest.fixture
def small_grids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relic_data, "DM_N_M", 3)
    monkeypatch.setattr(relic_data, "DM_N_G", 2)
    monkeypatch.setattr(relic_data, "SCAN_N", 2)


key_value = st.one_of(hostile, st.sampled_from([0.024, 8.4e-5, 2.0, 1e-3, "constant", "light"]))


@pytest.mark.usefixtures("small_grids")
@settings(max_examples=60)
@given(
    st.dictionaries(st.sampled_from(["delta", "g_aWW", "width", "theme", "m_a", "g_achi", "x"]), key_value),
    st.one_of(hostile, st.just(AppState().to_dict())),
)
@example({"delta": 10**400, "g_aWW": 8.4e-5, "width": "constant"}, None)  # was OverflowError
@example({"m_a": 2.0, "g_aWW": 1e300, "g_achi": 1e-3, "width": "constant", "theme": []}, None)
def test_background_jobs_return_a_figure_for_any_key(key: dict[str, Any], state: Any) -> None:
    from dash.exceptions import PreventUpdate

    for job in (background.dm_plane_job, background.delta_scan_job):
        try:
            fig, status = job(key, state)
        except PreventUpdate:
            assert not key
            continue
        assert isinstance(fig, dict) and "layout" in fig and isinstance(status, str)


verdict_value = st.one_of(
    hostile, st.sampled_from([2.0, 0.024, 8.4e-5, 1e-3, "excess", "energy_dependent", "nbe", 1.0, "tension"])
)


@settings(max_examples=40)
@given(st.dictionaries(st.sampled_from([*AppState().to_dict(), "x"]), verdict_value))
@example({**viability_key(AppState(method="fbe")), "method": "nbe"})  # a valid key: a verdict
@example({**viability_key(AppState(method="fbe")), "r_max": 0})  # r_max ≤ 0: a message
def test_verdict_job_answers_any_key(key: dict[str, Any]) -> None:
    """The banner's background job: a verdict or a "not computed" message, never an exception.
    (A valid fBE key is a real fBE solve: the examples use cheap methods.)"""
    from dash.exceptions import PreventUpdate

    if key.get("method") == "fbe":
        key = {**key, "method": "cbe"}
    try:
        banner, *_ = verdict.verdict_job(key)
    except PreventUpdate:
        assert not key
        return
    text = str(banner)
    assert "not computed" in text or "Viable by" in text or "Not viable by" in text
