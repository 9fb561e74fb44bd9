"""Form factors: limits and a cross-check against flavio 2.7.1 (test-only dependency)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from physics import f0_B_to_K, f0_K_to_pi
from physics.formfactors import bk_bcl_coefficients, bk_f0_bcl_basis, f0_B_to_K_sigma

Q2_BK = [0.0, 0.5, 1.0, 4.0, 9.0, 16.0, 22.0]
Q2_KPI = [0.0, 0.01, 0.05, 0.09, 0.125]


@pytest.fixture(scope="module")
def flavio_par():
    import flavio  # a pinned test dependency (requirements-dev.txt): missing it is a failure, not a skip

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return flavio, flavio.default_parameters.get_central_all()


def _flavio_bcl3(flavio, q2: float) -> dict:
    impl = flavio.classes.Implementation["B->K BCL3"]
    return impl.get_central(constraints_obj=flavio.default_parameters, wc_obj=None, q2=q2)


def test_bk_kinematic_constraint_and_plus_form_factor_match_flavio(flavio_par) -> None:
    """f₀(0) = f₊(0) exactly, with f₊(0) equal to flavio's BCL3 f₊(0)."""
    flavio, _ = flavio_par
    assert f0_B_to_K(0.0) == pytest.approx(_flavio_bcl3(flavio, 0.0)["f+"], rel=1e-10)


@pytest.mark.parametrize("q2", Q2_BK)
def test_bk_f0_agrees_with_flavio_bcl3(flavio_par, q2: float) -> None:
    """flavio's BCL3 fixes a₂ of f₀ with the opposite sign of f₀(0) − f₊(0), so its f₀(0) is
    1.7 % below f₊(0); the difference is 2(f₀ − f₊)(0)·z²/z(0)², small where z(q²) → 0
    (q² near t₀ ≈ 12 GeV²) and back to ~1.6 % at q² = 22 GeV², where |z| ≈ |z(0)|."""
    flavio, _ = flavio_par
    ref = _flavio_bcl3(flavio, q2)["f0"]
    assert f0_B_to_K(q2) == pytest.approx(ref, rel=0.02)
    if 9.0 <= q2 <= 16.0:
        assert f0_B_to_K(q2) == pytest.approx(ref, rel=0.005)


@pytest.mark.parametrize("q2", Q2_KPI)
def test_kpi_f0_matches_flavio(flavio_par, q2: float) -> None:
    _flavio, par = flavio_par
    from flavio.physics.kdecays.formfactors import fp0_dispersive

    assert f0_K_to_pi(q2) == pytest.approx(fp0_dispersive(q2, par)["f0"], rel=1e-10)


def test_kpi_reference_values() -> None:
    """f₀ ≈ 0.97 at q² = 0 rising to ≈ 1.07 at q² = 0.125 GeV² (docs/physics.md#flavour)."""
    assert f0_K_to_pi(0.0) == pytest.approx(0.9698, abs=1e-12)
    assert f0_K_to_pi(0.125) == pytest.approx(1.07, abs=0.005)


def test_bk_pole_and_bcl_agree_to_a_few_percent() -> None:
    q2 = np.linspace(0.0, 22.0, 50)
    ratio = f0_B_to_K(q2, "pole") / f0_B_to_K(q2, "bcl")
    assert np.all(np.abs(ratio - 1.0) < 0.06)
    assert f0_B_to_K(0.0, "pole") == pytest.approx(0.330)


def test_bk_bad_kind() -> None:
    with pytest.raises(ValueError, match="bcl"):
        f0_B_to_K(1.0, "lattice")  # type: ignore[arg-type]


def test_branch_cuts_and_non_finite_q2_are_refused() -> None:
    with pytest.raises(ValueError, match="branch cut"):
        f0_B_to_K(34.0)
    with pytest.raises(ValueError, match="branch cut"):
        f0_K_to_pi(0.5)
    with pytest.raises(ValueError, match="finite"):
        f0_B_to_K([1.0, float("nan")])


# ----------------------------------------------------------------------------- BCL uncertainties
FLAVIO_NAMES = {
    "a0_f+": "B->K BCL a0_f+",
    "a1_f+": "B->K BCL a1_f+",
    "a2_f+": "B->K BCL a2_f+",
    "a0_f0": "B->K BCL a0_f0",
    "a1_f0": "B->K BCL a1_f0",
}


def test_bcl_data_file_matches_flavio(flavio_par) -> None:
    """Means, 1σ and correlations of the copied coefficients equal flavio 2.7.1's constraint."""
    flavio, par = flavio_par
    assert flavio.__version__ == "2.7.1"
    coeffs = bk_bcl_coefficients()
    names = [FLAVIO_NAMES[n] for n in coeffs.names]
    _index, dist = flavio.default_parameters._parameters[names[0]]
    assert all(flavio.default_parameters._parameters[n][1] is dist for n in names)  # one distribution
    idx = [flavio.default_parameters._parameters[n][0] for n in names]
    np.testing.assert_allclose(coeffs.mean, [par[n] for n in names], rtol=0, atol=1e-12)
    np.testing.assert_allclose(coeffs.mean, np.asarray(dist.central_value)[idx], rtol=0, atol=1e-12)
    cov = np.asarray(dist.covariance)[np.ix_(idx, idx)]
    np.testing.assert_allclose(coeffs.sigma, np.sqrt(np.diag(cov)), rtol=1e-9)
    np.testing.assert_allclose(coeffs.covariance, cov, rtol=1e-9, atol=1e-15)


def test_f0_is_linear_in_the_bcl_coefficients_and_its_sigma_matches_sampling() -> None:
    """f₀ = θ·basis exactly; the linear σ equals the spread of 2000 sampled coefficient sets."""
    coeffs = bk_bcl_coefficients()
    q2 = np.array([0.0, 1.0, 4.0, 9.0, 16.0, 22.0])
    basis = bk_f0_bcl_basis(q2)
    rng = np.random.default_rng(20250401)
    draws = rng.multivariate_normal(coeffs.mean, coeffs.covariance, size=2000)
    f0_draws = draws @ basis
    np.testing.assert_allclose(coeffs.mean @ basis, f0_B_to_K(q2), rtol=1e-13)
    np.testing.assert_allclose(f0_B_to_K_sigma(q2), f0_draws.std(axis=0), rtol=0.06)
    # f₀(0) depends on the f₊ coefficients only (f₀(0) = f₊(0) draw by draw)
    np.testing.assert_allclose(basis[3:, 0], 0.0, atol=1e-15)
    rel = f0_B_to_K_sigma(q2) / f0_B_to_K(q2)
    assert np.all((rel > 0.01) & (rel < 0.15)), rel  # a few per cent, FNAL/MILC's size
