"""Elastic χγ → χγ scattering through a t-channel ALP: momentum-transfer rate γ(T) (docs/relic.md#elastic).

γ(T) = 1/(48π³ g_χ T m_χ³) Σ_i ∫ dk k⁵/ω f_i(1 + f_i) ⟨|M|²⟩_t          (arXiv:1603.04884 eq. A6)

with photons as the only scattering partner (ω = k, Bose–Einstein f = 1/(e^{k/T} − 1)) and the
t-average needed because pseudoscalar exchange vanishes at t = 0:

⟨|M|²⟩_t = (1/(8k⁴)) ∫_{−4k²}^0 dt (−t) Σ|M|²,     Σ|M|² = y_χ² g_aγγ² |t|³/(t − m_a²)².

Σ|M|² is summed over the spins of both χ and over both photon polarisations, initial and final, so
the photon's two polarisation states are NOT counted again in Σ_i, and g_χ = 2 averages over the
DM spin (docs/relic.md#elastic). The t-integral is analytic: with r = 4k²/m_a²,

∫_{−4k²}^0 dt (−t) Σ|M|² = y² g² m_a⁶ I(r),  I(r) = ∫₀^r ρ⁴/(1+ρ)² dρ
                        = [w³/3 − 2w² + 6w − 4 ln w − 1/w]_{w=1}^{1+r}
(power series Σ_n (−1)ⁿ (n+1) r^{n+5}/(n+5) for r < 0.1, to avoid cancellation).
At low T, ⟨|M|²⟩_t ≈ 25.6 y²g² k⁶/m_a⁴ and γ = 25.6 · 10! ζ(10) y²g² T¹⁰ / (48π³ g_χ m_χ³ m_a⁴)
(∫ du u¹⁰ eᵘ/(eᵘ − 1)² = 10! ζ(10)), i.e. γ ∝ T¹⁰.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from .thermo import ThermoTable, default_table, hubble

FloatArray = NDArray[np.float64]

_U_MAX = 80.0
_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)
# two panels in u = k/T: [0, 16] and [16, 80] (the k¹⁰ integrand peaks at u ≈ 10)
_U_NODES = np.concatenate([8.0 * (_GL_X + 1.0), 16.0 + 32.0 * (_GL_X + 1.0)])
_U_WEIGHTS = np.concatenate([8.0 * _GL_W, 32.0 * _GL_W])


@njit(cache=True)
def _t_integral_scalar(r: float) -> float:
    """I(r) for one r ≥ 0: power series below 0.1 (no cancellation), closed form above."""
    if r < 0.1:
        acc = 0.0
        rn = r**5
        for n in range(14):
            acc += (-1.0) ** n * (n + 1) * rn / (n + 5)
            rn *= r
        return acc
    w = 1.0 + r
    return (w**3 / 3.0 - 2.0 * w**2 + 6.0 * w - 4.0 * math.log(w) - 1.0 / w) - (1.0 / 3.0 - 2.0 + 6.0 - 1.0)


@njit(cache=True)
def _t_integral_array(r: np.ndarray) -> np.ndarray:
    out = np.empty(r.shape[0])
    for i in range(r.shape[0]):
        out[i] = _t_integral_scalar(r[i])
    return out


def t_integral(r: ArrayLike) -> FloatArray:
    """I(r) = ∫₀^r ρ⁴/(1+ρ)² dρ (dimensionless), stable for all r ≥ 0."""
    r = np.asarray(r, dtype=float)
    return _t_integral_array(np.ascontiguousarray(r.ravel())).reshape(r.shape)


def t_averaged_msq(k: ArrayLike, y_chi: float, g_agg: float, m_a: float) -> FloatArray:
    """⟨Σ|M|²⟩_t for χγ→χγ at photon momentum k [GeV] (dimensionless; docs/relic.md#elastic)."""
    k = np.asarray(k, dtype=float)
    r = 4.0 * k * k / (m_a * m_a)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (y_chi * g_agg) ** 2 * m_a**6 * t_integral(r) / (8.0 * k**4)
    return np.where(k > 0.0, out, 0.0)


@njit(cache=True)
def _rate_kernel(T: np.ndarray, m_chi: float, m_a: float, yg2: float, dof: float) -> np.ndarray:
    """γ(T_j) by the two-panel Gauss–Legendre sum over u = k/T (module docstring)."""
    out = np.empty(T.shape[0])
    for j in range(T.shape[0]):
        acc = 0.0
        for i in range(_U_NODES.shape[0]):
            u = _U_NODES[i]
            k = T[j] * u
            em1 = math.expm1(u)
            bose = math.exp(u) / (em1 * em1)  # f(1+f)
            msq = yg2 * m_a**6 * _t_integral_scalar(4.0 * k * k / (m_a * m_a)) / (8.0 * k**4)
            acc += _U_WEIGHTS[i] * k**4 * bose * msq
        out[j] = T[j] * acc / (48.0 * math.pi**3 * dof * T[j] * m_chi**3)  # dk = T du
    return out


def momentum_transfer_rate(
    T: ArrayLike, m_chi: float, m_a: float, y_chi: float, g_agg: float, dof: float = 2.0
) -> FloatArray:
    """γ(T) [GeV] for χγ → χγ via t-channel ALP exchange (module docstring formula)."""
    T = np.atleast_1d(np.asarray(T, dtype=float))
    flat = np.ascontiguousarray(T.ravel())
    rate = _rate_kernel(flat, float(m_chi), float(m_a), float((y_chi * g_agg) ** 2), float(dof))
    return rate.reshape(T.shape)


def kinetic_decoupling_x(
    rate_fn, m_chi: float, table: ThermoTable | None = None, x_lo: float = 1e-2, x_hi: float = 1e8
) -> float:
    """x_kd = m_χ/T_kd where γ(T) = H(T); ``rate_fn(T)`` returns γ [GeV].

    Returns ``x_lo`` if γ < H already there and ``math.inf`` if γ > H up to ``x_hi``.
    """
    tab = table or default_table()

    def log_ratio(lnx: ArrayLike) -> FloatArray:
        T = m_chi / np.exp(np.asarray(lnx, dtype=float))
        return np.log(np.asarray(rate_fn(T), dtype=float) / hubble(T, tab))

    grid = np.linspace(math.log(x_lo), math.log(x_hi), 161)
    vals = log_ratio(grid)
    if vals[0] <= 0.0:
        return x_lo
    below = np.nonzero(vals <= 0.0)[0]
    if below.size == 0:
        return math.inf
    i = below[0]
    root = brentq(lambda v: float(log_ratio(np.array([v]))[0]), grid[i - 1], grid[i], xtol=1e-8)
    return math.exp(root)


def crossing_from_table(x: FloatArray, ratio: FloatArray) -> float:
    """First x where a tabulated decreasing ratio (e.g. γ/H) falls through 1, interpolated in
    (ln x, ln ratio); ``x[0]`` if already below 1, ``math.inf`` if never."""
    with np.errstate(divide="ignore"):
        lr = np.log(np.asarray(ratio, dtype=float))
    if lr[0] <= 0.0:
        return float(x[0])
    below = np.nonzero(lr <= 0.0)[0]
    if below.size == 0:
        return math.inf
    i = int(below[0])
    t = lr[i - 1] / (lr[i - 1] - lr[i])
    return float(np.exp(np.log(x[i - 1]) + t * (np.log(x[i]) - np.log(x[i - 1]))))


__all__ = [
    "crossing_from_table",
    "kinetic_decoupling_x",
    "momentum_transfer_rate",
    "t_averaged_msq",
    "t_integral",
]
