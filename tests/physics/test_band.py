"""The g_aWW band explaining the Belle II excess (docs/physics.md#band-uncertainties).

Expected numbers come from the per-point API (BR(B→Ka), P_inv of an ALPModel), the target
definitions and hand-written error combinations, never from physics.band itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import physics
from physics import ALPModel, belle2_target, br_B_to_K_a, g_aWW_band, p_invisible_belle2
from physics import constants as C
from physics.band import theory_relative_error
from physics.formfactors import bk_bcl_coefficients, bk_f0_bcl_basis, f0_B_to_K

M = np.array([0.3, 1.0, 2.0, 3.0, 4.5])


def signal(m_a: float, delta: float, g_aww: float, g_achi: float, r_max: float = 1.0) -> float:
    """BR(B⁺→K⁺a)·P_inv at Belle II for one point (per-point API)."""
    model = ALPModel.from_detuning(m_a, delta, g_aww, g_achi)
    return br_B_to_K_a(m_a, g_aww) * p_invisible_belle2(model, r_max)


def test_exported_from_physics_with_its_contract() -> None:
    assert physics.g_aWW_band is g_aWW_band
    band = g_aWW_band(M, 0.024, 1e-3)
    for name in ("m_a", "lower", "central", "upper", "exp_lower", "exp_upper"):
        assert getattr(band, name).shape == M.shape
    assert band.r_max == C.BELLE2_R_MAX_M == 1.0 and band.target == "excess" and not band.theory
    np.testing.assert_array_equal(band.lower, band.exp_lower)
    assert set(band.columns()) >= {"m_a_GeV", "g_aWW_lower", "g_aWW_central", "g_aWW_upper"}


@pytest.mark.parametrize("target", ["excess", "two_body_fit"])
def test_missing_energy_band_hits_the_target(target: str) -> None:
    """Each edge solves BR(B→Ka)·P_inv = target edge (per-point API)."""
    m = np.array([0.5, 1.0, 2.0, 2.5])
    band = g_aWW_band(m, 0.1, 1e-3, target=target)
    c, lo, hi = belle2_target(m, target)
    for i, ma in enumerate(m):
        for g, t in ((band.central[i], c[i]), (band.lower[i], lo[i]), (band.upper[i], hi[i])):
            assert signal(ma, 0.1, g, 1e-3) == pytest.approx(t, rel=1e-9)


def test_abstract_centre_band() -> None:
    """At m_a = 2 GeV (missing energy) the excess needs g_aWW ≈ 9.0 (7.2–10.7)×10⁻⁵ GeV⁻¹."""
    band = g_aWW_band(2.0, 0.024, 1e-3)
    assert float(band.central) == pytest.approx(9.04e-5, rel=2e-3)
    assert float(band.lower) == pytest.approx(7.18e-5, rel=2e-3)
    assert float(band.upper) == pytest.approx(1.072e-4, rel=2e-3)
    assert 0.0 == band.central.ndim


def test_displaced_band_is_the_long_lived_branch() -> None:
    """δ < 0 (a → γγ only): the smallest g_aWW whose ALP escapes often enough; below it the
    signal is short of the target, and no solution (NaN) once the ALP cannot escape."""
    m = np.array([0.02, 0.05, 0.08, 0.3])
    band = g_aWW_band(m, -0.1, 1e-3)
    c, _, _ = belle2_target(m, "excess")
    for i in range(3):
        g = band.central[i]
        assert signal(m[i], -0.1, g, 1e-3) == pytest.approx(c[i], rel=1e-8)
        below = np.geomspace(g / 3, g * (1 - 1e-6), 30)
        assert all(signal(m[i], -0.1, x, 1e-3) < c[i] for x in below)
    assert np.isnan(band.central[3])  # at 0.3 GeV a photon-only ALP decays inside Belle II
    g = np.geomspace(1e-6, 1e-2, 200)
    assert max(signal(0.3, -0.1, x, 1e-3) for x in g) < c[3]


def test_r_max_moves_the_long_lived_band_and_is_validated() -> None:
    """A larger 'invisible' radius lets fewer ALPs count as invisible: more g_aWW needed."""
    m = np.array([0.02, 0.05])
    b1 = g_aWW_band(m, -0.1, 1e-3)
    b2 = g_aWW_band(m, -0.1, 1e-3, r_max=1.25)
    assert np.all(b2.central > b1.central)
    for i in range(2):
        assert signal(m[i], -0.1, b2.central[i], 1e-3, r_max=1.25) == pytest.approx(
            belle2_target(m[i], "excess")[0], rel=1e-8
        )
    # missing energy: P_inv = BR_inv, independent of r_max
    far = g_aWW_band(M, 0.1, 1e-3, r_max=3.0)
    np.testing.assert_allclose(far.central, g_aWW_band(M, 0.1, 1e-3).central, rtol=1e-9)


def test_theory_band_adds_errors_in_quadrature() -> None:
    """Target edges c ± n·√(σ_exp² + (c·σ_th)²), σ_th = 2σ_f₀/f₀ ⊕ |BR(MS-bar m_t)/BR(pole) − 1|."""
    m = np.array([0.5, 2.0, 4.0])
    band = g_aWW_band(m, 0.1, 1e-3, theory=True, n_sigma=2.0)
    exp_only = g_aWW_band(m, 0.1, 1e-3, n_sigma=2.0)
    np.testing.assert_allclose(band.exp_lower, exp_only.lower, rtol=1e-12)
    np.testing.assert_allclose(band.exp_upper, exp_only.upper, rtol=1e-12)
    np.testing.assert_allclose(band.central, exp_only.central, rtol=1e-12)
    assert np.all(band.lower < band.exp_lower) and np.all(band.upper > band.exp_upper)
    # σ_th by hand from the coefficients' covariance and the two top masses
    basis = bk_f0_bcl_basis(m**2)
    sig_f0 = np.sqrt(np.einsum("in,ij,jn->n", basis, bk_bcl_coefficients().covariance, basis))
    top = np.abs(br_B_to_K_a(m, 1e-4, m_top=162.5) / br_B_to_K_a(m, 1e-4) - 1.0)
    np.testing.assert_allclose(top, 0.114, atol=0.002)
    sig_th = np.hypot(2 * sig_f0 / f0_B_to_K(m**2), top)
    np.testing.assert_allclose(theory_relative_error(m), sig_th, rtol=1e-12)
    c, lo1, hi1 = belle2_target(m, "excess")
    t_hi = c + 2.0 * np.hypot(hi1 - c, c * sig_th)
    t_lo = c - 2.0 * np.hypot(c - lo1, c * sig_th)
    for i, ma in enumerate(m):
        assert signal(ma, 0.1, band.upper[i], 1e-3) == pytest.approx(t_hi[i], rel=1e-9)
        assert signal(ma, 0.1, band.lower[i], 1e-3) == pytest.approx(t_lo[i], rel=1e-9)


def test_linearised_theory_band_agrees_with_sampling() -> None:
    """1000 draws (fixed seed) of the Belle II ΔBR (split normal), the BCL coefficients and the
    top-mass scheme (normal, σ = 11.4 %): the 16/84 % quantiles of the required BR at fixed P_inv
    agree with the linearised band's target edges to better than 5 %."""
    rng = np.random.default_rng(10)
    n = 1000
    c, lo, hi = (float(v) for v in belle2_target(2.0, "excess"))
    z = rng.standard_normal(n)
    delta_br = c + np.where(z > 0, (hi - c) * z, (c - lo) * z)
    coeffs = bk_bcl_coefficients()
    basis = bk_f0_bcl_basis(np.array(4.0))
    f0 = rng.multivariate_normal(coeffs.mean, coeffs.covariance, size=n) @ basis
    top = abs(br_B_to_K_a(2.0, 1e-4, m_top=162.5) / br_B_to_K_a(2.0, 1e-4) - 1.0)
    k = (f0 / float(f0_B_to_K(4.0))) ** 2 * (1.0 + top * rng.standard_normal(n))
    required = delta_br / k  # the target BR(B→Ka)·P_inv at the central theory inputs
    q16, q84 = np.quantile(required, [0.1587, 0.8413])
    band = g_aWW_band(2.0, 0.1, 1e-3, theory=True)
    g_lo, g_hi = float(band.lower), float(band.upper)
    assert signal(2.0, 0.1, g_lo, 1e-3) == pytest.approx(q16, rel=0.05)
    assert signal(2.0, 0.1, g_hi, 1e-3) == pytest.approx(q84, rel=0.05)


def test_lower_edge_is_zero_when_the_target_reaches_zero() -> None:
    c, lo, _ = belle2_target(2.0, "excess", n_sigma=3.0)
    assert lo == 0.0 and c > 0
    band = g_aWW_band(2.0, 0.1, 1e-3, n_sigma=3.0, theory=True)
    assert float(band.lower) == 0.0 == float(band.exp_lower) and float(band.central) > 0


def test_outside_the_kinematic_range_is_nan() -> None:
    band = g_aWW_band(np.array([4.7, 4.9, 6.0]), 0.1, 1e-3, theory=True)
    assert np.isfinite(band.central[0]) and np.all(np.isnan(band.central[1:]))
    assert np.all(np.isnan(band.lower[1:])) and np.all(np.isnan(band.upper[1:]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target": "bogus"}, "target"),
        ({"n_sigma": 0.0}, "n_sigma"),
        ({"n_sigma": -1.0}, "n_sigma"),
        ({"n_sigma": math.inf}, "n_sigma"),
        ({"r_max": 0.0}, "r_max"),
        ({"r_max": -1.0}, "r_max"),
        ({"r_max": math.nan}, "r_max"),
        ({"r_max": math.inf}, "r_max"),
    ],
)
def test_bad_options_are_value_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        g_aWW_band(M, 0.1, 1e-3, **kwargs)


@pytest.mark.parametrize(
    ("args", "match"),
    [((np.array([1.0, -1.0]), 0.1, 1e-3), "m_a"), ((1.0, -1.0, 1e-3), "delta"), ((1.0, 0.1, -1e-3), "g_achi"),
     ((np.array([1.0, np.nan]), 0.1, 1e-3), "m_a"), (("x", 0.1, 1e-3), "m_a")],
)  # fmt: skip
def test_bad_arguments_are_value_errors(args: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        g_aWW_band(*args)
