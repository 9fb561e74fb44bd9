"""Flavour-changing ALP couplings and meson decays P → P′ a (``docs/physics.md#flavour``).

Effective coupling from the W loop (Izaguirre, Lin, Shuve, arXiv:1611.09355):

    L_eff ⊃ g_ij (∂_μ a) d̄_j γ^μ P_L d_i + h.c.,
    g_ij = −(3√2 G_F m_W² g_aWW / 16π²) Σ_{α=c,t} V_αi V*_αj f(m_α²/m_W²),
    f(x) = x [1 + x(ln x − 1)] / (1 − x)².

For a pure W coupling the result is UV finite. Width:

    Γ(P→P′a) = m_P³ |g|²/(64π) (1 − m_P′²/m_P²)² f₀(m_a²)² λ^{1/2}(1, m_P′²/m_P², m_a²/m_P²).

All functions are vectorised over m_a (and g_aWW) and return 0 outside the kinematic range.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C
from .decays import kallen
from .formfactors import BKFormFactor, f0_B_to_K, f0_K_to_pi

FloatArray = NDArray[np.float64]


@lru_cache(maxsize=1)
def ckm_matrix() -> NDArray[np.complex128]:
    """CKM matrix V (rows u, c, t; columns d, s, b) in the PDG standard parametrisation."""
    s12, s23, s13, d = C.CKM_S12, C.CKM_S23, C.CKM_S13, C.CKM_DELTA
    c12, c23, c13 = (np.sqrt(1.0 - s * s) for s in (s12, s23, s13))
    e = np.exp(1j * d)
    v = np.array(
        [
            [c12 * c13, s12 * c13, s13 / e],
            [-s12 * c23 - c12 * s23 * s13 * e, c12 * c23 - s12 * s23 * s13 * e, s23 * c13],
            [s12 * s23 - c12 * c23 * s13 * e, -c12 * s23 - s12 * c23 * s13 * e, c23 * c13],
        ],
        dtype=complex,
    )
    v.setflags(write=False)
    return v


def loop_function(x: ArrayLike) -> FloatArray:
    """f(x) = x [1 + x(ln x − 1)] / (1 − x)², x = m_q²/m_W² (1611.09355); f(1) = 1/2."""
    x = np.asarray(x, dtype=float)
    near_one = np.abs(x - 1.0) < 1e-6
    xs = np.where(near_one, 0.5, x)
    val = xs * (1.0 + xs * (np.log(xs) - 1.0)) / (1.0 - xs) ** 2
    return np.where(near_one, 0.5, val)


_DOWN = {"d": 0, "s": 1, "b": 2}


def g_fcnc(i: str, j: str, g_aWW: ArrayLike, m_top: float = C.M_TOP_POLE) -> NDArray[np.complex128]:
    """Effective d_i → d_j a coupling g_ij [GeV⁻¹] for g_aWW [GeV⁻¹] (charm and top loops).

    ``i``, ``j`` are "d", "s" or "b" (b→s: i="b", j="s"; s→d: i="s", j="d");
    ``m_top`` [GeV] is the top mass in the loop (pole by default; MS-bar lowers rates ~6–11 %).
    """
    v = ckm_matrix()
    a, b = _DOWN[i], _DOWN[j]
    lam_c = v[1, a] * np.conj(v[1, b])
    lam_t = v[2, a] * np.conj(v[2, b])
    s = lam_c * loop_function(C.M_CHARM**2 / C.M_W**2) + lam_t * loop_function(m_top**2 / C.M_W**2)
    pref = -3.0 * np.sqrt(2.0) * C.G_FERMI * C.M_W**2 / (16.0 * np.pi**2)
    return pref * np.asarray(g_aWW, dtype=float) * s


def width_P_to_Pprime_a(
    m_parent: float, m_daughter: float, g_abs2: ArrayLike, m_a: ArrayLike, f0: ArrayLike
) -> FloatArray:
    """Γ(P→P′a) [GeV] for |g|² [GeV⁻²] and f₀(m_a²); 0 outside 0 ≤ m_a < m_P − m_P′."""
    ma = np.asarray(m_a, dtype=float)
    r_d = m_daughter**2 / m_parent**2
    lam = kallen(1.0, r_d, ma * ma / m_parent**2)
    inside = (ma >= 0.0) & (ma < m_parent - m_daughter) & (lam > 0.0)
    sqrt_lam = np.sqrt(np.where(inside, lam, 0.0))
    width = m_parent**3 * np.asarray(g_abs2) / (64.0 * np.pi) * (1.0 - r_d) ** 2
    with np.errstate(invalid="ignore", over="ignore"):  # inf·0 outside the range is masked
        return np.where(inside, width * np.asarray(f0) ** 2 * sqrt_lam, 0.0)


def branching_ratio(width: ArrayLike, lifetime_s: float) -> FloatArray:
    """BR = Γ/(Γ_SM + Γ) with Γ_SM = ħ/τ the measured total width of the parent.

    Identical to Γτ/ħ for Γ ≪ Γ_SM (every allowed point); stays ≤ 1 for absurd couplings.
    """
    gamma_sm = C.HBAR_GEV_S / lifetime_s
    w = np.asarray(width, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(np.isinf(w), 1.0, w / (gamma_sm + np.where(np.isinf(w), 0.0, w)))


def _meson_inputs(m_a: ArrayLike, g_aWW: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validated (m_a, g_aWW) arrays: finite, g_aWW ≥ 0 (``ValueError`` otherwise)."""
    ma = np.asarray(m_a, dtype=float)
    g = np.asarray(g_aWW, dtype=float)
    if not (np.all(np.isfinite(ma)) and np.all(np.isfinite(g))):
        raise ValueError("m_a and g_aWW must be finite")
    if np.any(g < 0):
        raise ValueError("g_aWW must be >= 0")
    return ma, g


def _meson_br(
    m_parent: float, m_daughter: float, lifetime_s: float, g2: FloatArray, ma: FloatArray, f0_fn
) -> FloatArray:
    """BR(P → P′a) for |g|² and f₀; 0 outside the kinematic range, saturating at 1."""
    inside = (ma >= 0.0) & (ma < m_parent - m_daughter)
    ma_in = np.where(inside, ma, 0.0)
    width = width_P_to_Pprime_a(m_parent, m_daughter, g2, ma_in, f0_fn(ma_in * ma_in))
    with np.errstate(invalid="ignore"):
        return np.where(inside, branching_ratio(width, lifetime_s), 0.0)


def _abs2(g: NDArray[np.complex128], part: str = "abs") -> FloatArray:
    with np.errstate(over="ignore"):
        return np.imag(g) ** 2 if part == "imag" else np.abs(g) ** 2


def _as_result(x: FloatArray) -> FloatArray | float:
    return float(x) if np.ndim(x) == 0 else x


def br_B_to_K_a(
    m_a: ArrayLike,
    g_aWW: ArrayLike,
    *,
    form_factor: BKFormFactor = "bcl",
    m_top: float = C.M_TOP_POLE,
) -> FloatArray | float:
    """BR(B⁺ → K⁺ a) for m_a [GeV] and g_aWW [GeV⁻¹] (arXiv:1611.09355; docs/physics.md#flavour).

    Vectorised. ``form_factor`` selects f₀^{B→K}: "bcl" (flavio 2.7.1, default) or "pole".
    Zero outside the kinematic range m_a < m_B − m_K = 4.786 GeV.
    """
    ma, g = _meson_inputs(m_a, g_aWW)
    g2 = _abs2(g_fcnc("b", "s", g, m_top))
    return _as_result(
        _meson_br(C.M_B_PLUS, C.M_K_PLUS, C.TAU_B_PLUS, g2, ma, lambda q2: f0_B_to_K(q2, form_factor))
    )


def br_K_to_pi_a(m_a: ArrayLike, g_aWW: ArrayLike, *, m_top: float = C.M_TOP_POLE) -> FloatArray | float:
    """BR(K⁺ → π⁺ a) for m_a [GeV] and g_aWW [GeV⁻¹] (docs/physics.md#flavour), vectorised.

    Dispersive f₀^{K→π}; charm and top loops. Zero for m_a ≥ m_K − m_π = 0.354 GeV.
    """
    ma, g = _meson_inputs(m_a, g_aWW)
    g2 = _abs2(g_fcnc("s", "d", g, m_top))
    return _as_result(_meson_br(C.M_K_PLUS, C.M_PI_PLUS, C.TAU_K_PLUS, g2, ma, f0_K_to_pi))


def br_KL_to_pi0_a(m_a: ArrayLike, g_aWW: ArrayLike, *, m_top: float = C.M_TOP_POLE) -> FloatArray | float:
    """BR(K_L → π⁰ a), vectorised: as K⁺→π⁺a with |g_sd|² → (Im g_sd)² and neutral masses.

    K_L ≃ (K⁰ + K̄⁰)/√2 and ⟨π⁰|s̄γ^μd|K⁰⟩ = ⟨π⁺|s̄γ^μu|K⁺⟩/√2 (isospin limit) give
    A(K_L→π⁰a) = i Im(g_sd) F, hence the Grossman–Nir-like ratio τ_L/τ_+ (Im g)²/|g|².
    """
    ma, g = _meson_inputs(m_a, g_aWW)
    g2 = _abs2(g_fcnc("s", "d", g, m_top), "imag")
    return _as_result(_meson_br(C.M_K_LONG, C.M_PI_ZERO, C.TAU_K_LONG, g2, ma, f0_K_to_pi))


def g_aWW_for_br_B_to_K_a(
    m_a: ArrayLike, br_target: ArrayLike, p_inv: ArrayLike = 1.0, **kwargs: object
) -> FloatArray | float:
    """g_aWW [GeV⁻¹] such that BR(B⁺→K⁺a)·P_inv = ``br_target`` (exact inversion).

    Γ(B→Ka) ∝ g_aWW², and BR = Γ/(Γ_SM + Γ), so the required width is
    Γ = Γ_SM b/(1 − b) with b = target/P_inv. NaN where the decay is kinematically closed,
    the target is not positive, or b ≥ 1.
    """
    ref = 1e-4
    br_ref = np.asarray(br_B_to_K_a(m_a, ref, **kwargs))
    gamma_sm = C.HBAR_GEV_S / C.TAU_B_PLUS
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        b = np.asarray(br_target, dtype=float) / np.asarray(p_inv, dtype=float)
        width_ref = gamma_sm * br_ref / (1.0 - br_ref)
        width_needed = gamma_sm * b / (1.0 - b)
        ok = (br_ref > 0) & (b > 0) & (b < 1)
        out = np.where(ok, ref * np.sqrt(width_needed / width_ref), np.nan)
    return _as_result(out)
