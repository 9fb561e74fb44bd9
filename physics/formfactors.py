"""Scalar form factors f₀(q²) for B→K and K→π (REFERENCE §3).

- f₀^{B→K}: BCL z-expansion (Bourrely, Caprini, Lellouch, arXiv:0807.2722) with the
  parameters and conventions of flavio 2.7.1 (``physics/bdecays/formfactors/b_p/bcl.py``,
  n = 3, t₀ = t₊(1 − √(1 − t₋/t₊)), a₂ fixed by f₀(0) = f₊(0)); or the simple pole
  f₀ = 0.330/(1 − q²/37.46 GeV²) as an alternative.
- f₀^{K→π}: dispersive representation (Bernard, Oertel, Passemar, Stern,
  arXiv:0903.1654; Antonelli et al. arXiv:1005.2323 eq. 33) with f₊(0) = 0.9698 and
  ln C = 0.1998, as in flavio 2.7.1 ``physics/kdecays/formfactors.py``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C

BKFormFactor = Literal["bcl", "pole"]


def _z(q2: NDArray[np.float64], m_b: float, m_p: float) -> NDArray[np.float64]:
    """BCL conformal variable z(q²) with flavio's default t₀."""
    tp = (m_b + m_p) ** 2
    tm = (m_b - m_p) ** 2
    t0 = tp * (1.0 - np.sqrt(1.0 - tm / tp))
    sq = np.sqrt(tp - q2)
    st0 = np.sqrt(tp - t0)
    return (sq - st0) / (sq + st0)


def _fplus_series(z: NDArray[np.float64], a: tuple[float, ...]) -> NDArray[np.float64]:
    """BCL series for f₊: Σ a_k [z^k − (−1)^{k−n} (k/n) z^n]."""
    n = len(a)
    return sum(ak * (z**k - (-1.0) ** (k - n) * k / n * z**n) for k, ak in enumerate(a))


def _check_q2(q2: ArrayLike, t_plus: float, process: str) -> NDArray[np.float64]:
    """q² as a float array, finite and below the pair-production cut t₊ = (m_P + m_P′)²."""
    q = np.asarray(q2, dtype=float)
    if not np.all(np.isfinite(q)):
        raise ValueError(f"q2 must be finite for {process}, got {q2!r}")
    if np.any(q >= t_plus):
        raise ValueError(
            f"q2 must be below the {process} branch cut (m_P + m_P')² = {t_plus:.4g} GeV², got {q.max():g}"
        )
    return q


def f0_B_to_K(q2: ArrayLike, kind: BKFormFactor = "bcl") -> NDArray[np.float64]:
    """Scalar form factor f₀^{B→K}(q²), q² in GeV² (below (m_B + m_K)²); ``kind`` "bcl"
    (default) or "pole". ``ValueError`` for non-finite q² or q² at or above the cut."""
    q2 = _check_q2(q2, (C.M_B0_FF + C.M_K0_FF) ** 2, "B→K")
    if kind == "pole":
        return C.POLE_BK_F0_0 / (1.0 - q2 / C.POLE_BK_MFIT2)
    if kind != "bcl":
        raise ValueError(f"form factor kind must be 'bcl' or 'pole', got {kind!r}")
    mb, mk = C.M_B0_FF, C.M_K0_FF
    z0 = _z(np.asarray(0.0), mb, mk)
    # f₊(0) with its pole factor (=1 at q² = 0)
    fplus0 = _fplus_series(z0, C.BCL_BK_A_FPLUS)
    a0, a1 = C.BCL_BK_A_F0
    f0_partial = a0 + a1 * z0
    a2 = (fplus0 - f0_partial) / z0**2
    z = _z(q2, mb, mk)
    return (a0 + a1 * z + a2 * z * z) / (1.0 - q2 / C.BCL_BK_M0**2)


def f0_K_to_pi(q2: ArrayLike) -> NDArray[np.float64]:
    """Scalar form factor f₀^{K→π}(q²) (dispersive), q² in GeV².

    f₀ = f₊(0) exp[q²/Δ_Kπ (ln C − G(x))], x = q²/t₀, G = xD + (1−x)d + x(1−x)k,
    Δ_Kπ = m_K² − m_π², t₀ = (m_K − m_π)² (flavio's implementation, m_K = m_KL, m_π = m_π⁺).
    ``ValueError`` for non-finite q² or q² at or above (m_K + m_π)².
    """
    q2 = _check_q2(q2, (C.M_K_LONG + C.M_PI_PLUS) ** 2, "K→π")
    mk, mpi = C.M_K_LONG, C.M_PI_PLUS
    delta_kpi = mk**2 - mpi**2
    t0 = (mk - mpi) ** 2
    x = q2 / t0
    g = x * C.KPI_D + (1.0 - x) * C.KPI_d + x * (1.0 - x) * C.KPI_k
    return C.KPI_FPLUS_0 * np.exp(q2 / delta_kpi * (C.KPI_LN_C - g))
