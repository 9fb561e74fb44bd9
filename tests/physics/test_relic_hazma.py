"""Relic density of constant ⟨σv⟩ against hazma 2.2.0 (MIT; test-only dependency, like flavio).

hazma's ``relic_density(model, semi_analytic=False)`` integrates the number-density Boltzmann
equation of Gondolo & Gelmini (Nucl. Phys. B360 (1991) 145, eq. 3.8 form; Steigman, Dasgupta &
Beacom arXiv:1204.3622) for a *self-conjugate* particle with g = 2 internal states and returns
Ωh² = m_χ Y₀ s₀/ρ_c. Its units are MeV: ``model.mx`` [MeV], ``model.thermal_cross_section(x)``
[MeV⁻²]. The project's counterpart is ``ConstantSigmaV(m, σv, dof=2, self_conjugate=True)``
(a Dirac χ with the same σv would be the self-conjugate fluid with g = 4 and σv/2,
tests/physics/test_relic.py::test_self_conjugate_convention). The unit conversion is computed here from
CODATA via scipy.constants, not taken from physics.constants.
"""

from __future__ import annotations

import hazma.relic_density as hazma_rd  # pinned test dependency (requirements-dev.txt): no skip
import pytest
from scipy import constants as sc

from physics import ConstantSigmaV, omega_h2

HBARC_GEV_CM = sc.hbar * sc.c / (sc.e * 1e9) * 100.0
CM3_PER_S_PER_GEV2 = HBARC_GEV_CM**2 * sc.c * 100.0
"""1 GeV⁻² × c in cm³/s = (ħc)² c (CODATA 2018 via scipy: 1.16733e-17)."""


class _HazmaConstantSigmaV:
    """The minimal hazma model: a dark-matter mass and a thermal cross-section."""

    def __init__(self, m_chi_gev: float, sigma_v_cm3_s: float) -> None:
        self.mx = m_chi_gev * 1e3  # MeV
        self._sv = sigma_v_cm3_s / CM3_PER_S_PER_GEV2 * 1e-6  # GeV⁻² → MeV⁻²

    def thermal_cross_section(self, x: float) -> float:
        return self._sv


def _hazma_omega(m_chi: float, sigma_v: float) -> float:
    model = _HazmaConstantSigmaV(m_chi, sigma_v)
    # x from 1 to 1e6 (Y still falls by ~1 % after x = 1e3), tolerances far below the comparison
    return float(hazma_rd.relic_density(model, semi_analytic=False, x0=1.0, xf=1e6, rtol=1e-9, atol=1e-9))


def _check(m_chi: float, sigma_v: float) -> None:
    theirs = _hazma_omega(m_chi, sigma_v)
    ours = omega_h2(ConstantSigmaV(m_chi, sigma_v, dof=2.0, self_conjugate=True), "nbe")
    assert ours.method == "nbe" and ours.flags == ()
    # issue 9 asks for 2 %; observed 2–3e-4 (the default rtol bias, docs/relic_crosscheck.md)
    assert ours.omega_h2 == pytest.approx(theirs, rel=2e-3)
    cbe = omega_h2(ConstantSigmaV(m_chi, sigma_v, dof=2.0, self_conjugate=True), "cbe")
    assert cbe.omega_h2 == pytest.approx(theirs, rel=2e-3)  # s-wave: T_χ does not matter


@pytest.mark.parametrize(("m_chi", "sigma_v"), [(0.1, 1e-24), (1.0, 1e-26), (10.0, 1e-25), (100.0, 1e-26)])
def test_constant_sigma_v_matches_hazma(m_chi: float, sigma_v: float) -> None:
    _check(m_chi, sigma_v)


@pytest.mark.slow
@pytest.mark.parametrize("m_chi", [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0])
@pytest.mark.parametrize("sigma_v", [1e-26, 1e-25, 1e-24])
def test_constant_sigma_v_matches_hazma_grid(m_chi: float, sigma_v: float) -> None:
    _check(m_chi, sigma_v)
