"""Scalar form factors f₀(q²) for B→K and K→π (``docs/physics.md#flavour``).

- f₀^{B→K}: BCL z-expansion (Bourrely, Caprini, Lellouch, arXiv:0807.2722) with the
  parameters and conventions of flavio 2.7.1 (``physics/bdecays/formfactors/b_p/bcl.py``,
  n = 3, t₀ = t₊(1 − √(1 − t₋/t₊)), a₂ fixed by f₀(0) = f₊(0)); the coefficients, their
  uncertainties and correlations are the data file ``data/formfactors/B_K_BCL_flavio.toml``
  (flavio, MIT). f₀ is linear in the five coefficients (:func:`bk_f0_bcl_basis`), so its
  uncertainty follows exactly from their covariance (:func:`f0_B_to_K_sigma`). Or the simple
  pole f₀ = 0.330/(1 − q²/37.46 GeV²) as an alternative.
- f₀^{K→π}: dispersive representation (Bernard, Oertel, Passemar, Stern,
  arXiv:0903.1654; Antonelli et al. arXiv:1005.2323 eq. 33) with f₊(0) = 0.9698 and
  ln C = 0.1998, as in flavio 2.7.1 ``physics/kdecays/formfactors.py``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C

BKFormFactor = Literal["bcl", "pole"]
BK_BCL_FILE = "B_K_BCL_flavio.toml"


@dataclass(frozen=True)
class BCLCoefficients:
    """B→K BCL coefficients (a₀, a₁, a₂ of f₊; a₀, a₁ of f₀) with 1σ and correlation (flavio 2.7.1)."""

    names: tuple[str, ...]
    mean: NDArray[np.float64]
    sigma: NDArray[np.float64]
    correlation: NDArray[np.float64]

    @property
    def covariance(self) -> NDArray[np.float64]:
        return self.correlation * np.outer(self.sigma, self.sigma)


@lru_cache(maxsize=1)
def bk_bcl_coefficients() -> BCLCoefficients:
    """The B→K BCL coefficients of ``physics/data/formfactors/B_K_BCL_flavio.toml``."""
    path = resources.files("physics") / "data" / "formfactors" / BK_BCL_FILE
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    arrays = [np.array(raw[k], dtype=float) for k in ("mean", "sigma", "correlation")]
    for a in arrays:
        a.setflags(write=False)
    mean, sigma, corr = arrays
    n = len(raw["names"])
    if mean.shape != (n,) or sigma.shape != (n,) or corr.shape != (n, n) or not np.allclose(corr, corr.T):
        raise ValueError(f"{BK_BCL_FILE}: inconsistent shapes or a non-symmetric correlation matrix")
    return BCLCoefficients(tuple(raw["names"]), mean, sigma, corr)


def _z(q2: NDArray[np.float64], m_b: float, m_p: float) -> NDArray[np.float64]:
    """BCL conformal variable z(q²) with flavio's default t₀."""
    tp = (m_b + m_p) ** 2
    tm = (m_b - m_p) ** 2
    t0 = tp * (1.0 - np.sqrt(1.0 - tm / tp))
    sq = np.sqrt(tp - q2)
    st0 = np.sqrt(tp - t0)
    return (sq - st0) / (sq + st0)


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


def bk_f0_bcl_basis(q2: ArrayLike) -> NDArray[np.float64]:
    """∂f₀^{B→K}/∂θ_i at q² for the five BCL coefficients θ = (a₀, a₁, a₂ of f₊; a₀, a₁ of f₀).

    With a₂ of f₀ fixed by f₀(0) = f₊(0), f₀ = [a₀(1 − z²/z₀²) + a₁(z − z²/z₀) + f₊(0) z²/z₀²]/P₀
    (z₀ = z(0), P₀ = 1 − q²/m₀², f₊(0) = Σ_k a_k^+ [z₀^k − (−1)^{k−3}(k/3) z₀³]) is linear in θ:
    f₀ = θ · basis. Shape (5, *q².shape). ``ValueError`` as for :func:`f0_B_to_K`.
    """
    q2 = _check_q2(q2, (C.M_B0_FF + C.M_K0_FF) ** 2, "B→K")
    mb, mk = C.M_B0_FF, C.M_K0_FF
    z0 = float(_z(np.asarray(0.0), mb, mk))
    z = _z(q2, mb, mk)
    pole = 1.0 - q2 / C.BCL_BK_M0**2
    w = z * z / z0**2
    n = 3
    fplus0_terms = [z0**k - (-1.0) ** (k - n) * k / n * z0**n for k in range(n)]
    return np.stack(
        [*(c * w / pole for c in fplus0_terms), (1.0 - w) / pole, (z - z * z / z0) / pole]
    )


def f0_B_to_K(q2: ArrayLike, kind: BKFormFactor = "bcl") -> NDArray[np.float64]:
    """Scalar form factor f₀^{B→K}(q²), q² in GeV² (below (m_B + m_K)²); ``kind`` "bcl"
    (default) or "pole". ``ValueError`` for non-finite q² or q² at or above the cut."""
    if kind == "pole":
        q2 = _check_q2(q2, (C.M_B0_FF + C.M_K0_FF) ** 2, "B→K")
        return C.POLE_BK_F0_0 / (1.0 - q2 / C.POLE_BK_MFIT2)
    if kind != "bcl":
        raise ValueError(f"form factor kind must be 'bcl' or 'pole', got {kind!r}")
    return np.tensordot(bk_bcl_coefficients().mean, bk_f0_bcl_basis(q2), axes=1)


def f0_B_to_K_sigma(q2: ArrayLike) -> NDArray[np.float64]:
    """1σ uncertainty of the BCL f₀^{B→K}(q²) from the coefficients' covariance (exact: f₀ is linear)."""
    basis = bk_f0_bcl_basis(q2)
    cov = bk_bcl_coefficients().covariance
    return np.sqrt(np.einsum("i...,ij,j...->...", basis, cov, basis))


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
