"""The dashboard state: URL query round trip, validation of shared links and typed values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.state import (
    MAX_QUERY_LENGTH,
    AppState,
    check_field,
    check_m_chi,
    delta_controls,
    delta_from_controls,
    from_slider,
    parse_number,
    parse_query,
    preset_state,
    presets,
    round_sig,
    to_query,
    to_slider,
)
from physics import ALPModel


def test_default_state_round_trips_through_the_url() -> None:
    state = AppState()
    assert to_query(state).startswith("?ma=2&delta=0.024&")
    assert parse_query(to_query(state)) == (state, [])


def test_every_field_is_restored_from_a_link() -> None:
    link = "?ma=0.1&delta=-0.3&gww=0.0001&gchi=0.002&target=two_body_fit&width=constant&theme=talk"
    state, problems = parse_query(link)
    assert problems == []
    assert state == AppState(0.1, -0.3, 1e-4, 2e-3, "two_body_fit", "constant", "talk")
    full = link + "&method=fbe&nsigma=2.5&rmax=1.25&babar=limit&cww=alpha0_sW2"
    state, problems = parse_query(full)
    assert problems == [] and to_query(state) == full
    assert (state.method, state.n_sigma, state.r_max, state.babar, state.cww) == (
        "fbe",
        2.5,
        1.25,
        "limit",
        "alpha0_sW2",
    )


def test_links_from_before_the_advanced_options_keep_working() -> None:
    """A link written before a field existed: the field is its default, and no notice."""
    state, problems = parse_query("?ma=0.1&delta=-0.3&gww=0.0001&gchi=0.002&target=two_body_fit")
    assert problems == []
    assert (state.method, state.n_sigma, state.r_max, state.babar, state.cww) == (
        "cbe",
        1.0,
        1.0,
        "tension",
        "alpinist_gW",
    )
    assert AppState.from_dict({"m_a": 0.7}).r_max == 1.0  # an old Store (before the fields)


def test_choices_and_defaults_come_from_physics() -> None:
    from dashboard.state import CHOICES
    from physics import constants as C
    from physics.limits import CWW_MAPPING_DEFAULT, CWW_MAPPING_LABELS
    from physics.relic import METHODS
    from physics.targets import DEFAULT_TARGET, TARGET_LABELS

    assert AppState().r_max == C.BELLE2_R_MAX_M and AppState().target == DEFAULT_TARGET
    assert AppState().cww == CWW_MAPPING_DEFAULT and dict(CHOICES["cww"]) == dict(CWW_MAPPING_LABELS)
    assert dict(CHOICES["target"]) == dict(TARGET_LABELS)
    assert {v for v, _ in CHOICES["method"]} == set(METHODS)


@pytest.mark.parametrize(
    ("query", "field", "fragment"),
    [
        ("?ma=abc", "m_a", "not a number"),
        ("?ma=nan", "m_a", "finite"),
        ("?ma=inf", "m_a", "finite"),
        ("?ma=-1", "m_a", "between"),
        ("?ma=50", "m_a", "between"),
        ("?gww=1", "g_aWW", "between"),
        ("?gchi=0", "g_achi", "between"),
        ("?delta=-1", "delta", "−0.99"),
        ("?delta=0", "delta", "|δ|"),
        ("?delta=2", "delta", "|δ|"),
        ("?target=__import__('os')", "target", "not one of"),
        ("?width=pickle", "width", "not one of"),
        ("?rmax=0", "r_max", "> 0"),
        ("?rmax=-1", "r_max", "> 0"),
        ("?rmax=nan", "r_max", "finite"),
        ("?rmax=inf", "r_max", "finite"),
        ("?rmax=1e3", "r_max", "between"),
        ("?nsigma=0", "n_sigma", "> 0"),
        ("?nsigma=-1", "n_sigma", "> 0"),
        ("?nsigma=20", "n_sigma", "between"),
        ("?method=dbe", "method", "not one of"),
        ("?babar=maybe", "babar", "not one of"),
        ("?cww=1.586", "cww", "not one of"),
    ],
)
def test_bad_values_fall_back_to_the_default_with_a_message(query: str, field: str, fragment: str) -> None:
    state, problems = parse_query(query)
    assert getattr(state, field) == getattr(AppState(), field)
    assert len(problems) == 1 and fragment in problems[0] and "default used" in problems[0]


def test_good_fields_survive_next_to_bad_ones() -> None:
    state, problems = parse_query("?ma=0.5&gww=banana")
    assert state.m_a == 0.5 and state.g_aWW == AppState().g_aWW
    assert len(problems) == 1


@pytest.mark.parametrize(
    "query", ["?" + "ma=1&" * 200, "?ma", "?=&=&", "?a=1;b=2", "?%zz=1", "?" + "x" * (MAX_QUERY_LENGTH + 1)]
)
def test_malformed_or_oversized_links_give_defaults_and_a_notice(query: str) -> None:
    state, problems = parse_query(query)
    assert state == AppState()
    assert problems, "a malformed link must be reported"


def test_unknown_and_repeated_parameters_are_reported() -> None:
    state, problems = parse_query("?ma=1&ma=3&foo=1")
    assert state.m_a == 1.0
    assert any("twice" in p for p in problems) and any("unknown" in p for p in problems)


def test_empty_query_is_the_default_without_a_notice() -> None:
    assert parse_query("") == (AppState(), [])
    assert parse_query(None) == (AppState(), [])


@pytest.mark.parametrize("text", ["", "  ", "abc", "1e", "nan", "-inf", "1" * 40, None, True])
def test_parse_number_rejects_garbage(text: object) -> None:
    with pytest.raises(ValueError, match="g_aWW"):
        parse_number(text, "g_aWW")


@pytest.mark.parametrize(
    ("text", "value"), [("8.4e-5", 8.4e-5), (" 2 ", 2.0), ("−0.3", -0.3), ("1E-3", 1e-3), (3, 3.0)]
)
def test_parse_number_accepts_numbers(text: object, value: float) -> None:
    assert parse_number(text, "x") == value


def test_typed_values_are_rounded_to_four_significant_figures() -> None:
    assert check_field("g_aWW", "8.41234e-5") == 8.412e-5
    assert round_sig(0.123456) == 0.1235


def test_m_chi_input_sets_delta() -> None:
    assert check_m_chi(0.99, 2.0) == pytest.approx(round_sig(4.0 / (4 * 0.99**2) - 1), rel=1e-12)
    with pytest.raises(ValueError):
        check_m_chi(-1.0, 2.0)
    with pytest.raises(ValueError, match=r"\|δ\|"):
        check_m_chi(1.0, 2.0)  # δ = 0 exactly on the resonance is outside the slider range


def test_slider_positions_map_to_physical_values() -> None:
    assert to_slider(8.4e-5) == pytest.approx(-4.08)
    assert from_slider(-4.08) == round_sig(10**-4.08)
    assert delta_from_controls(-1, 0.0) == -0.99  # clamp: δ = −1 would put m_χ at infinity
    assert delta_from_controls("1", -2.0) == 0.01
    assert delta_controls(-0.3) == (-1, to_slider(0.3))


@given(
    m_a=st.floats(0.05, 5.0),
    abs_delta=st.floats(1e-4, 0.99),
    sign=st.sampled_from([1, -1]),
    g_aWW=st.floats(1e-7, 1e-2),
    g_achi=st.floats(1e-6, 1.0),
    target=st.sampled_from(["excess", "two_body_fit"]),
    width=st.sampled_from(["energy_dependent", "constant"]),
    theme=st.sampled_from(["light", "talk"]),
    options=st.tuples(
        st.sampled_from(["nbe", "cbe", "fbe"]),
        st.floats(0.1, 5.0),
        st.floats(0.01, 10.0),
        st.sampled_from(["tension", "limit"]),
        st.sampled_from(["alpinist_gW", "alpha0_sW2"]),
    ),
)
def test_query_round_trip_is_exact_after_rounding(
    m_a: float,
    abs_delta: float,
    sign: int,
    g_aWW: float,
    g_achi: float,
    target: str,
    width: str,
    theme: str,
    options: tuple,
) -> None:
    raw = AppState(m_a, sign * abs_delta, g_aWW, g_achi, target, width, theme, *options)
    once, problems = parse_query(to_query(raw))
    assert problems == [] or all("between" in p for p in problems)  # rounding can cross a range edge
    twice, again = parse_query(to_query(once))
    assert twice == once and again == []
    assert math.isclose(once.m_a, raw.m_a, rel_tol=1e-3) or problems


def test_presets_are_valid_model_points() -> None:
    assert {p.key for p in presets()} == {"abstract", "viable", "displaced"}
    viable = preset_state("viable")
    displaced = preset_state("displaced")
    assert viable is not None and displaced is not None
    assert (
        ALPModel.from_detuning(viable.m_a, viable.delta, viable.g_aWW, viable.g_achi).scenario
        == "missing_energy"
    )
    model = ALPModel.from_detuning(displaced.m_a, displaced.delta, displaced.g_aWW, displaced.g_achi)
    assert model.scenario == "displaced_diphoton" and model.m_chi > model.m_a / 2
    assert preset_state("nope") is None


def test_store_dict_round_trip_and_garbage() -> None:
    state = AppState(m_a=0.7, delta=-0.01)
    assert AppState.from_dict(state.to_dict()) == state
    assert AppState.from_dict(None) == AppState()
    assert AppState.from_dict({"m_a": "evil"}) == AppState()


def test_viable_preset_is_viable() -> None:
    """The "viable" button lands on a point with Ωh²(cBE) = 0.12 that no measured limit excludes
    and that sits inside the Belle II two-body-fit band."""
    from physics import belle2_target, br_B_to_K_a, is_excluded, omega_h2, p_invisible_belle2

    s = preset_state("viable")
    assert s is not None
    model = ALPModel.from_detuning(s.m_a, s.delta, s.g_aWW, s.g_achi)
    assert not is_excluded(model)
    assert abs(omega_h2(model, method="cbe").omega_h2 - 0.12) < 0.006
    _, lo, hi = belle2_target(s.m_a, "two_body_fit")
    assert lo <= br_B_to_K_a(s.m_a, s.g_aWW) * p_invisible_belle2(model) <= hi
