"""χχ̄ → a* → γγ cross-section and its thermal averages ⟨σv⟩, ⟨σv⟩₂ (docs/physics.md#annihilation,
docs/relic.md#thermal-average).

Cross-section (spin averaged, ½ for identical photons; docs/physics.md#annihilation)::

    σ(s) = y_χ² g_aγγ² s² / (128π β_χ(s) D(s)),   D(s) = (s − m_a²)² + m_a² Γ_a(s)²,

with Γ_a(s) = Γ_γγ(√s) + Γ_χχ(√s) (docs/physics.md#decays with m_a → √s, the default; Duch &
Grzadkowski arXiv:1705.10777) or the constant
Γ_a(m_a) (option ``energy_dependent=False``).

Gondolo–Gelmini average at temperature T (Maxwell–Boltzmann; Nucl. Phys. B360 (1991) 145)::

    ⟨σv⟩(T)  = 1/(8 m⁴ T K₂(m/T)²) ∫_{4m²}^∞ ds Φ(s) K₁(√s/T),     Φ(s) = σ(s)(s − 4m²)√s,
    ⟨σv⟩₂(T) = same with K₁(√s/T) → K₁(√s/T) R₂(s, T).

⟨σv⟩₂ = ⟨σv · p₁²/(3E₁T)⟩ is the second-moment average of the cBE (Binder et al.,
arXiv:1706.07433). R₂ = J₂/J₁ (docs/physics.md#annihilation) is reduced here to one rapidly convergent
integral (derivation in docs/relic.md#thermal-average)::

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
_TERM_CUT = 1e-19
"""Trapezoid sums over η stop at e^{−z(cosh η−1)} < this (the k = 0 term is ½; the factors
multiplying the exponential are ≤ O(10) there, so the truncation is < 1e-17 relative)."""


# --------------------------------------------------------------------------------------
# cross-section
# --------------------------------------------------------------------------------------
def alp_width_at(sqrt_s: ArrayLike, m_chi: float, g_agg: float, y_chi: float) -> FloatArray:
    """Γ_a evaluated at mass √s: Γ_γγ(√s) + Γ_χχ(√s) [GeV] (docs/physics.md#decays, m_a → √s)."""
    w = np.asarray(sqrt_s, dtype=float)
    return width_photons_kernel(g_agg, w) + width_chi_kernel(y_chi, m_chi, w)


def sigma_kernel(
    s: ArrayLike, m_chi: float, m_a: float, y_chi: ArrayLike, g_agg: float, energy_dependent: bool
) -> FloatArray:
    """σ(χχ̄→γγ) [GeV⁻²] = y² g² s²/(128π β D(s)), D = (s − m_a²)² + m_a²Γ_a² (docs/physics.md#annihilation),
    Γ_a at √s (``energy_dependent``) or at m_a; 0 below threshold. Broadcasts over s [GeV²] and
    y_χ (e.g. s[None, :] and y[:, None]: every σ of a row of points at once)."""
    s = np.asarray(s, dtype=float)
    y = np.asarray(y_chi, dtype=float)
    above = s > 4.0 * m_chi**2
    safe = np.where(above, s, 4.0 * m_chi**2 * 2.0)
    beta = np.sqrt(1.0 - 4.0 * m_chi**2 / safe)
    width = alp_width_at(np.sqrt(safe) if energy_dependent else np.float64(m_a), m_chi, g_agg, y)
    denominator = (safe - m_a**2) ** 2 + (m_a * width) ** 2
    val = (y * g_agg) ** 2 * safe**2 / (128.0 * math.pi * beta * denominator)
    return np.where(above, val, 0.0)


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
        """σ(χχ̄→γγ) [GeV⁻²] = y² g² s²/(128π β D) (docs/physics.md#annihilation); 0 below threshold."""
        return sigma_kernel(s, self.m_chi, self.m_a, self.y_chi, self.g_agg, self.energy_dependent)

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
        """⟨σv⟩(T) [GeV⁻²] (Gondolo–Gelmini, docs/relic.md#thermal-average)."""
        T = np.atleast_1d(np.asarray(T, dtype=float))
        return self.thermal_tables(self.m_chi / T, second_moment=False)[0]

    def sigma_v2(self, T: ArrayLike) -> FloatArray:
        """⟨σv⟩₂(T) = ⟨σv p²/(3ET)⟩ [GeV⁻²] (cBE second moment, arXiv:1706.07433)."""
        T = np.atleast_1d(np.asarray(T, dtype=float))
        return self.thermal_tables(self.m_chi / T, second_moment=True)[1]


def sigma_v_narrow_width(ann: ALPAnnihilation, T: ArrayLike) -> FloatArray:
    """Narrow-width ⟨σv⟩ (docs/physics.md#annihilation) [GeV⁻²]:

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


def pole_core(m: float, m_res: float, mg: float) -> tuple[str, int, float, float]:
    """How the s-integral treats a pole at m_res > 2m [GeV] with m_res·Γ(m_res) = mg > 0 [GeV²]
    (docs/relic.md#thermal-average).

    Returns (kind, k, W, d_c): geometric panels in |s − m_res²| from the core half-width
    W = d_c e^{−k} up to d_c (ratio e each, anchored at d_c so that every pole of the same masses
    shares its panels: physics.relic_grid), and the core |s − m_res²| < W, "narrow" (analytic
    Lorentzian; chosen when W ≤ 1e-7 scale²/mg and W ≥ 30 mg are possible) or "resolved"
    (θ-substitution over W ∈ [mg, e·mg)).
    """
    e_pole = m_res - 2.0 * m
    s_a = (2.0 * m + 0.5 * e_pole) ** 2  # lower edge of the near-pole region (midpoint threshold–pole)
    d_c = m_res * m_res - s_a  # half-width of the symmetric near-pole region in s
    scale = min(2.0 * m_res * e_pole / 100.0, d_c)
    w_window = min(0.1 * d_c, 1e-7 * scale * scale / mg)
    k = math.ceil(math.log(d_c / w_window))
    if d_c * math.exp(-k) >= 30.0 * mg:
        return "narrow", k, d_c * math.exp(-k), d_c
    k = max(0, math.floor(math.log(d_c / mg)))
    return "resolved", k, d_c * math.exp(-k), d_c


def pole_nodes(
    m: float, m_res: float, e_min: float, e_max: float, n_panels: int
) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """Nodes s_i, ds-weights and panel index j_i of a pole's s-integral outside its core
    (:func:`pole_core`): threshold panels in e = √s − 2m up to half-way to the pole (j = −1),
    panels d ∈ [d_c e^{−j−1}, d_c e^{−j}] on both sides of m_res² for j < ``n_panels``, and panels
    above (j = −1). A node's position does not depend on ``n_panels``. Unsorted."""
    M2 = m_res * m_res
    e_pole = m_res - 2.0 * m
    e_a = 0.5 * e_pole
    d_c = M2 - (2.0 * m + e_a) ** 2
    s_lo, w_lo = energy_nodes(m, min(e_min, 0.5 * e_a), e_a)
    j = np.arange(n_panels, dtype=np.int64)
    lo, hi = d_c * np.exp(-(j + 1.0)), d_c * np.exp(-1.0 * j)
    half = 0.5 * (hi - lo)[:, None]
    d = (0.5 * (lo + hi)[:, None] + half * _GL_X).ravel()
    wd = (half * _GL_W).ravel()
    jd = np.repeat(j, _GL_X.size)
    e_d = math.sqrt(M2 + d_c) - 2.0 * m
    gap = e_d - e_pole
    edges = e_d - gap + _geometric_edges(gap, gap + max(e_max - e_d, gap))
    e, w = _gl_panels(edges)
    sqrt_s = 2.0 * m + e
    minus1 = np.full(s_lo.size + e.size, -1, dtype=np.int64)
    s = np.concatenate([s_lo, M2 - d, M2 + d, sqrt_s * sqrt_s])
    w_all = np.concatenate([w_lo, wd, wd, w * 2.0 * sqrt_s])
    return s, w_all, np.concatenate([minus1[: s_lo.size], jd, jd, minus1[s_lo.size :]])


def resolved_core_nodes(m_res: float, mg: float, core: float) -> tuple[FloatArray, FloatArray]:
    """Nodes and ds-weights of a resolved pole core |s − m_res²| < ``core``: two 8-point
    Gauss–Legendre panels in θ, s = m_res² + mg tan θ (the Lorentzian is flat in θ)."""
    t_max = math.atan(core / mg)
    th, wt = _gl_panels(np.linspace(-t_max, t_max, 3))
    return m_res * m_res + mg * np.tan(th), wt * mg / np.cos(th) ** 2


def e_max_for(m: float, m_res: float, t_max: float) -> float:
    """Highest CM kinetic energy √s − 2m [GeV] of the s-nodes for temperatures up to t_max [GeV]."""
    return (_BOLTZMANN_CUT + 10.0) * t_max + 2.0 * max(m_res - 2.0 * m, 0.0)


def narrow_core_weight(phi_d_at_pole: float, mg: float, core: float) -> float:
    """A_pole = Φ(m²_res)D(m²_res)·(2/mg)·arctan(W/mg): the exact Lorentzian core |s − m_res²| < W
    of a narrow pole (docs/relic.md#thermal-average)."""
    return phi_d_at_pole * 2.0 / mg * math.atan(core / mg)


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
    e_max = e_max_for(m, M, t_max)

    def phi(s: FloatArray) -> FloatArray:
        return np.asarray(sigma(s), dtype=float) * (s - 4.0 * m * m) * np.sqrt(s)

    mg = M * width0
    if M <= 2.0 * m or mg == 0.0 or M2 - 4.0 * m * m <= 4.0 * mg:
        kind = "no_pole" if M <= 2.0 * m or mg == 0.0 else "broad"
        s, w = energy_nodes(m, e_min, e_max)
        return s, w * phi(s), 0.0, kind
    kind, k, core, _ = pole_core(m, M, mg)
    s, w, _ = pole_nodes(m, M, e_min, e_max, k)
    a_pole = 0.0
    if kind == "narrow":
        a_pole = narrow_core_weight(float(phi(np.array([M2]))[0]) * mg * mg, mg, core)  # Φ(M²) D(M²)
    else:
        s_core, w_core = resolved_core_nodes(M, mg, core)
        s, w = np.concatenate([s, s_core]), np.concatenate([w, w_core])
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
        if e < _TERM_CUT:
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
        if e < _TERM_CUT:
            break
        k1 += e * ch[k]
        s2 = sh2[k]
        q += e * (b2 + s2 * (2.0 + c + 2.0 * c * s2)) / (1.0 + c * s2)
    return k1 * h, z * q / (6.0 * k1)


_EtaGrid = tuple[np.ndarray, np.ndarray, np.ndarray, float]
"""(cosh η − 1, sinh²η, cosh η, step) of :func:`_eta_grid`."""


@njit(cache=True)
def _split_eta_grids(
    m: float, x: float, sqrt_pole: float, e_scale: float
) -> tuple[float, float, float, _EtaGrid, _EtaGrid]:
    """(T, e_skip, z_split, grid below, grid above) for the z = √s/T at T = m/x.

    e_skip = 1e-7 min(T, e_scale): the threshold region skipped by the kernels.

    Two η grids: the step must resolve the largest z, the range the smallest; at high T
    (z_lo ≪ z_hi) one grid for both would be long and fine (≈ 3× the work).
    """
    T = m / x
    z_lo = 2.0 * m / T
    z_hi = max(z_lo + 80.0, sqrt_pole / T)
    z_split = min(4.0 * z_lo + 8.0, z_hi)
    return T, 1e-7 * min(T, e_scale), z_split, _eta_grid(z_lo, z_split), _eta_grid(z_split, z_hi)


@njit(cache=True)
def _k1_and_r2_split(
    z: float,
    r: float,
    z_split: float,
    lo: _EtaGrid,
    hi: _EtaGrid,
) -> tuple[float, float]:
    """:func:`_k1_and_r2` on the grid of :func:`_split_eta_grids` that covers z."""
    g = lo if z <= z_split else hi
    return _k1_and_r2(z, r, g[0], g[1], g[2], g[3])


@njit(cache=True)
def _k1_split(
    z: float,
    z_split: float,
    lo: _EtaGrid,
    hi: _EtaGrid,
) -> float:
    """e^z K₁(z) by the trapezoid sum on the grid that covers z."""
    g = lo if z <= z_split else hi
    return _kve_pair(z, g[0], g[2], g[3])[0]


@njit(cache=True)
def _thermal_norm(m: float, x: float) -> float:
    """1/(8 m⁴ T (eˣK₂(x))²) at T = m/x."""
    cm1x, _, chx, hx = _eta_grid(x, x)
    _, k2x = _kve_pair(x, cm1x, chx, hx)
    return 1.0 / (8.0 * m**4 * (m / x) * k2x * k2x)


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
        T, e_skip, z_split, lo, hi = _split_eta_grids(m, x[j], sqrt_pole, e_scale)
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
                k1, r2 = _k1_and_r2_split(z, 4.0 * m * m / s[i], z_split, lo, hi)
            elif z >= 40.0:
                k1, r2 = kve_asymptotic(1.0, z), 0.0
            else:
                k1, r2 = _k1_split(z, z_split, lo, hi), 0.0
            wgt = wphi[i] * k1 * math.exp(-t)
            acc0 += wgt
            acc2 += wgt * r2
        if a_pole != 0.0:
            t = (sqrt_pole - two_m) / T
            if t < 700.0:
                k1, r2 = _k1_and_r2_split(sqrt_pole / T, 4.0 * m * m / s_pole, z_split, lo, hi)
                wgt = a_pole * k1 * math.exp(-t)
                acc0 += wgt
                acc2 += wgt * r2
        norm = _thermal_norm(m, x[j])
        out0[j] = acc0 * norm
        out2[j] = acc2 * norm
    return out0, out2


@njit(cache=True)
def thermal_weight_matrix(
    s: np.ndarray, m: float, x: np.ndarray, s_pole: float, second: bool, e_scale: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The weights of :func:`thermal_average_kernel` as a matrix, for σ(s) not yet chosen.

    Returns (K₀, K₂, p₀, p₂, N): K₀[j, i] = e^{z}K₁(z) e^{−(√s_i−2m)/T_j} (0 where the kernel skips
    node i), K₂ = K₀·R₂, p₀ and p₂ the same at s_pole, N[j] = 1/(8m⁴T_j(e^{x_j}K₂(x_j))²), so that
    ⟨σv⟩(T_j) = N[j] (Σ_i K₀[j, i] ω_iΦ_i + A_pole p₀[j]) for any Φ on the nodes s (unsorted
    allowed): one matrix serves every σ with the same masses (physics._relic_tables). K₁ always
    comes from the trapezoid sum (no Hankel series), so K₀ is the same with or without K₂.
    """
    nt = x.shape[0]
    ns = s.shape[0]
    k0 = np.zeros((nt, ns))
    k2 = np.zeros((nt, ns))
    p0 = np.zeros(nt)
    p2 = np.zeros(nt)
    norm = np.zeros(nt)
    two_m = 2.0 * m
    sqrt_pole = math.sqrt(s_pole)
    for j in range(nt):
        T, e_skip, z_split, lo, hi = _split_eta_grids(m, x[j], sqrt_pole, e_scale)
        for i in range(ns):
            rs = math.sqrt(s[i])
            t = (rs - two_m) / T
            if t > 60.0 or rs - two_m < e_skip:
                continue
            z = rs / T
            if second:
                k1, r2 = _k1_and_r2_split(z, 4.0 * m * m / s[i], z_split, lo, hi)
            else:  # the same K₁ sum as _k1_and_r2: K₀ does not depend on `second`
                k1, r2 = _k1_split(z, z_split, lo, hi), 0.0
            wgt = k1 * math.exp(-t)
            k0[j, i] = wgt
            k2[j, i] = wgt * r2
        t = (sqrt_pole - two_m) / T
        if t < 700.0:
            k1, r2 = _k1_and_r2_split(sqrt_pole / T, 4.0 * m * m / s_pole, z_split, lo, hi)
            p0[j] = k1 * math.exp(-t)
            p2[j] = p0[j] * r2
        norm[j] = _thermal_norm(m, x[j])
    return k0, k2, p0, p2, norm


__all__ = [
    "WIDTH_MODES",
    "ALPAnnihilation",
    "alp_width_at",
    "e_max_for",
    "energy_nodes",
    "narrow_core_weight",
    "pole_core",
    "pole_nodes",
    "resolved_core_nodes",
    "resonance_nodes",
    "sigma_kernel",
    "sigma_v_narrow_width",
    "thermal_average_kernel",
    "thermal_tables_from_sigma",
    "thermal_weight_matrix",
]
