"""ALP decay widths, lifetime, invisibility and the scenario (docs/physics.md#decays)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physics import ALPModel
from physics import constants as C
from physics.decays import (
    SCENARIO_LABELS,
    belle2_decay_length,
    br_a_invisible,
    ctau,
    decay_length,
    escape_probability,
    kallen,
    p_invisible_belle2,
    scenario,
    total_width,
    two_body_momentum,
    width_a_to_chi,
    width_a_to_photons,
)


def test_photon_width_closed_form_and_scaling() -> None:
    m = ALPModel(1.0, 2.0, 1e-4, 0.0)
    expected = (C.SIN2_THETA_W * 1e-4) ** 2 * 1.0 / (64 * math.pi)
    assert width_a_to_photons(m) == pytest.approx(expected, rel=1e-14)
    # Γ ∝ g² m³
    m2 = ALPModel(3.0, 2.0, 2e-4, 0.0)
    assert width_a_to_photons(m2) / width_a_to_photons(m) == pytest.approx(4 * 27, rel=1e-12)


def test_chi_width_threshold_behaviour() -> None:
    m_a, g = 2.0, 1e-3
    below = ALPModel(m_a, 1.0001, 1e-4, g)
    assert width_a_to_chi(below) == 0.0
    assert width_a_to_chi(ALPModel(m_a, 1.0, 1e-4, g)) == 0.0
    # just above threshold Γ ∝ β ∝ sqrt(m_a - 2 m_chi)
    eps = np.array([1e-6, 4e-6, 1.6e-5])
    widths = np.array([width_a_to_chi(ALPModel(m_a, 1.0 - e, 1e-4, g)) for e in eps])
    assert widths[1] / widths[0] == pytest.approx(2.0, rel=1e-3)
    assert widths[2] / widths[1] == pytest.approx(2.0, rel=1e-3)
    # far above threshold: y² m_a / (8π)
    light = ALPModel(m_a, 1e-4, 1e-4, g)
    assert width_a_to_chi(light) == pytest.approx((g * 1e-4) ** 2 * m_a / (8 * math.pi), rel=1e-6)


def test_total_width_br_and_ctau() -> None:
    m = ALPModel(2.0, 0.9, 9e-5, 1e-3)
    assert total_width(m) == pytest.approx(width_a_to_photons(m) + width_a_to_chi(m))
    assert 0.99 < br_a_invisible(m) < 1.0
    assert ctau(m) == pytest.approx(C.HBARC_GEV_M / total_width(m), rel=1e-14)
    assert decay_length(m, 2.0) == pytest.approx(ctau(m), rel=1e-14)  # βγ = p/m = 1
    with pytest.raises(ValueError, match="momentum"):
        decay_length(m, -1.0)
    # pure photon ALP: BR_inv = 0; cτ for g_aWW = 1e-4 at 0.1 GeV is ~ 8 cm
    dp = ALPModel(0.1, 1.0, 1e-4, 1e-3)
    assert br_a_invisible(dp) == 0.0
    assert 0.05 < ctau(dp) < 0.12


def test_kallen_symmetric_and_known_values() -> None:
    rng = np.random.default_rng(1)
    a, b, c = rng.uniform(0, 3, (3, 50))
    ref = kallen(a, b, c)
    for perm in [(b, a, c), (c, b, a), (a, c, b)]:
        np.testing.assert_allclose(kallen(*perm), ref, rtol=1e-12, atol=1e-12)
    assert kallen(1.0, 0.0, 0.0) == 1.0
    assert kallen(4.0, 1.0, 1.0) == pytest.approx(0.0)  # at threshold (2m)² = s


def test_two_body_momentum_endpoint() -> None:
    p = two_body_momentum(C.M_B_PLUS, C.M_K_PLUS, np.array([0.0, C.M_B_PLUS - C.M_K_PLUS, 5.0]))
    assert p[0] == pytest.approx((C.M_B_PLUS**2 - C.M_K_PLUS**2) / (2 * C.M_B_PLUS))
    assert p[1] == pytest.approx(0.0, abs=1e-6) and p[2] == 0.0


def test_p_invisible_limits() -> None:
    # prompt ALP (cτ ~ nm): P_inv = BR_inv; a → χχ̄ dominates for these couplings
    me = ALPModel(2.0, 0.9, 9e-5, 1e-3)
    assert p_invisible_belle2(me) == pytest.approx(br_a_invisible(me), rel=1e-12)
    assert p_invisible_belle2(me) > 0.999
    # prompt diphoton ALP at 2 GeV (cτ ~ 10 μm): P_inv ≈ 0
    assert p_invisible_belle2(ALPModel(2.0, 1.5, 1e-4, 0.0)) < 1e-10
    # very weakly coupled light ALP: escapes
    assert p_invisible_belle2(ALPModel(0.05, 1.0, 1e-7, 0.0)) > 0.99


def test_escape_probability_matches_exponential_without_boost() -> None:
    """With the parent at rest the lab momentum is p* and P = exp(-r/(p*/m cτ))."""
    m_a, ct = 1.0, 0.3
    p_star = two_body_momentum(C.M_B_PLUS, C.M_K_PLUS, m_a)
    expected = math.exp(-1.0 / (p_star / m_a * ct))
    got = escape_probability(
        m_a, ct, m_parent=C.M_B_PLUS, m_sibling=C.M_K_PLUS, parent_betagamma=0.0, r_max_m=1.0
    )
    assert got == pytest.approx(expected, rel=1e-10)
    # a boost makes the ALP live longer in the lab on average
    boosted = escape_probability(
        m_a, ct, m_parent=C.M_B_PLUS, m_sibling=C.M_K_PLUS, parent_betagamma=0.28, r_max_m=1.0
    )
    assert boosted > got


def test_p_invisible_radius_is_a_validated_parameter() -> None:
    """r_max (default 1 m, constants.BELLE2_R_MAX_M) moves P_inv of a long-lived ALP as exp(−r/L)."""
    assert C.BELLE2_R_MAX_M == 1.0
    m = ALPModel(0.05, 1.0, 1e-5, 0.0)  # photon-only, L ~ a few metres
    p1, p125 = p_invisible_belle2(m), p_invisible_belle2(m, 1.25)
    assert p1 == p_invisible_belle2(m, C.BELLE2_R_MAX_M) and p125 < p1
    # without the B boost: exp(−r/L) exactly, L = (p*/m) cτ
    L = two_body_momentum(C.M_B_PLUS, C.M_K_PLUS, 0.05) / 0.05 * ctau(m)
    got = escape_probability(
        0.05, ctau(m), m_parent=C.M_B_PLUS, m_sibling=C.M_K_PLUS, parent_betagamma=0.0, r_max_m=1.25
    )
    assert got == pytest.approx(math.exp(-1.25 / L), rel=1e-10)
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="r_max_m"):
            p_invisible_belle2(m, bad)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (ALPModel(2.0, 1.5, 1e-4, 0.0), "prompt_diphoton"),  # cτ ≈ 10 µm: was "displaced_diphoton"
        (ALPModel.from_detuning(2.0, 0.024, 8.4e-5, 1e-3), "invisible"),  # the abstract's centre
        (ALPModel(0.3, 1.0, 1e-4, 0.0), "displaced_diphoton"),  # L ≈ 2.4 cm
        (ALPModel(0.1, 0.06, 1e-4, 1e-3), "long_lived_diphoton"),  # L ≈ 1.9 m: escapes Belle II
    ],
)
def test_scenario_follows_the_decays(model: ALPModel, expected: str) -> None:
    assert scenario(model) == expected
    assert expected in SCENARIO_LABELS


def test_scenario_thresholds_by_hand() -> None:
    """Decay length L = (p*/m_a)·ħc/Γ(γγ): prompt below 1 mm, escaping beyond r_max."""
    m_a = 0.3
    p_star = two_body_momentum(C.M_B_PLUS, C.M_K_PLUS, m_a)

    def g_for_length(length: float) -> float:
        width = p_star / m_a * C.HBARC_GEV_M / length
        return math.sqrt(64 * math.pi * width / m_a**3) / C.SIN2_THETA_W

    for length, name in ((0.9e-3, "prompt_diphoton"), (1.1e-3, "displaced_diphoton"),
                         (0.9, "displaced_diphoton"), (1.1, "long_lived_diphoton")):  # fmt: skip
        model = ALPModel(m_a, 1.0, g_for_length(length), 0.0)
        assert belle2_decay_length(model) == pytest.approx(length, rel=1e-10)
        assert scenario(model) == name
    assert scenario(ALPModel(m_a, 1.0, g_for_length(1.1), 0.0), r_max_m=1.25) == "displaced_diphoton"
    with pytest.raises(ValueError, match="r_max_m"):
        scenario(ALPModel(m_a, 1.0, 1e-4, 0.0), r_max_m=0.0)
