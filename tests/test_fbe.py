"""Full phase-space Boltzmann equation (physics.fbe): operators and comparison with nBE/cBE."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physics import omega_h2
from physics.annihilation import ALPAnnihilation
from physics.fbe import _FBE, elastic_term
from physics.model import ALPModel
from physics.thermo import default_table, n_eq


def _alp(delta: float, g_achi: float = 1e-3) -> ALPModel:
    return ALPModel.from_detuning(2.0, delta, 9e-5, g_achi)


@pytest.mark.parametrize(("delta", "g_achi"), [(0.01, 1e-3), (0.3, 1e-3), (-0.01, 8e-3)])
@pytest.mark.parametrize("x", [5.0, 20.0])
def test_collision_operator_reproduces_thermal_average(delta: float, g_achi: float, x: float) -> None:
    """g∫d³p/(2π)³ f_eq Γ[f_eq] = n_eq² ⟨σv⟩ (the phase-space kernel, incl. the exact pole in
    rapidity, against the Gondolo–Gelmini average)."""
    model = _alp(delta, g_achi)
    ann = ALPAnnihilation.from_model(model)
    fbe = _FBE(ann, default_table(), 1.0, 0.0, 128, 40.0, 0.0, 1e3)
    q, dq = fbe.grid(x)
    lnf = -np.sqrt(q**2 + x * x)
    T = model.m_chi / x
    f = np.exp(lnf)
    n = 2 * T**3 / (2 * math.pi**2) * np.sum(q**2 * f) * dq
    rate = 2 * T**3 / (2 * math.pi**2) * np.sum(q**2 * f * fbe.rates(x, lnf)) * dq
    assert n == pytest.approx(float(n_eq(model.m_chi, T, 2.0)), rel=1e-8)
    assert rate / n**2 == pytest.approx(ann.sigma_v(T)[0], rel=3e-3)


def test_equilibrium_is_exact_zero_mode() -> None:
    """Detailed balance on the grid: C_ann[f_eq] = 0 and C_el[f_eq] = 0 identically."""
    fbe = _FBE(ALPAnnihilation.from_model(_alp(0.05)), default_table(), 1.0, 0.0, 48, 25.0, 0.0, 1e3)
    x = 8.0
    q, dq = fbe.grid(x)
    lnfeq = -np.sqrt(q**2 + x * x)
    gain_loss = -fbe.rates(x, lnfeq) + fbe.rates(x, lnfeq)
    assert np.all(gain_loss == 0.0)
    np.testing.assert_allclose(elastic_term(q, dq, x, lnfeq), 0.0, atol=1e-12)
    # a hotter distribution relaxes: the elastic term removes high-q particles, conserving number
    hot = -np.sqrt(q**2 + x * x) * 0.8
    el = elastic_term(q, dq, x, hot) * np.exp(hot)
    assert abs(np.sum(q**2 * el)) < 1e-10 * np.sum(q**2 * np.abs(el))
    assert el[-5:].sum() < 0 < el[:5].sum()


@pytest.mark.parametrize(("delta", "g_achi"), [(0.01, 1e-3), (-3e-3, 8e-3)])
def test_tight_coupling_fbe_matches_nbe(delta: float, g_achi: float) -> None:
    model = _alp(delta, g_achi)
    f = omega_h2(model, "fbe", tight_coupling=True)
    n = omega_h2(model, "nbe")
    c = omega_h2(model, "cbe", tight_coupling=True)
    assert f.flags == n.flags
    assert f.omega_h2 == pytest.approx(n.omega_h2, rel=0.01)
    assert f.omega_h2 == pytest.approx(c.omega_h2, rel=0.01)
    assert np.max(np.abs(f.T_chi_over_T - 1)) < 1e-3


def test_fbe_matches_cbe_where_maxwellian_closure_holds() -> None:
    """At δ = 1e-2 depletion effects cancel: fBE and cBE agree to 1 % (docs/relic.md §7)."""
    model = _alp(0.01)
    f = omega_h2(model, "fbe")
    c = omega_h2(model, "cbe")
    assert f.flags == ()
    assert f.omega_h2 == pytest.approx(c.omega_h2, rel=0.01)
    # the shapes still differ: the fBE's ⟨p²/3E⟩ ends ~40 % below the cBE's T_χ (docs §7)
    assert 0.3 < f.T_chi_over_T[-1] / c.T_chi_over_T[-1] < 1.0


def test_fbe_tail_depletion_above_resonance() -> None:
    """δ = 0.1: resonant annihilation eats the high-momentum tail, which elastic scattering no
    longer refills, so the fBE freezes out with MORE dark matter than the Maxwellian cBE."""
    model = _alp(0.1)
    f = omega_h2(model, "fbe").omega_h2
    c = omega_h2(model, "cbe").omega_h2
    assert 1.3 < f / c < 1.6


def test_fbe_rejects_generic_models_and_flags_small_grids() -> None:
    from physics import ConstantSigmaV

    with pytest.raises(ValueError):
        omega_h2(ConstantSigmaV(10.0, 3e-26), "fbe")
    res = omega_h2(_alp(1e-4), "fbe", fbe_options={"n_q": 64, "q_max": 12.0})
    assert "fbe_grid_truncated" in res.flags


@pytest.mark.slow
@pytest.mark.parametrize("delta", [-1e-3, 1e-3, 0.03, 0.3])
def test_fbe_grid_convergence(delta: float) -> None:
    """Doubling the momentum grid and tightening the tolerance changes Ωh²(fBE) by < 1 %."""
    model = _alp(delta, 8e-3 if delta < 0 else 1e-3)
    base = omega_h2(model, "fbe").omega_h2
    fine = omega_h2(model, "fbe", fbe_options={"n_q": 128, "rtol": 1e-6}).omega_h2
    assert fine == pytest.approx(base, rel=0.01)
