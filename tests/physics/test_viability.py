"""viability(): Belle II ∧ relic ∧ measured limits ∧ CMB ∧ scenario (docs/physics.md#viability).

Expected numbers are computed here: the Belle II "excess" band from the published values
(arXiv:2311.14647, SM 5.58e-6 ± 0.37e-6), Ωh² from the relic engine at the same point, the
BaBar pull from physics.limits.babar_tension_pull, 0.120 typed here (Planck 2018).
"""

from __future__ import annotations

import math

import pytest

from physics import (
    ALPModel,
    Viability,
    br_B_to_K_a,
    delta_star,
    omega_h2,
    p_invisible_belle2,
    viability,
    viability_at_delta_star,
)
from physics.limits import babar_tension_pull

PLANCK = 0.120
BENCH = (2.0, 8.4e-5, 1e-3)  # m_a [GeV], g_aWW, g_aχχ [GeV⁻¹]
# Belle II B⁺→K⁺νν̄ = (2.3 ± 0.5 stat +0.5 −0.4 syst)e-5, SM (5.58 ± 0.37)e-6
EXCESS = 2.3e-5 - 5.58e-6
EXCESS_UP = math.sqrt(0.5**2 + 0.5**2 + 0.037**2) * 1e-5
EXCESS_DOWN = math.sqrt(0.5**2 + 0.4**2 + 0.037**2) * 1e-5


@pytest.fixture(scope="module")
def bench_delta() -> float:
    (d,) = delta_star(*BENCH).roots
    return d


def prefixes(v: Viability) -> set[str]:
    """"belle2", "relic", "cmb", "scenario" or "limit:<key>" of every reason."""
    return {"limit:" + r.split(":")[1] if r.startswith("limit:") else r.split(":")[0] for r in v.reasons}


def test_benchmark_at_delta_star_is_viable(bench_delta: float) -> None:
    m = ALPModel.from_detuning(BENCH[0], bench_delta, *BENCH[1:])
    v = viability(m)
    assert v.viable and v.reasons == () and v.method == "cbe" and v.target == "excess"
    assert v.omega_h2 == pytest.approx(omega_h2(m).omega_h2, rel=1e-12)
    assert abs(v.omega_h2 / PLANCK - 1) < 1e-3
    signal = br_B_to_K_a(m.m_a, m.g_aWW) * p_invisible_belle2(m)
    sigma = EXCESS_UP if signal > EXCESS else EXCESS_DOWN
    assert v.belle2_pull == pytest.approx((signal - EXCESS) / sigma, rel=1e-9)
    # BaBar's two-body band is a tension: reported, never a reason
    assert v.babar_pull == pytest.approx(babar_tension_pull(m), rel=1e-12)
    assert v.babar_pull > 2 and not any("babar_bk_inv" in r for r in v.reasons)
    assert v.cmb_ratio < 1e-4


def test_viability_at_delta_star_judges_the_root(bench_delta: float) -> None:
    (v,) = viability_at_delta_star(*BENCH)
    assert v.viable and v.delta == pytest.approx(bench_delta, rel=1e-9)


def test_small_photon_coupling_fails_belle2_and_relic() -> None:
    v = viability(ALPModel.from_detuning(2.0, 0.024, 2e-5, 1e-3))
    assert not v.viable and {"belle2", "relic"} <= prefixes(v)
    assert v.belle2_pull < -2
    assert v.omega_h2 > 1.1 * PLANCK  # a weaker photon coupling overproduces dark matter


def test_two_body_fit_target_is_selectable(bench_delta: float) -> None:
    m = ALPModel.from_detuning(BENCH[0], bench_delta, *BENCH[1:])
    v = viability(m, target="two_body_fit")  # the benchmark sits above the fit's 1σ band
    assert prefixes(v) == {"belle2"} and v.belle2_pull > 1
    assert viability(m, target="two_body_fit", n_sigma=v.belle2_pull + 0.01).viable


def test_displaced_alp_fails_scenario_and_kaon_limits() -> None:
    v = viability(ALPModel(0.1, 0.06, 1e-4, 1e-3))  # δ < 0: a → χχ̄ closed
    assert not v.viable
    assert "scenario" in prefixes(v) and "limit:na62_2025" in prefixes(v)
    assert any(r.startswith("relic: no number") for r in v.reasons) and math.isnan(v.omega_h2)


def test_escaping_alp_with_tiny_invisible_width_is_not_missing_energy() -> None:
    """Belle II matched only because the ALP escapes undecayed: a scenario failure."""
    m = ALPModel.from_detuning(0.1, 0.02, 1.2e-4, 1e-8)
    v = viability(m)
    assert -1 <= v.belle2_pull <= 1  # inside the band ...
    assert "belle2" not in prefixes(v) and "scenario" in prefixes(v)  # ... for the wrong reason
    assert any("BR(a→χχ̄)" in r for r in v.reasons)


def test_small_detuning_is_excluded_by_the_cmb() -> None:
    """The worked example of docs/physics.md#cmb: δ = 1e-4 gives p_ann ≈ 1.3× the Planck bound."""
    v = viability(ALPModel.from_detuning(2.0, 1e-4, 8.4e-5, 1e-3))
    assert "cmb" in prefixes(v) and v.cmb_ratio == pytest.approx(1.3, abs=0.02)
    assert "relic" in prefixes(v)  # and Ωh² ≈ 1.6e-3 there


def test_relic_tolerance_and_method(bench_delta: float) -> None:
    m = ALPModel.from_detuning(2.0, 0.0125, 8.4e-5, 1e-3)
    om = omega_h2(m).omega_h2
    assert abs(om / PLANCK - 1) > 0.1
    assert "relic" in prefixes(viability(m))
    loose = viability(m, relic_tolerance=abs(om / PLANCK - 1) + 0.01)
    assert "relic" not in prefixes(loose)
    # the nBE gives a different Ωh² at the cBE's δ*: 0.077 (docs/relic.md §8)
    nbe = viability(ALPModel.from_detuning(BENCH[0], bench_delta, *BENCH[1:]), "nbe")
    assert nbe.method == "nbe" and "relic" in prefixes(nbe) and nbe.omega_h2 < 0.1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "dbe"}, "method"),
        ({"target": "excess2"}, "target"),
        ({"relic_tolerance": 0.0}, "relic_tolerance"),
        ({"relic_tolerance": -0.1}, "relic_tolerance"),
        ({"n_sigma": 0.0}, "n_sigma"),
    ],
)
def test_bad_options_are_value_errors(kwargs: dict, match: str) -> None:
    m = ALPModel.from_detuning(*BENCH[:1], 0.024, *BENCH[1:])
    with pytest.raises(ValueError, match=match):
        viability(m, **kwargs)
    with pytest.raises(ValueError, match=match):
        viability_at_delta_star(*BENCH, **kwargs)


def test_options_of_the_parts_reach_them(bench_delta: float) -> None:
    """r_max, BaBar-as-limit and a precomputed relic result change exactly their criterion."""
    m = ALPModel.from_detuning(BENCH[0], bench_delta, *BENCH[1:])
    base = viability(m)
    # BaBar's band counted as a limit: the benchmark (pull > 2) fails it, nothing else changes
    as_limit = viability(m, babar_as_limit=True)
    assert prefixes(as_limit) == {"limit:babar_bk_inv"} and base.viable
    # r_max enters P_inv: a photon-only ALP (tiny g_aχχ at δ > 0, cτ ≈ 5 cm) escapes a small
    # Belle II more often; BR·P_inv is recomputed here from p_invisible_belle2 at each radius
    esc = ALPModel.from_detuning(0.1, 0.02, 1.2e-4, 1e-8)
    for r in (0.3, 3.0):
        expected = br_B_to_K_a(esc.m_a, esc.g_aWW) * p_invisible_belle2(esc, r_max_m=r)
        assert viability(esc, r_max_m=r).signal == pytest.approx(expected, rel=1e-12)
    assert viability(esc, r_max_m=0.3).signal > 5 * viability(esc, r_max_m=3.0).signal
    # a result already computed is used as it is (a doctored value proves no new solve)
    res = omega_h2(m, method="nbe")
    doctored = type(res)(**{**res.__dict__, "omega_h2": PLANCK})
    assert "relic" in prefixes(viability(m, "nbe")) and viability(m, "nbe", relic_result=doctored).viable


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"r_max_m": 0.0}, "r_max_m"),
        ({"r_max_m": math.inf}, "r_max_m"),
        ({"r_max_m": math.nan}, "r_max_m"),
        ({"cww_mapping": "other"}, "cww_mapping"),
        ({"method": "cbe", "relic_result": "not a result"}, "relic_result"),
    ],
)
def test_bad_part_options_are_value_errors(kwargs: dict, match: str) -> None:
    m = ALPModel.from_detuning(*BENCH[:1], 0.024, *BENCH[1:])
    with pytest.raises(ValueError, match=match):
        viability(m, **kwargs)


def test_a_relic_result_of_another_method_is_refused() -> None:
    m = ALPModel.from_detuning(*BENCH[:1], 0.024, *BENCH[1:])
    with pytest.raises(ValueError, match="relic_result"):
        viability(m, "cbe", relic_result=omega_h2(m, method="nbe"))
