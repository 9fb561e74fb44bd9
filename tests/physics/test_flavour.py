"""B→Ka and K→πa rates (docs/physics.md#flavour), checked analytically and independently."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physics import br_B_to_K_a, br_K_to_pi_a, br_KL_to_pi0_a, g_aWW_for_br_B_to_K_a
from physics import constants as C
from physics.flavour import ckm_matrix, g_fcnc, loop_function


def test_ckm_unitary() -> None:
    v = ckm_matrix()
    np.testing.assert_allclose(v @ v.conj().T, np.eye(3), atol=1e-14)
    assert abs(v[0, 1]) == pytest.approx(C.CKM_S12 * math.sqrt(1 - C.CKM_S13**2), rel=1e-12)


def test_loop_function_limits() -> None:
    assert float(loop_function(1.0)) == pytest.approx(0.5)
    np.testing.assert_allclose(loop_function([1 - 1e-4, 1 + 1e-4]), [0.5, 0.5], rtol=1e-3)
    x = 1e-6  # small x: f → x (1 + x ln x)
    assert float(loop_function(x)) == pytest.approx(x, rel=1e-4)
    # f(x_t) for the pole top mass
    assert float(loop_function(C.M_TOP_POLE**2 / C.M_W**2)) == pytest.approx(1.2149, rel=1e-3)


def test_br_scales_as_g_squared() -> None:
    m = np.array([0.5, 1.0, 2.0, 4.0])
    r = np.asarray(br_B_to_K_a(m, 3e-4)) / np.asarray(br_B_to_K_a(m, 1e-4))
    np.testing.assert_allclose(r, 9.0, rtol=1e-3)  # up to the Γ/(Γ_SM + Γ) saturation
    r = np.asarray(br_K_to_pi_a([0.05, 0.2], 2e-5)) / np.asarray(br_K_to_pi_a([0.05, 0.2], 1e-5))
    np.testing.assert_allclose(r, 4.0, rtol=1e-6)


def test_br_saturates_below_one_for_absurd_couplings() -> None:
    """BR = Γ/(Γ_SM + Γ): ≈ Γτ/ħ for allowed couplings, never above 1."""
    assert 0.99 < br_B_to_K_a(0.05, 10.0) < 1.0
    assert 0.99 < br_K_to_pi_a(0.05, 10.0) < 1.0
    small = br_B_to_K_a(2.0, 1e-7)
    assert small == pytest.approx(br_B_to_K_a(2.0, 1e-4) * 1e-6, rel=1e-4)


def test_kinematic_endpoints_give_zero() -> None:
    assert br_B_to_K_a(C.M_B_PLUS - C.M_K_PLUS, 1e-4) == 0.0
    assert br_B_to_K_a(4.786, 1e-4) == 0.0  # m_B − m_K = 4.7857
    assert br_B_to_K_a(5.0, 1e-4) == 0.0
    assert br_K_to_pi_a(C.M_K_PLUS - C.M_PI_PLUS, 1e-4) == 0.0
    assert br_K_to_pi_a(0.36, 1e-4) == 0.0
    # just inside the end point the rate vanishes like λ^{1/2}
    near = np.asarray(br_B_to_K_a([4.7857 - 1e-3, 4.7857 - 4e-3], 1e-4))
    assert near[1] / near[0] == pytest.approx(2.0, rel=0.02)


def _independent_br_b_to_k(m_a: float, g_aww: float) -> float:
    """Independent evaluation with the simple pole form factor, written out by hand."""
    # CKM elements needed (PDG parametrisation, to leading precision in s13)
    s12, s23, s13, d = C.CKM_S12, C.CKM_S23, C.CKM_S13, C.CKM_DELTA
    c12, c23, c13 = (math.sqrt(1 - s * s) for s in (s12, s23, s13))
    e = complex(math.cos(d), math.sin(d))
    v_cb, v_tb = s23 * c13, c23 * c13
    v_cs = c12 * c23 - s12 * s23 * s13 * e
    v_ts = -c12 * s23 - s12 * c23 * s13 * e

    def f(x: float) -> float:
        return x * (1 + x * (math.log(x) - 1)) / (1 - x) ** 2

    lam = v_cb * v_cs.conjugate() * f(C.M_CHARM**2 / C.M_W**2) + v_tb * v_ts.conjugate() * f(
        C.M_TOP_POLE**2 / C.M_W**2
    )
    g = 3 * math.sqrt(2) * C.G_FERMI * C.M_W**2 * g_aww / (16 * math.pi**2) * abs(lam)
    mb, mk = C.M_B_PLUS, C.M_K_PLUS
    f0 = 0.330 / (1 - m_a**2 / 37.46)
    lam_k = (1 - (mk + m_a) ** 2 / mb**2) * (1 - (mk - m_a) ** 2 / mb**2)
    width = mb**3 * g**2 / (64 * math.pi) * (1 - mk**2 / mb**2) ** 2 * f0**2 * math.sqrt(lam_k)
    gamma_sm = C.HBAR_GEV_S / C.TAU_B_PLUS
    return width / (gamma_sm + width)


@pytest.mark.parametrize("m_a", [0.3, 1.0, 2.0, 3.0, 4.0, 4.5])
def test_b_to_k_matches_independent_evaluation(m_a: float) -> None:
    ours = br_B_to_K_a(m_a, 1e-4, form_factor="pole")
    assert ours == pytest.approx(_independent_br_b_to_k(m_a, 1e-4), rel=1e-9)


@pytest.mark.parametrize(("m_a", "expected"), [(1.0, 2.058e-5), (2.0, 2.137e-5), (4.0, 2.403e-5)])
def test_sanity_scale_b_to_k(m_a: float, expected: float) -> None:
    """Pinned values (BCL f₀, pole m_t). The project's specification quotes the rounded scale ≈ 2×10⁻⁵ for
    m_a ≈ 1–4 GeV; our values are within 5 % of it at 1–2 GeV and 20 % above at 4 GeV,
    where f₀(q²) has grown by 70 % (docs/physics.md)."""
    br = br_B_to_K_a(m_a, 1e-4)
    assert br == pytest.approx(expected, rel=2e-3)
    assert br == pytest.approx(2e-5, rel=0.25)
    # the two form factors agree to a few per cent over the range (docs/physics.md#flavour)
    assert br_B_to_K_a(m_a, 1e-4, form_factor="pole") == pytest.approx(br, rel=0.06)


def test_sanity_scale_k_to_pi() -> None:
    """Sanity scale of the specification: BR(K⁺→π⁺a) ≈ 7×10⁻⁸ at small m_a, g_aWW = 1e-4 (rounded)."""
    br = br_K_to_pi_a(1e-3, 1e-4)
    assert br == pytest.approx(7.758e-8, rel=2e-3)
    assert br == pytest.approx(7e-8, rel=0.15)


def test_charm_contribution_to_s_to_d_is_about_ten_percent() -> None:
    full = abs(g_fcnc("s", "d", 1e-4))
    top_only = abs(g_fcnc("s", "d", 1e-4) - _charm_part())
    assert 0.05 < (full - top_only) / full < 0.2


def test_charm_loop_raises_g_sd_by_11_8_percent() -> None:
    """docs/physics.md#flavour: |g_sd| with the charm loop is 11.8 % above the top loop alone
    (pole m_t), i.e. +24.9 % in BR(K→πa); written out from the CKM elements by hand."""
    s12, s23, s13, d = C.CKM_S12, C.CKM_S23, C.CKM_S13, C.CKM_DELTA
    c12, c23 = (math.sqrt(1 - s * s) for s in (s12, s23))
    e = complex(math.cos(d), math.sin(d))
    v_cd, v_cs = -s12 * c23 - c12 * s23 * s13 * e, c12 * c23 - s12 * s23 * s13 * e
    v_td, v_ts = s12 * s23 - c12 * c23 * s13 * e, -c12 * s23 - s12 * c23 * s13 * e

    def f(x: float) -> float:
        return x * (1 + x * (math.log(x) - 1)) / (1 - x) ** 2

    top = v_ts * v_td.conjugate() * f(C.M_TOP_POLE**2 / C.M_W**2)
    charm = v_cs * v_cd.conjugate() * f(C.M_CHARM**2 / C.M_W**2)
    assert abs(top + charm) / abs(top) - 1 == pytest.approx(0.1176, abs=5e-4)
    pref = 3 * math.sqrt(2) * C.G_FERMI * C.M_W**2 / (16 * math.pi**2) * 1e-4
    assert abs(g_fcnc("s", "d", 1e-4)) == pytest.approx(pref * abs(top + charm), rel=1e-12)


def _charm_part() -> complex:
    v = ckm_matrix()
    pref = -3 * math.sqrt(2) * C.G_FERMI * C.M_W**2 / (16 * math.pi**2) * 1e-4
    return pref * v[1, 1] * np.conj(v[1, 0]) * float(loop_function(C.M_CHARM**2 / C.M_W**2))


def test_kl_over_kplus_is_the_cp_fraction() -> None:
    g = g_fcnc("s", "d", 1e-4)
    ratio = br_KL_to_pi0_a(1e-3, 1e-4) / br_K_to_pi_a(1e-3, 1e-4)
    # lifetimes, (Im g/|g|)², and small neutral/charged phase-space and mass differences
    expected = C.TAU_K_LONG / C.TAU_K_PLUS * (g.imag / abs(g)) ** 2
    assert ratio == pytest.approx(expected, rel=0.05)
    assert ratio < 4.3  # Grossman–Nir bound


def test_top_mass_scheme_moves_rate_by_about_ten_percent() -> None:
    r = br_B_to_K_a(2.0, 1e-4, m_top=C.M_TOP_MSBAR) / br_B_to_K_a(2.0, 1e-4)
    assert 0.85 < r < 0.95


def test_inverse_g_for_target() -> None:
    g = g_aWW_for_br_B_to_K_a(2.0, 1.5e-5)
    assert br_B_to_K_a(2.0, g) == pytest.approx(1.5e-5, rel=1e-12)
    assert np.isnan(g_aWW_for_br_B_to_K_a(5.0, 1e-5))
