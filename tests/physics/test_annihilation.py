"""χχ̄ → a* → γγ: σ(s), ⟨σv⟩ and ⟨σv⟩₂ against the narrow-width formula and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import kve

from physics.annihilation import (
    ALPAnnihilation,
    sigma_v_narrow_width,
    thermal_tables_from_sigma,
)
from physics.model import ALPModel


def _ann_with_width(m: float, M: float, gamma_over_m: float, photon_fraction: float = 0.5, **kw):
    """ALP annihilation with a chosen on-shell Γ/M and Γ_γγ/Γ."""
    beta = math.sqrt(1.0 - 4.0 * m * m / (M * M))
    g = math.sqrt(gamma_over_m * photon_fraction * 64.0 * math.pi / M**2)
    y = math.sqrt(gamma_over_m * (1.0 - photon_fraction) * 8.0 * math.pi / beta)
    return ALPAnnihilation(m, M, y, g, **kw)


def test_sigma_formula_and_threshold() -> None:
    a = ALPAnnihilation(1.0, 2.2, 0.3, 0.01)
    s = 5.0
    beta = math.sqrt(1 - 4 / s)
    gam = 0.01**2 * s**1.5 / (64 * math.pi) + 0.3**2 * math.sqrt(s) * beta / (8 * math.pi)
    D = (s - 2.2**2) ** 2 + 2.2**2 * gam**2
    assert float(a.sigma(s)) == pytest.approx(
        (0.3 * 0.01) ** 2 * s * s / (128 * math.pi * beta * D), rel=1e-13
    )
    assert float(a.sigma(3.9)) == 0.0
    assert a.gamma0 == pytest.approx(
        0.01**2 * 2.2**3 / (64 * math.pi) + 0.09 * 2.2 * math.sqrt(1 - 4 / 4.84) / (8 * math.pi)
    )


def test_narrow_width_limit_at_x10() -> None:
    """docs/physics.md#annihilation: numeric ⟨σv⟩ vs the narrow-width formula, 0.1 % at x = 10, Γ/M = 1e-4."""
    a = _ann_with_width(1.0, 2.1, 1e-4)
    assert a.gamma0 / a.m_a == pytest.approx(1e-4, rel=1e-12)
    ratio = a.sigma_v(0.1)[0] / sigma_v_narrow_width(a, 0.1)
    assert abs(ratio - 1.0) < 1e-3


def test_reference_breit_wigner_numbers() -> None:
    """docs/physics.md#annihilation: generic spin-0 Breit–Wigner, Γ/M = 1e-3, m = 1, M = 2.1:
    numeric/narrow-width = 0.997, 1.008, 1.077 at x = 10, 20, 40."""
    m, M = 1.0, 2.1
    G = 1e-3 * M

    def sigma(s):
        return 16 * math.pi / (s - 4 * m * m) / 4 * M * M * (G / 2) ** 2 / ((s - M * M) ** 2 + (M * G) ** 2)

    x = np.array([10.0, 20.0, 40.0])
    sv = thermal_tables_from_sigma(sigma, m, x, M, G)[0]
    T = m / x
    nwa = (
        2
        * math.pi**2
        / 4
        * M
        * M
        * G
        / 4
        * kve(1, M / T)
        * np.exp(-(M - 2 * m) / T)
        / (m**4 * T * kve(2, x) ** 2)
    )
    np.testing.assert_allclose(sv / nwa, [0.997, 1.008, 1.077], atol=6e-4)


def _brute_force(a: ALPAnnihilation, T: float, second: bool) -> float:
    """The definition (1/n_eq²)∫d³p₁d³p₂ f₁f₂ σ v_Møl [× p₁²/(3E₁T)], reduced only by the
    angular integrations and the elementary E₋ integral; s and E₊ by adaptive quadrature."""
    m = a.m_chi

    def inner(s: float) -> float:
        rs = math.sqrt(s)
        beta = math.sqrt(1 - 4 * m * m / s)

        def f(ep: float) -> float:
            aa = beta * math.sqrt(ep * ep - s)
            w = (ep * aa - 4 * m * m * math.atanh(aa / ep)) / (3 * T) if second else 2 * aa
            return math.exp(-(ep - 2 * m) / T) * w

        return quad(f, rs, rs + 60 * T, epsabs=0, epsrel=1e-12, limit=200)[0]

    def outer(s: float) -> float:
        beta = math.sqrt(1 - 4 * m * m / s)
        return float(a.sigma(s)) * s * beta * inner(s)

    M2, mg = a.m_a**2, a.m_a * a.gamma0
    top = (2 * m + 60 * T + max(a.m_a - 2 * m, 0)) ** 2
    cuts = [4 * m * m, top]
    if a.m_a > 2 * m:
        cuts = sorted([*cuts, M2 - 30 * mg, M2, M2 + 30 * mg])
    total = sum(
        quad(outer, lo, hi, epsabs=0, epsrel=1e-11, limit=400)[0]
        for lo, hi in itertools.pairwise(cuts)
    )
    n_eq_sq = (m * m * T * kve(2, m / T) / (2 * math.pi**2)) ** 2  # per dof, times e^{-2x}
    # d³p₁d³p₂ σv_Møl = π² s β σ ds dE₊ dE₋; g²/(2π)⁶ cancels against g² in n_eq²
    return math.pi**2 / (2 * math.pi) ** 6 * total / n_eq_sq


@pytest.mark.parametrize(
    ("delta", "gamma_over_m", "x"),
    [(0.1025, 1e-3, 5.0), (0.1025, 1e-3, 25.0), (-0.05, 1e-3, 15.0)],
)
def test_against_brute_force_definition(delta: float, gamma_over_m: float, x: float) -> None:
    M = 2.1
    m = M / (2 * math.sqrt(1 + delta))
    if delta > 0:
        a = _ann_with_width(m, M, gamma_over_m)
    else:
        a = ALPAnnihilation(m, M, 0.5, 0.05)
    s0, s2 = a.thermal_tables(np.array([x]))
    T = m / x
    assert s0[0] == pytest.approx(_brute_force(a, T, False), rel=1e-6)
    assert s2[0] == pytest.approx(_brute_force(a, T, True), rel=1e-6)


@pytest.mark.parametrize("g_achi", [1e-3, 1e-6])  # Γ/M ≈ 2e-8 and 4e-15 (narrow, analytic core)
def test_physical_narrow_pole(g_achi: float) -> None:
    model = ALPModel.from_detuning(2.0, 0.3, 9e-5, g_achi)
    a = ALPAnnihilation.from_model(model)
    assert a.gamma0 / a.m_a < 1e-7
    x = np.array([10.0, 20.0])
    ratio = a.thermal_tables(x)[0] / sigma_v_narrow_width(a, model.m_chi / x)
    np.testing.assert_allclose(ratio, 1.0, atol=1e-6)


@pytest.mark.parametrize("delta", [1e-2, -1e-2, 1e-4, -1e-4])
def test_threshold_tail_at_large_x(delta: float) -> None:
    """σv → y²g²/(64πδ²) as v → 0, for the pole above (δ > 0) or below (δ < 0) threshold."""
    model = ALPModel.from_detuning(2.0, delta, 9e-5, 1e-3)
    a = ALPAnnihilation.from_model(model)
    s0, s2 = a.thermal_tables(np.array([1e4 / abs(delta)]))
    expected = (model.y_chi * model.g_agg) ** 2 / (64 * math.pi * delta**2)
    assert s0[0] == pytest.approx(expected, rel=1e-3)
    assert a.sigma_v_threshold() == pytest.approx(expected, rel=1e-6)
    assert s2[0] / s0[0] == pytest.approx(1.0, abs=1e-3)


def test_second_moment_nonrelativistic_pole() -> None:
    """At a pole-dominated temperature ⟨σv⟩₂/⟨σv⟩ → R₂ = ½ + k²/(3mT), k² = m²δ
    (docs/physics.md#annihilation)."""
    delta, x = 1e-3, 1e4
    a = ALPAnnihilation.from_model(ALPModel.from_detuning(2.0, delta, 9e-5, 1e-3))
    s0, s2 = a.thermal_tables(np.array([x]))
    assert s2[0] / s0[0] == pytest.approx(0.5 + delta * x / 3, rel=2e-3)


@pytest.mark.parametrize("delta", [1e-4, 1e-2, 0.3, -1e-3])
def test_width_options_agree_for_physical_couplings(delta: float) -> None:
    """Γ/M ~ 1e-9: energy-dependent and constant width agree far better than a per mille."""
    model = ALPModel.from_detuning(2.0, delta, 9e-5, 1e-3)
    x = np.array([3.0, 20.0, 1e3, 1e5])
    ed = ALPAnnihilation.from_model(model, "energy_dependent").thermal_tables(x)
    cw = ALPAnnihilation.from_model(model, "constant").thermal_tables(x)
    np.testing.assert_allclose(ed[0], cw[0], rtol=1e-6)
    np.testing.assert_allclose(ed[1], cw[1], rtol=1e-6)


def test_width_options_differ_for_broad_resonance() -> None:
    """The option is real: for a broad resonance the two propagators give different ⟨σv⟩."""
    ed = _ann_with_width(1.0, 2.2, 0.05, photon_fraction=0.1)
    cw = _ann_with_width(1.0, 2.2, 0.05, photon_fraction=0.1, energy_dependent=False)
    x = np.array([30.0])
    assert abs(ed.thermal_tables(x)[0][0] / cw.thermal_tables(x)[0][0] - 1) > 1e-3


def test_invalid_width_mode() -> None:
    with pytest.raises(ValueError):
        ALPAnnihilation.from_model(ALPModel(2.0, 0.99, 9e-5, 1e-3), "running")
