"""χχ̄ → a* → γγ cross-section and its thermal averages ⟨σv⟩, ⟨σv⟩₂ (REFERENCE §5, §6).

Cross-section (spin averaged, ½ for identical photons; REFERENCE §5)::

    σ(s) = y_χ² g_aγγ² s² / (128π β_χ(s) D(s)),   D(s) = (s − m_a²)² + m_a² Γ_a(s)²,

with Γ_a(s) = Γ_γγ(√s) + Γ_χχ(√s) (REFERENCE §2 with m_a → √s, the default) or the constant
Γ_a(m_a) (option ``energy_dependent=False``).

Gondolo–Gelmini average at temperature T (Maxwell–Boltzmann, REFERENCE §5)::

    ⟨σv⟩(T)  = 1/(8 m⁴ T K₂(m/T)²) ∫_{4m²}^∞ ds Φ(s) K₁(√s/T),     Φ(s) = σ(s)(s − 4m²)√s,
    ⟨σv⟩₂(T) = same with K₁(√s/T) → K₁(√s/T) R₂(s, T).

⟨σv⟩₂ = ⟨σv · p₁²/(3E₁T)⟩ is the second-moment average of the cBE (Binder et al.,
arXiv:1706.07433). R₂ = J₂/J₁ of REFERENCE §5 is reduced here to one rapidly convergent
integral (derivation in docs/relic.md §3)::

    R₂(s,T) = z (K₂(z) − c L(z,c)) / (6 K₁(z)),  z = √s/T, c = 4m²/s = 1 − β²,
    K₂(z) − c L(z,c) = ∫₀^∞ dη e^{−z cosh η} [β² + sinh²η (2 + c + 2c sinh²η)] / (1 + c sinh²η).

All Bessel-type integrals ∫₀^∞ e^{−z(cosh η − 1)} g(η) dη are done with the trapezoidal rule in η,
which converges exponentially for these even, entire-in-a-strip integrands (error ≲ e^{−39});
K₁, K₂ are therefore exponentially scaled (e^{z} K_ν(z)) and no exp(±x) under/overflows.

Narrow pole: the s-axis is split into (i) geometric Gauss–Legendre panels in the CM kinetic energy
e = √s − 2m from threshold, (ii) geometric panels in |s − m_a²| on both sides of the pole
(symmetric, so the odd 1/(s − m_a²) part cancels), (iii) a pole core |s − m_a²| < W, done either
analytically (Lorentzian, exact arctan; used when the resonance is narrow compared with every
scale of Φ·K₁, error ≲ 1e-7) or in θ with s = m_a² + m_aΓ tan θ (broad resonance), and
(iv) panels above the pole. The node set does not depend on T, so one set serves the whole table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray
from scipy.special import kve

from .decays import width_chi_kernel, width_photons_kernel
from .model import ALPModel, check_non_negative, check_positive

FloatArray = NDArray[np.float64]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_PANEL_RATIO = math.e
"""Geometric ratio of consecutive panels: 8-point GL error ≲ 1e-10 next to a singularity."""
_E_MIN_OVER_T = 1e-9
"""Lowest CM kinetic energy kept, in units of the lowest tabulated temperature."""
_BOLTZMANN_CUT = 60.0
"""Nodes with (√s − 2m)/T > this are skipped for that T (weight < e^{−60})."""

WIDTH_MODES = ("energy_dependent", "constant")


# --------------------------------------------------------------------------------------
# cross-section
# --------------------------------------------------------------------------------------
def alp_width_at(sqrt_s: ArrayLike, m_chi: float, g_agg: float, y_chi: float) -> FloatArray:
    """Γ_a evaluated at mass √s: Γ_γγ(√s) + Γ_χχ(√s) [GeV] (REFERENCE §2 with m_a → √s)."""
    w = np.asarray(sqrt_s, dtype=float)
    return width_photons_kernel(g_agg, w) + width_chi_kernel(y_chi, m_chi, w)


@dataclass(frozen=True)
class ALPAnnihilation:
    """χχ̄ → a* → γγ for one parameter point.

    Parameters
    ----------
    m_chi, m_a : float
        DM and ALP masses [GeV].
    y_chi : float
        Pseudoscalar Yukawa y_χ = g_aχχ m_χ (dimensionless).
    g_agg : float
        g_aγγ [GeV⁻¹].
    energy_dependent : bool
        Γ_a(s) = Σ_f Γ(a→f) at mass √s (default) or the constant Γ_a(m_a).
    """

    m_chi: float
    m_a: float
    y_chi: float
    g_agg: float
    energy_dependent: bool = True

    def __post_init__(self) -> None:
        for name in ("m_chi", "m_a"):
            object.__setattr__(self, name, check_positive(name, getattr(self, name)))
        for name in ("y_chi", "g_agg"):
            object.__setattr__(self, name, check_non_negative(name, getattr(self, name)))

    @classmethod
    def from_model(cls, model: ALPModel, width: str = "energy_dependent") -> ALPAnnihilation:
        """Build from an :class:`ALPModel`; ``width`` is "energy_dependent" or "constant"."""
        if width not in WIDTH_MODES:
            raise ValueError(f"width must be one of {WIDTH_MODES}, got {width!r}")
        return cls(model.m_chi, model.m_a, model.y_chi, model.g_agg, width == "energy_dependent")

    # --- basic quantities -------------------------------------------------------------
    dof: float = 2.0
    self_conjugate: bool = False

    @property
    def delta(self) -> float:
        """Detuning δ = (m_a² − 4m_χ²)/(4m_χ²)."""
        return (self.m_a**2 - 4.0 * self.m_chi**2) / (4.0 * self.m_chi**2)

    @property
    def gamma0(self) -> float:
        """Γ_a(m_a) [GeV] (on-shell total width)."""
        return float(alp_width_at(self.m_a, self.m_chi, self.g_agg, self.y_chi))

    def width(self, s: ArrayLike) -> FloatArray:
        """Width used in the propagator at Mandelstam s [GeV²] → [GeV]."""
        s = np.asarray(s, dtype=float)
        if self.energy_dependent:
            return alp_width_at(np.sqrt(s), self.m_chi, self.g_agg, self.y_chi)
        return np.full_like(s, self.gamma0)

    def denominator(self, s: ArrayLike) -> FloatArray:
        """D(s) = (s − m_a²)² + m_a² Γ_a(s)² [GeV⁴]."""
        s = np.asarray(s, dtype=float)
        return (s - self.m_a**2) ** 2 + (self.m_a * self.width(s)) ** 2

    def sigma(self, s: ArrayLike) -> FloatArray:
        """σ(χχ̄→γγ) [GeV⁻²] = y² g² s²/(128π β D) (REFERENCE §5); 0 below threshold."""
        s = np.asarray(s, dtype=float)
        above = s > 4.0 * self.m_chi**2
        safe = np.where(above, s, 4.0 * self.m_chi**2 * 2.0)
        beta = np.sqrt(1.0 - 4.0 * self.m_chi**2 / safe)
        val = (self.y_chi * self.g_agg) ** 2 * safe**2 / (128.0 * math.pi * beta * self.denominator(safe))
        return np.where(above, val, 0.0)

    def sigma_v_threshold(self) -> float:
        """lim_{v→0} σ v_rel = y² g² 16m⁴/(64π D(4m²)) [GeV⁻²] (→ y²g²/(64πδ²) for Γ ≪ δ)."""
        s0 = 4.0 * self.m_chi**2
        return float((self.y_chi * self.g_agg) ** 2 * s0 * s0 / (64.0 * math.pi * self.denominator(s0)))

    # --- thermal averages -------------------------------------------------------------
    def nodes(self, t_min: float, t_max: float) -> tuple[FloatArray, FloatArray, float, str]:
        """Quadrature of ∫ds Φ(s)(…) valid for T ∈ [t_min, t_max] [GeV].

        Returns (s_i, ω_i Φ(s_i), A_pole, kind) so that ∫ds Φ K = Σ ω_i Φ_i K(s_i) + A_pole K(m_a²),
        kind ∈ {"no_pole", "narrow", "resolved", "broad"}.
        """
        return resonance_nodes(self.sigma, self.m_chi, self.m_a, self.gamma0, t_min, t_max)

    def thermal_tables(self, x: ArrayLike, second_moment: bool = True) -> tuple[FloatArray, FloatArray]:
        """⟨σv⟩ and ⟨σv⟩₂ [GeV⁻²] at temperatures T = m_χ/x (x ascending, > 0)."""
        return thermal_tables_from_sigma(self.sigma, self.m_chi, x, self.m_a, self.gamma0, second_moment)

    def sigma_v(self, T: ArrayLike) -> FloatArray:
        """⟨σv⟩(T) [GeV⁻²] (Gondolo–Gelmini, REFERENCE §5)."""
        T = np.atleast_1d(np.asarray(T, dtype=float))
        return self.thermal_tables(self.m_chi / T, second_moment=False)[0]

    def sigma_v2(self, T: ArrayLike) -> FloatArray:
        """⟨σv⟩₂(T) = ⟨σv p²/(3ET)⟩ [GeV⁻²] (cBE second moment, arXiv:1706.07433)."""
        T = np.atleast_1d(np.asarray(T, dtype=float))
        return self.thermal_tables(self.m_chi / T, second_moment=True)[1]


def sigma_v_narrow_width(ann: ALPAnnihilation, T: ArrayLike) -> FloatArray:
    """Narrow-width ⟨σv⟩ (REFERENCE §5) [GeV⁻²]:

    (2π²/(g₁g₂)) M² Γ B_in B_out K₁(M/T) / (m⁴ T K₂(m/T)²), g₁ = g₂ = 2, Γ B_in B_out = Γ_χχΓ_γγ/Γ.
    Zero below threshold (no on-shell pole).
    """
    T = np.asarray(T, dtype=float)
    m, M = ann.m_chi, ann.m_a
    g_in = float(width_chi_kernel(ann.y_chi, m, M))
    g_out = float(width_photons_kernel(ann.g_agg, M))
    if g_in == 0.0:
        return np.zeros_like(T)
    gbb = g_in * g_out / (g_in + g_out)
    x = m / T
    scaled = kve(1, M / T) / (T * kve(2, x) ** 2) * np.exp(-(M - 2.0 * m) / T)
    return 2.0 * math.pi**2 / 4.0 * M * M * gbb * scaled / m**4


# --------------------------------------------------------------------------------------
# node construction (numpy, once per parameter point)
# --------------------------------------------------------------------------------------
def _gl_panels(edges: FloatArray) -> tuple[FloatArray, FloatArray]:
    """8-point Gauss–Legendre nodes and weights on consecutive panels [edges[i], edges[i+1]]."""
    a, b = edges[:-1, None], edges[1:, None]
    half = 0.5 * (b - a)
    return (0.5 * (a + b) + half * _GL_X).ravel(), (half * _GL_W).ravel()


def _geometric_edges(a: float, b: float, ratio: float = _PANEL_RATIO) -> FloatArray:
    """Panel edges from a to b (0 < a < b) with consecutive ratio ≤ ``ratio``."""
    n = max(1, math.ceil(math.log(b / a) / math.log(ratio)))
    return np.geomspace(a, b, n + 1)


def energy_nodes(m: float, e_lo: float, e_hi: float) -> tuple[FloatArray, FloatArray]:
    """Nodes s_i and ds-weights for e = √s − 2m ∈ [e_lo, e_hi], geometric in e (threshold-graded)."""
    e, w = _gl_panels(_geometric_edges(e_lo, e_hi))
    sqrt_s = 2.0 * m + e
    return sqrt_s * sqrt_s, w * 2.0 * sqrt_s


def resonance_nodes(
    sigma: Callable[[FloatArray], FloatArray],
    m: float,
    m_res: float,
    width0: float,
    t_min: float,
    t_max: float,
) -> tuple[FloatArray, FloatArray, float, str]:
    """Quadrature of ∫ds Φ(s)(…), Φ = σ(s)(s − 4m²)√s, valid for T ∈ [t_min, t_max] [GeV].

    ``sigma(s)`` [GeV⁻²] may contain an s-channel pole at m_res [GeV] with on-shell width
    ``width0`` [GeV] (0 or m_res ≤ 2m: no pole in the physical region). Returns
    (s_i, ω_iΦ(s_i), A_pole, kind) with ∫ds Φ K = Σ ω_iΦ_i K(s_i) + A_pole K(m_res²);
    kind ∈ {"no_pole", "narrow", "resolved", "broad"} (module docstring).
    """
    M, M2 = m_res, m_res * m_res
    e_min = _E_MIN_OVER_T * t_min
    e_max = (_BOLTZMANN_CUT + 10.0) * t_max + 2.0 * max(M - 2.0 * m, 0.0)

    def phi(s: FloatArray) -> FloatArray:
        return np.asarray(sigma(s), dtype=float) * (s - 4.0 * m * m) * np.sqrt(s)

    mg = M * width0
    if M <= 2.0 * m or mg == 0.0 or M2 - 4.0 * m * m <= 4.0 * mg:
        kind = "no_pole" if M <= 2.0 * m or mg == 0.0 else "broad"
        s, w = energy_nodes(m, e_min, e_max)
        return s, w * phi(s), 0.0, kind
    e_pole = M - 2.0 * m
    e_a = 0.5 * e_pole  # lower edge of the near-pole region (midpoint threshold–pole)
    s_a = (2.0 * m + e_a) ** 2
    d_c = M2 - s_a  # half-width of the symmetric near-pole region in s
    scale = min(2.0 * M * e_pole / 100.0, d_c)
    w_window = min(0.1 * d_c, 1e-7 * scale * scale / mg)
    parts_s, parts_w = [], []
    s, w = energy_nodes(m, min(e_min, 0.5 * e_a), e_a)
    parts_s.append(s)
    parts_w.append(w)
    a_pole = 0.0
    if w_window >= 30.0 * mg:  # narrow: analytic Lorentzian core, exact arctan
        kind, d_lo = "narrow", w_window
        residue = float(phi(np.array([M2]))[0]) * mg * mg  # Φ(M²) D(M²)
        a_pole = residue * 2.0 / mg * math.atan(w_window / mg)
    else:  # resolved: θ-substitution core |s − M²| < MΓ, then geometric panels
        kind, d_lo = "resolved", mg
        th, wt = _gl_panels(np.linspace(-0.25 * math.pi, 0.25 * math.pi, 3))
        parts_s.append(M2 + mg * np.tan(th))
        parts_w.append(wt * mg / np.cos(th) ** 2)
    d, wd = _gl_panels(_geometric_edges(d_lo, d_c))
    parts_s += [M2 - d, M2 + d]
    parts_w += [wd, wd]
    e_d = math.sqrt(M2 + d_c) - 2.0 * m
    gap = e_d - e_pole
    edges = e_d - gap + _geometric_edges(gap, gap + max(e_max - e_d, gap))
    e, w = _gl_panels(edges)
    sqrt_s = 2.0 * m + e
    parts_s.append(sqrt_s * sqrt_s)
    parts_w.append(w * 2.0 * sqrt_s)
    s = np.concatenate(parts_s)
    w = np.concatenate(parts_w)
    order = np.argsort(s)
    s, w = s[order], w[order]
    return s, w * phi(s), a_pole, kind


def thermal_tables_from_sigma(
    sigma: Callable[[FloatArray], FloatArray],
    m: float,
    x: ArrayLike,
    m_res: float = 0.0,
    width0: float = 0.0,
    second_moment: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """⟨σv⟩, ⟨σv⟩₂ [GeV⁻²] at T = m/x for any σ(s) [GeV⁻²], optionally with an s-channel pole
    (mass m_res, on-shell width width0, GeV) that the quadrature then treats exactly."""
    x = np.ascontiguousarray(np.asarray(x, dtype=float))
    T = m / x
    s, wphi, a_pole, _ = resonance_nodes(sigma, m, m_res, width0, float(T.min()), float(T.max()))
    e_scale = abs(m_res - 2.0 * m) if m_res > 0.0 else 0.0
    return thermal_average_kernel(s, wphi, m, x, max(m_res, 2.0 * m) ** 2, a_pole, second_moment, e_scale)


# --------------------------------------------------------------------------------------
# compiled kernels
# --------------------------------------------------------------------------------------
@njit(cache=True, fastmath=False)
def _eta_grid(z_lo: float, z_hi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Trapezoid nodes for ∫₀^∞ e^{−z(cosh η−1)} g(η) dη valid for z ∈ [z_lo, z_hi].

    Step h = min(0.25, 0.7/√z_hi) (strip width π/2 and Gaussian width 1/√z: error ≲ e^{−39});
    range up to z_lo (cosh η − 1) = 45. Returns (cosh η − 1, sinh² η, cosh η, h); node 0 has
    half weight (the caller multiplies it by ½).
    """
    h = min(0.25, 0.7 / math.sqrt(z_hi))
    eta_max = math.acosh(1.0 + 45.0 / z_lo)
    n = math.ceil(eta_max / h) + 1
    cm1 = np.empty(n)
    sh2 = np.empty(n)
    ch = np.empty(n)
    for k in range(n):
        eta = k * h
        sh_half = math.sinh(0.5 * eta)
        cm1[k] = 2.0 * sh_half * sh_half
        sh = math.sinh(eta)
        sh2[k] = sh * sh
        ch[k] = math.cosh(eta)
    return cm1, sh2, ch, h


@njit(cache=True)
def _kve_pair(z: float, cm1: np.ndarray, ch: np.ndarray, h: float) -> tuple[float, float]:
    """(e^z K₁(z), e^z K₂(z)) by the trapezoid rule on the supplied η grid."""
    k1 = 0.5
    k2 = 0.5
    for k in range(1, cm1.shape[0]):
        e = math.exp(-z * cm1[k])
        if e < 1e-300:
            break
        k1 += e * ch[k]
        k2 += e * (2.0 * ch[k] * ch[k] - 1.0)
    return k1 * h, k2 * h


@njit(cache=True)
def kve_asymptotic(nu: float, z: float) -> float:
    """e^z K_ν(z) from the Hankel asymptotic series (A&S 9.7.2), 12 terms; |error| < 1e-13 for z ≥ 40."""
    mu = 4.0 * nu * nu
    term = 1.0
    total = 1.0
    for k in range(1, 13):
        term *= (mu - (2.0 * k - 1.0) ** 2) / (k * 8.0 * z)
        total += term
    return math.sqrt(0.5 * math.pi / z) * total


@njit(cache=True)
def _k1_and_r2(
    z: float, c: float, cm1: np.ndarray, sh2: np.ndarray, ch: np.ndarray, h: float
) -> tuple[float, float]:
    """(e^z K₁(z), R₂) with R₂ = z (K₂ − cL)/(6K₁), c = 4m²/s (see module docstring)."""
    b2 = 1.0 - c
    k1 = 0.5
    q = 0.5 * b2
    for k in range(1, cm1.shape[0]):
        e = math.exp(-z * cm1[k])
        if e < 1e-300:
            break
        k1 += e * ch[k]
        s2 = sh2[k]
        q += e * (b2 + s2 * (2.0 + c + 2.0 * c * s2)) / (1.0 + c * s2)
    return k1 * h, z * q / (6.0 * k1)


@njit(cache=True)
def thermal_average_kernel(
    s: np.ndarray,
    wphi: np.ndarray,
    m: float,
    x: np.ndarray,
    s_pole: float,
    a_pole: float,
    second: bool,
    e_scale: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """⟨σv⟩(T_j) and ⟨σv⟩₂(T_j) for T_j = m/x_j from quadrature nodes (s_i, ω_iΦ_i).

    ⟨σv⟩ = [Σ_i ω_iΦ_i e^{z_i}K₁(z_i) e^{−(√s_i−2m)/T} + A_pole (same at s_pole)]
           / (8 m⁴ T (e^{x}K₂(x))²), z = √s/T (all exponentials scaled).
    Nodes with √s − 2m < 1e-7 min(T, e_scale) are skipped: there Φ ∝ β and the neglected part is
    < 1e-10 of the total (e_scale: smallest energy scale of σ, e.g. |m_a − 2m|; 0 = keep all).
    """
    nt = x.shape[0]
    out0 = np.zeros(nt)
    out2 = np.zeros(nt)
    two_m = 2.0 * m
    sqrt_pole = math.sqrt(s_pole)
    for j in range(nt):
        T = m / x[j]
        e_skip = 1e-7 * min(T, e_scale)
        z_lo = two_m / T
        z_hi = max(z_lo + 80.0, sqrt_pole / T)
        cm1, sh2, ch, h = _eta_grid(z_lo, z_hi)
        acc0 = 0.0
        acc2 = 0.0
        for i in range(s.shape[0]):
            rs = math.sqrt(s[i])
            t = (rs - two_m) / T
            if t > 60.0:
                break
            if rs - two_m < e_skip:  # threshold region ∝ e^{3/2}: < 1e-10 of the total
                continue
            z = rs / T
            if second:
                k1, r2 = _k1_and_r2(z, 4.0 * m * m / s[i], cm1, sh2, ch, h)
            elif z >= 40.0:
                k1, r2 = kve_asymptotic(1.0, z), 0.0
            else:
                k1, _ = _kve_pair(z, cm1, ch, h)
                r2 = 0.0
            wgt = wphi[i] * k1 * math.exp(-t)
            acc0 += wgt
            acc2 += wgt * r2
        if a_pole != 0.0:
            t = (sqrt_pole - two_m) / T
            if t < 700.0:
                z = sqrt_pole / T
                k1, r2 = _k1_and_r2(z, 4.0 * m * m / s_pole, cm1, sh2, ch, h)
                wgt = a_pole * k1 * math.exp(-t)
                acc0 += wgt
                acc2 += wgt * r2
        cm1x, _, chx, hx = _eta_grid(x[j], x[j])
        _, k2x = _kve_pair(x[j], cm1x, chx, hx)
        norm = 1.0 / (8.0 * m**4 * T * k2x * k2x)
        out0[j] = acc0 * norm
        out2[j] = acc2 * norm
    return out0, out2


__all__ = [
    "WIDTH_MODES",
    "ALPAnnihilation",
    "alp_width_at",
    "energy_nodes",
    "resonance_nodes",
    "sigma_v_narrow_width",
    "thermal_average_kernel",
    "thermal_tables_from_sigma",
]
