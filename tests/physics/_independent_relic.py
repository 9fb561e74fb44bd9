"""Independent, deliberately simple relic-density implementation (referee cross-check).

Written from the literature formulas only (Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145;
Binder et al. arXiv:1706.07433; the model of docs/physics.md#model and #decays), without reading the
project's relic/annihilation/elastic implementations. Constants come from scipy.constants (CODATA
2018) and PDG values written below with their citation, never from physics.constants; the dof table
is read from the data file directly. It is slow on purpose: every thermal
average is an adaptive scipy ``quad`` (or mpmath tanh–sinh) with explicit break points, and the
Boltzmann equations are integrated with ``solve_ivp(method="Radau")`` on tight tolerances.
Derivation of every equation: docs/relic_crosscheck.md.

Conventions: x = m/T, ε = (s − 4m²)/(4m²) (so s − m_a² = 4m²(ε − δ)), Y = n_χ/s for χ alone,
Ωh² = 2 m Y_∞ s₀/(ρ_c/h²) for a Dirac χ.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import constants as sc
from scipy import integrate, interpolate, special

# --- constants: CODATA 2018 through scipy.constants, PDG values written here (not physics.constants)
_GEV_J = sc.e * 1e9
M_PLANCK = math.sqrt(sc.hbar * sc.c**5 / sc.G) / _GEV_J
"""Planck mass √(ħc⁵/G) [GeV] = 1.22089e19 (CODATA 2018 G, ħ, c)."""
HBARC_GEV_CM = sc.hbar * sc.c / _GEV_J * 100.0
GEV2_TO_CM3_PER_S = HBARC_GEV_CM**2 * sc.c * 100.0
"""1 GeV⁻² × c in cm³/s = (ħc)² c = 1.16733e-17."""
_MPC_M = 3.0856775814913673e22  # IAU 2015 parsec × 1e6 (PDG 2024 "Astrophysical constants")
RHO_CRIT_OVER_H2_GEV_CM3 = 3.0 * (1e5 / _MPC_M) ** 2 / (8.0 * math.pi * sc.G) * sc.c**2 / _GEV_J * 1e-6
"""ρ_c/h² = 3 (100 km s⁻¹ Mpc⁻¹)²/(8πG) c² = 1.05367e-5 GeV cm⁻³."""
ENTROPY_TODAY_CM3 = 2891.2
"""s₀/k_B = 2891.2 (T_CMB/2.7255 K)³ cm⁻³ (PDG 2024, Astrophysical constants and parameters)."""
SIN2_THETA_W = 0.23122
"""sin²θ_W(M_Z), MS-bar (PDG 2024, Electroweak model and constraints on new physics)."""

# the SM equation of state: hazma 2.2.0's smdof.dat (the project ships a copy with its licence)
TABLE = Path(__file__).resolve().parents[2] / "physics" / "data" / "thermo" / "sm_dof_hazma.csv"
_QUAD = {"epsabs": 0.0, "epsrel": 1e-11, "limit": 400}


# ---------------------------------------------------------------------------------------------
# SM equation of state
# ---------------------------------------------------------------------------------------------
class Thermo:
    """g_eff, h_eff from the hazma table; two independent ways to get d ln h/d ln T.

    dlnh="spline": derivative of a cubic spline of ln h_eff in ln T.
    dlnh="gstar":  from the tabulated g*^{1/2} = (h/√g)(1 + ⅓ d ln h/d ln T), i.e. no
                   differentiation at all (linear interpolation of the column in ln T).
    Outside the table g, h are frozen at the end values (d ln h/d ln T = 0).
    """

    def __init__(self, path: Path = TABLE, dlnh: str = "spline") -> None:
        d = np.loadtxt(path, delimiter=",", skiprows=1)
        d = d[np.argsort(d[:, 0])]
        self.lnT = np.log(d[:, 0])
        self._gs = d[:, 1]
        self._lnh = interpolate.CubicSpline(self.lnT, np.log(d[:, 2]))
        self._lng = interpolate.CubicSpline(self.lnT, np.log(d[:, 3]))
        self._dlnh = self._lnh.derivative()
        if dlnh not in ("spline", "gstar"):
            raise ValueError(dlnh)
        self.mode = dlnh

    def _clip(self, T: float) -> float:
        return min(max(math.log(T), self.lnT[0]), self.lnT[-1])

    def h(self, T: float) -> float:
        return math.exp(float(self._lnh(self._clip(T))))

    def g(self, T: float) -> float:
        return math.exp(float(self._lng(self._clip(T))))

    def dlnh_dlnT(self, T: float) -> float:
        lt = math.log(T)
        if lt <= self.lnT[0] or lt >= self.lnT[-1]:
            return 0.0
        if self.mode == "spline":
            return float(self._dlnh(lt))
        gs = float(np.interp(lt, self.lnT, self._gs))
        return 3.0 * (gs * math.sqrt(self.g(T)) / self.h(T) - 1.0)

    def hubble(self, T: float) -> float:
        return math.sqrt(4.0 * math.pi**3 * self.g(T) / 45.0) * T * T / M_PLANCK

    def entropy(self, T: float) -> float:
        return 2.0 * math.pi**2 / 45.0 * self.h(T) * T**3

    def hubble_tilde(self, T: float) -> float:
        return self.hubble(T) / (1.0 + self.dlnh_dlnT(T) / 3.0)


# ---------------------------------------------------------------------------------------------
# χχ̄ → a* → γγ
# ---------------------------------------------------------------------------------------------
@dataclass
class ALPxs:
    """σ(s) of docs/physics.md#annihilation written in ε = (s − 4m²)/(4m²)."""

    m_a: float
    m: float
    g_aWW: float
    g_achi: float
    energy_dependent: bool = True
    g: float = field(init=False)
    y: float = field(init=False)
    delta: float = field(init=False)

    def __post_init__(self) -> None:
        self.g = SIN2_THETA_W * self.g_aWW
        self.y = self.g_achi * self.m
        self.delta = (self.m_a**2 - 4.0 * self.m**2) / (4.0 * self.m**2)

    def width_at(self, sqrt_s: float) -> float:
        """Γ(a→γγ) + Γ(a→χχ̄) at mass √s (docs/physics.md#decays)."""
        b2 = 1.0 - 4.0 * self.m**2 / sqrt_s**2
        gchi = self.y**2 * sqrt_s * math.sqrt(b2) / (8.0 * math.pi) if b2 > 0 else 0.0
        return self.g**2 * sqrt_s**3 / (64.0 * math.pi) + gchi

    @property
    def gamma0(self) -> float:
        return self.width_at(self.m_a)

    @property
    def w_eps(self) -> float:
        """Half-width of the pole in ε: m_a Γ_a(m_a)/(4m²)."""
        return self.m_a * self.gamma0 / (4.0 * self.m**2)

    def sigma(self, eps: float, off: float | None = None) -> float:
        """σ at ε; ``off`` = ε − δ if known exactly (near the pole ε itself cannot carry it:
        δ + u loses the digits of u when |u| ~ w_ε ~ 1e-9 δ)."""
        m2 = self.m**2
        s = 4.0 * m2 * (1.0 + eps)
        beta = math.sqrt(eps / (1.0 + eps))
        gam = self.width_at(math.sqrt(s)) if self.energy_dependent else self.gamma0
        u = eps - self.delta if off is None else off
        D = (4.0 * m2 * u) ** 2 + (self.m_a * gam) ** 2
        return (self.y * self.g) ** 2 * s * s / (128.0 * math.pi * beta * D)


# ---------------------------------------------------------------------------------------------
# thermal averages
# ---------------------------------------------------------------------------------------------
_LAG_U, _LAG_W = special.roots_genlaguerre(120, 0.5)


def kve(nu: int, z: float) -> float:
    """e^z K_ν(z). scipy's kve returns nan for z ≳ 1.07e9 (AMOS range limit): use the
    asymptotic series there (3 terms: relative error < 1e-25 for z > 1e6)."""
    if z < 1e6:
        return float(special.kve(nu, z))
    mu = 4.0 * nu * nu
    return math.sqrt(math.pi / (2.0 * z)) * (
        1.0 + (mu - 1.0) / (8.0 * z) + (mu - 1.0) * (mu - 9.0) / (2.0 * (8.0 * z) ** 2)
    )


def _artanh_ratio_minus_one(q: np.ndarray) -> np.ndarray:
    """artanh(√q)/√q − 1 = q/3 + q²/5 + … without cancellation (q = y² < 1)."""
    small = q < 0.01
    out = np.empty_like(q)
    qs = q[small]
    out[small] = sum(qs**k / (2 * k + 1) for k in range(1, 9))
    y = np.sqrt(q[~small])
    out[~small] = np.arctanh(y) / y - 1.0
    return out


def r2_factor(beta: float, z: float) -> float:
    """R₂(s,T) = ⟨p₁²/(3E₁T)⟩ at fixed s (ratio of the E₊,E₋ integrals, docs §2).

    R₂ = z/(6 K̂₁(z)) ∫₀^∞ du e^{−u} [cosh η sinh η − c artanh(β tanh η)/β],
    cosh η = 1 + u/z, c = 1 − β², K̂ = e^z K. Generalised Gauss–Laguerre (α = ½) because the
    bracket is √u × (analytic in u). The bracket is evaluated without cancellation as
    sinh³η/cosh η − tanh η·G + β² tanh η·(1 + G), G = artanh(β tanh η)/(β tanh η) − 1
    (the naive form loses ~log₁₀ z digits: 1e-3 relative at z ~ 1e13).
    """
    u = _LAG_U
    sh = np.sqrt(u * (2.0 / z + u / z**2))  # sinh η
    ch = 1.0 + u / z
    th = sh / ch
    G = _artanh_ratio_minus_one((beta * th) ** 2)
    br = sh**3 / ch - th * G + beta**2 * th * (1.0 + G)
    return float(z / (6.0 * kve(1, z)) * np.sum(_LAG_W * br / np.sqrt(u)))


def r2_factor_quad(beta: float, z: float) -> float:
    """Same as r2_factor by plain adaptive quadrature in E₊ (slow reference)."""
    s_over_T2 = z * z

    def f(t: float) -> float:  # t = E₊/√s ≥ 1, weight e^{−z(t−1)}
        a = beta * math.sqrt(t * t - 1.0)  # a/√s
        return math.exp(-z * (t - 1.0)) * (t * a - (1.0 - beta**2) * math.atanh(a / t))

    val = integrate.quad(f, 1.0, 1.0 + 300.0 / z, **_QUAD)[0]
    # J₂/J₁ = [(s^{3/2}/3T) e^{−z} ∫dt …] / [2 β √s T e^{−z} K̂₁] = z² ∫dt … /(6β K̂₁)
    return val * s_over_T2 / (6.0 * beta * kve(1, z))


def _quad(f: Callable[[float], float], a: float, b: float) -> tuple[float, float]:
    """scipy quad at epsrel 1e-11; QUADPACK's "roundoff detected" warnings (hit only for
    x ≳ 1e8, where the result is still good to 1e-9 against mpmath) are silenced, and the
    returned error estimate is checked by the caller instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        val, err = integrate.quad(f, a, b, **_QUAD)
    return val, err


def _pieces(xs: ALPxs, x: float) -> list[tuple[float, float, str]]:
    """Break points in ε for the GG integral at x = m/T."""
    eps_max = (1.0 + 110.0 / x) ** 2 - 1.0  # exponent z − 2x ≤ 220
    pts = {0.0, eps_max}
    pts.update(k / x for k in (0.03, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0) if k / x < eps_max)
    core: tuple[float, float] | None = None
    d, w = xs.delta, xs.w_eps
    if 0.0 < d < eps_max:
        kc = min(30.0, 0.5 * d / w)
        core = (d - kc * w, d + kc * w)
        pts.update(core)
        j = kc * w
        while j < d:
            j *= 10.0
            for p in (d - j, d + j):
                if 0.0 < p < eps_max:
                    pts.add(p)
        pts = {p for p in pts if not core[0] < p < core[1]}
    if d < 0.0:
        pts.update(k * -d for k in (0.1, 1.0, 10.0) if k * -d < eps_max)
    edges = sorted(pts)
    out = []
    for a, b in itertools.pairwise(edges):
        kind = (
            "core" if core is not None and a == core[0] and b == core[1] else ("sqrt" if a == 0 else "plain")
        )
        out.append((a, b, kind))
    return out


def sigma_v_averages(xs: ALPxs, x: float, second: bool = True) -> tuple[float, float]:
    """⟨σv⟩ and ⟨σv⟩₂ [GeV⁻²] at x = m/T by adaptive quadrature over ε (GG formula).

    ⟨σv⟩ = 4x ∫dε σ(ε) ε √(1+ε) K̂₁(z) e^{−(z−2x)} / K̂₂(x)²,   z = 2x√(1+ε).
    """
    pref = 4.0 * x / kve(2, x) ** 2

    def base(eps: float, off: float | None = None) -> float:
        sq = math.sqrt(1.0 + eps)
        z = 2.0 * x * sq
        return xs.sigma(eps, off) * eps * sq * kve(1, z) * math.exp(-2.0 * x * eps / (sq + 1.0))

    def mom2(eps: float, off: float | None = None) -> float:
        return base(eps, off) * r2_factor(math.sqrt(eps / (1.0 + eps)), 2.0 * x * math.sqrt(1.0 + eps))

    d = xs.delta

    res = []
    for f in (base, mom2) if second else (base,):
        tot = err = 0.0
        for a, b, kind in _pieces(xs, x):
            if kind == "sqrt":  # ε = t²: removes the √ε threshold behaviour of σ ε
                v, e = _quad(lambda t, f=f: f(t * t) * 2.0 * t, 0.0, math.sqrt(b))
            elif kind == "core":  # ε − δ = w tanθ flattens the Breit–Wigner
                w = xs.w_eps
                th0, th1 = math.atan((a - d) / w), math.atan((b - d) / w)
                v, e = _quad(
                    lambda th, f=f, w=w: f(d + w * math.tan(th), w * math.tan(th)) * w / math.cos(th) ** 2,
                    th0,
                    th1,
                )
            elif d > 0.0 and 0.5 * d <= a and b <= 1.5 * d:  # near the pole: exact offset u = ε − δ
                v, e = _quad(lambda u, f=f: f(d + u, u), a - d, b - d)
            else:
                v, e = _quad(f, a, b)
            tot += v
            err += e
        if not err <= 1e-8 * abs(tot):
            raise ArithmeticError(f"GG quadrature not converged at x = {x:g}: {tot:g} ± {err:g}")
        res.append(pref * tot)
    return res[0], (res[1] if second else math.nan)


def sigma_v_mpmath(xs: ALPxs, x: float, dps: int = 30) -> float:
    """⟨σv⟩ in the original s variable, mpmath tanh–sinh with break points (slow reference)."""
    import mpmath as mp

    with mp.workdps(dps):
        m, ma = mp.mpf(xs.m), mp.mpf(xs.m_a)
        T = m / x
        y2g2 = mp.mpf(xs.y) ** 2 * mp.mpf(xs.g) ** 2
        s0 = 4 * m * m

        def width(s: mp.mpf) -> mp.mpf:
            if not xs.energy_dependent:
                s = ma * ma
            rs = mp.sqrt(s)
            b = mp.sqrt(1 - s0 / s) if s > s0 else 0
            return mp.mpf(xs.g) ** 2 * rs**3 / (64 * mp.pi) + mp.mpf(xs.y) ** 2 * rs * b / (8 * mp.pi)

        def f(s: mp.mpf) -> mp.mpf:
            if s <= s0:
                return mp.mpf(0)
            b = mp.sqrt(1 - s0 / s)
            D = (s - ma * ma) ** 2 + ma * ma * width(s) ** 2
            sig = y2g2 * s * s / (128 * mp.pi * b * D)
            rs = mp.sqrt(s)
            return sig * (s - s0) * rs * mp.besselk(1, rs / T) * mp.exp(2 * x)

        g0 = width(ma * ma) * ma
        s_max = (2 * m + 110 * T) ** 2
        pts = [s0 + s0 * k / x for k in (0, 0.03, 0.3, 1, 3, 10, 30, 100)]
        if s0 < ma * ma < s_max:
            j = g0
            while ma * ma - j > s0 or ma * ma + j < s_max:
                pts += [ma * ma - j, ma * ma + j]
                j *= 10
            pts.append(ma * ma)
        pts = sorted({p for p in pts if s0 <= p < s_max} | {s_max})
        val = mp.quad(f, pts)
        return float(val / (8 * m**4 * T * (mp.besselk(2, x) * mp.exp(x)) ** 2))


def mb_p4_over_E3_over_T(xchi: float) -> float:
    """⟨p⁴/E³⟩/T for a Maxwell–Boltzmann gas at T = m/x_χ (→ 15/x_χ non-relativistically)."""
    tau = 1.0 / xchi
    u = _LAG_U
    q = tau * (u * tau + 2.0)  # p̂²/u
    e = 1.0 + u * tau
    num = np.sum(_LAG_W * u**2 * q**2.5 / e**2)
    den = np.sum(_LAG_W * np.sqrt(q) * e)
    return float(num / den / tau)


def mb_p4_over_E3_over_T_quad(xchi: float) -> float:
    """Reference for mb_p4_over_E3_over_T by quad in p."""

    def w(p: float, k: int) -> float:
        E = math.sqrt(1.0 + p * p)
        return p**2 * (p**4 / E**3 if k else 1.0) * math.exp(-(E - 1.0) * xchi)

    pm = 200.0 / math.sqrt(xchi) + 200.0 / xchi
    num = integrate.quad(w, 0.0, pm, args=(1,), **_QUAD)[0]
    den = integrate.quad(w, 0.0, pm, args=(0,), **_QUAD)[0]
    return num / den * xchi


# ---------------------------------------------------------------------------------------------
# elastic χγ → χγ momentum-transfer rate
# ---------------------------------------------------------------------------------------------
_GL30 = np.polynomial.legendre.leggauss(30)


def _I_rho(r: float) -> float:
    """∫₀^r ρ⁴/(1+ρ)² dρ: Gauss–Legendre for r ≤ 1, closed form above."""
    if r <= 1.0:
        t, w = _GL30
        rho = 0.5 * r * (t + 1.0)
        return float(0.5 * r * np.sum(w * rho**4 / (1.0 + rho) ** 2))
    return r**3 / 3.0 - r**2 + 3.0 * r - 4.0 * math.log1p(r) + r / (1.0 + r)


def gamma_elastic(T: float, xs: ALPxs, dof: float = 2.0) -> float:
    """γ(T) = 1/(48π³ g_χ T m³) ∫dk k⁴ f(1+f) ⟨|M|²⟩_t  (arXiv:1603.04884 eq. A6, photons only)."""
    ma2 = xs.m_a**2

    def f(u: float) -> float:
        k = u * T
        msq_t = (xs.y * xs.g) ** 2 * xs.m_a**6 * _I_rho(4.0 * k * k / ma2) / (8.0 * k**4)
        bose = math.exp(-u) / (-math.expm1(-u)) ** 2
        return k**4 * bose * msq_t * T

    val = integrate.quad(f, 1e-8, 150.0, points=(1.0, 5.0, 10.0, 20.0), **_QUAD)[0]
    return val / (48.0 * math.pi**3 * dof * T * xs.m**3)


# ---------------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------------
class LogTable:
    """Cubic spline of ln f vs ln x, constant extrapolation in ln f beyond the ends."""

    def __init__(self, x: np.ndarray, f: np.ndarray) -> None:
        self.lx = np.log(x)
        self.sp = interpolate.CubicSpline(self.lx, np.log(f))

    def __call__(self, x: float) -> float:
        return math.exp(float(self.sp(min(max(math.log(x), self.lx[0]), self.lx[-1]))))

    def dlog(self, x: float) -> float:
        """d ln f/d ln x (0 outside the table, consistent with the constant extrapolation)."""
        lx = math.log(x)
        if lx <= self.lx[0] or lx >= self.lx[-1]:
            return 0.0
        return float(self.sp(lx, 1))


def sigma_v_tables(
    xs: ALPxs, x_lo: float = 0.3, x_hi: float = 1e13, per_decade: int = 10, second: bool = True
) -> tuple[LogTable, LogTable | None]:
    n = round(per_decade * math.log10(x_hi / x_lo)) + 1
    xg = np.geomspace(x_lo, x_hi, n)
    vals = np.array([sigma_v_averages(xs, float(x), second) for x in xg])
    return LogTable(xg, vals[:, 0]), (LogTable(xg, vals[:, 1]) if second else None)


# ---------------------------------------------------------------------------------------------
# Boltzmann equations
# ---------------------------------------------------------------------------------------------
def y_eq(x: float, m: float, th: Thermo, dof: float = 2.0) -> float:
    return 45.0 * dof * x * x * kve(2, x) * math.exp(-x) / (4.0 * math.pi**4 * th.h(m / x))


def omega_from_Y(m: float, Y: float) -> float:
    return 2.0 * m * Y * ENTROPY_TODAY_CM3 / RHO_CRIT_OVER_H2_GEV_CM3


@dataclass
class Solution:
    omega_h2: float
    Y_inf: float
    x: np.ndarray
    Y: np.ndarray
    tchi_over_t: np.ndarray


def _radau_in_ln_x(
    m: float,
    rhs: Callable[[float, np.ndarray], list[float]],
    jac: Callable[[float, np.ndarray], list[list[float]]],
    v0: list[float],
    x0: float,
    x_end: float,
    rtol: float,
) -> Solution:
    """The one driver of both Boltzmann equations: Radau in t = ln x from x0 to x_end (atol = rtol)
    with the analytic Jacobian, state v = (ln Y[, θ = ln T_χ/T]); T_χ = T when θ is not integrated."""
    sol = integrate.solve_ivp(
        rhs, (math.log(x0), math.log(x_end)), v0, method="Radau", jac=jac, rtol=rtol, atol=rtol
    )
    if not sol.success:
        raise RuntimeError(sol.message)
    Y = np.exp(sol.y[0])
    tchi_over_t = np.exp(sol.y[1]) if len(v0) > 1 else np.ones_like(Y)
    return Solution(omega_from_Y(m, Y[-1]), Y[-1], np.exp(sol.t), Y, tchi_over_t)


def solve_nbe(
    m: float,
    sv: Callable[[float], float],
    th: Thermo,
    x0: float = 1.0,
    x_end: float = 1e6,
    rtol: float = 1e-9,
) -> Solution:
    """dY/dx = −(s⟨σv⟩/(x H̃))(Y² − Y_eq²), integrated in (ln x, ln Y)."""

    def terms(t: float, W: float) -> tuple[float, float, float]:
        x = math.exp(t)
        T = m / x
        lam = th.entropy(T) * sv(x) / th.hubble_tilde(T)
        return lam, math.exp(W), y_eq(x, m, th)

    def rhs(t: float, v: np.ndarray) -> list[float]:
        lam, Y, Ye = terms(t, v[0])
        return [-lam * (Y - Ye * Ye / Y)]

    def jac(t: float, v: np.ndarray) -> list[list[float]]:
        lam, Y, Ye = terms(t, v[0])
        return [[-lam * (Y + Ye * Ye / Y)]]

    return _radau_in_ln_x(m, rhs, jac, [math.log(y_eq(x0, m, th))], x0, x_end, rtol)


def cbe_terms(
    m: float,
    x: float,
    W: float,
    theta: float,
    sv: LogTable,
    sv2: LogTable,
    gamma: Callable[[float], float],
    th: Thermo,
    tight: bool = False,
) -> dict[str, float]:
    """Every term of the cBE right-hand sides (per d ln x) at state (W = ln Y, θ = ln T_χ/T).

    d ln Y/d ln x = ann_Y
    dθ/d ln x     = elastic + ann_T_neq + ann_T_inv + hubble_T
      ann_Y     = (sY/H̃) [ (Y_eq/Y)² ⟨σv⟩(x) − ⟨σv⟩(x_χ) ]
      elastic   = (γ/H̃)(e^{−θ} − 1)
      ann_T_neq = (sY/H̃) [⟨σv⟩(x_χ) − ⟨σv⟩₂(x_χ)]
      ann_T_inv = (sY/H̃)(Y_eq/Y)² [e^{−θ}⟨σv⟩₂(x) − ⟨σv⟩(x)]
      hubble_T  = (H/H̃) ⟨p⁴/E³⟩_χ/(3T_χ) − (2H/H̃ − 1)
    The remaining entries are the ingredients (used by the analytic Jacobian).
    """
    T = m / x
    xc = x * math.exp(-theta)
    H, Ht, s = th.hubble(T), th.hubble_tilde(T), th.entropy(T)
    a = s * math.exp(W) / Ht
    r = (y_eq(x, m, th) * math.exp(-W)) ** 2
    e = math.exp(-theta)
    svx, sv2x, svc, sv2c = sv(x), sv2(x), sv(xc), sv2(xc)
    g = gamma(T) + (1e8 * H if tight else 0.0)
    return {
        "ann_Y": a * (r * svx - svc),
        "elastic": g / Ht * (e - 1.0),
        "ann_T_neq": a * (svc - sv2c),
        "ann_T_inv": a * r * (e * sv2x - svx),
        "hubble_T": H / Ht * mb_p4_over_E3_over_T(xc) / 3.0 - (2.0 * H / Ht - 1.0),
        "a": a,
        "r": r,
        "e": e,
        "xc": xc,
        "H": H,
        "Ht": Ht,
        "g": g,
        "svx": svx,
        "sv2x": sv2x,
        "svc": svc,
        "sv2c": sv2c,
    }


def solve_cbe(
    m: float,
    sv: LogTable,
    sv2: LogTable,
    gamma: Callable[[float], float],
    th: Thermo,
    x0: float = 1.0,
    x_end: float = 1e6,
    rtol: float = 1e-9,
    tight: bool = False,
) -> Solution:
    """Coupled (ln Y, θ = ln T_χ/T) system of :func:`cbe_terms` (docs/relic_crosscheck.md §1).

    Radau with the analytic Jacobian: with a finite-difference Jacobian Radau (and LSODA under
    tight coupling) crawls at x ≈ 1–3, where the stiff (ln Y, θ) pair relaxes at rates
    ~10⁷ per e-fold of x and the right-hand sides carry O(10⁻⁹) cancellation noise.
    """

    def terms(t: float, v: np.ndarray) -> dict[str, float]:
        theta = min(max(v[1], -60.0), 60.0)  # clip only guards Newton trial points
        return cbe_terms(m, math.exp(t), v[0], theta, sv, sv2, gamma, th, tight)

    def rhs(t: float, v: np.ndarray) -> list[float]:
        p = terms(t, v)
        return [p["ann_Y"], p["elastic"] + p["ann_T_neq"] + p["ann_T_inv"] + p["hubble_T"]]

    def jac(t: float, v: np.ndarray) -> list[list[float]]:
        p = terms(t, v)
        a, r, e, xc = p["a"], p["r"], p["e"], p["xc"]
        dsvc = -p["svc"] * sv.dlog(xc)  # d⟨σv⟩(x_χ)/dθ, x_χ = x e^{−θ}
        dsv2c = -p["sv2c"] * sv2.dlog(xc)
        h = 1e-4
        dP = -(mb_p4_over_E3_over_T(xc * math.exp(h)) - mb_p4_over_E3_over_T(xc * math.exp(-h))) / (2 * h)
        return [
            [-a * (r * p["svx"] + p["svc"]), -a * dsvc],
            [
                p["ann_T_neq"] - p["ann_T_inv"],
                -p["g"] / p["Ht"] * e
                + a * (dsvc - dsv2c)
                - a * r * e * p["sv2x"]
                + p["H"] / p["Ht"] * dP / 3.0,
            ],
        ]

    return _radau_in_ln_x(m, rhs, jac, [math.log(y_eq(x0, m, th)), 0.0], x0, x_end, rtol)


def const_sv_gev(sigma_v_cm3_s: float) -> float:
    return sigma_v_cm3_s / GEV2_TO_CM3_PER_S


# ---------------------------------------------------------------------------------------------
# one ALP point end to end
# ---------------------------------------------------------------------------------------------
@dataclass
class PointResult:
    nbe: Solution
    cbe: Solution
    x_kd: float


_TABLE_CACHE: dict[tuple[float, ...], tuple[LogTable, LogTable, LogTable]] = {}


def alp_tables(xs: ALPxs, per_decade: int = 16) -> tuple[LogTable, LogTable, LogTable]:
    """(⟨σv⟩, ⟨σv⟩₂, γ) tables for x, x_χ ∈ [0.3, 1e13] (γ: x ∈ [0.3, 1e7])."""
    key = (xs.m_a, xs.m, xs.g_aWW, xs.g_achi, float(xs.energy_dependent), float(per_decade))
    if key not in _TABLE_CACHE:
        sv, sv2 = sigma_v_tables(xs, 0.3, 1e13, per_decade)
        xg = np.geomspace(0.3, 1e7, 120)
        gt = LogTable(xg, np.array([gamma_elastic(xs.m / x, xs) for x in xg]))
        _TABLE_CACHE[key] = (sv, sv2, gt)  # type: ignore[assignment]
    return _TABLE_CACHE[key]


def run_alp_point(
    m_a: float,
    delta: float,
    g_aWW: float = 9e-5,
    g_achi: float = 1e-3,
    *,
    th: Thermo | None = None,
    x_end: float = 1e6,
    gamma_multiplier: float = 1.0,
    tight: bool = False,
    with_nbe: bool = True,
) -> PointResult:
    th = th or Thermo()
    m = m_a / (2.0 * math.sqrt(1.0 + delta))
    xs = ALPxs(m_a, m, g_aWW, g_achi)
    sv, sv2, gt = alp_tables(xs)
    nbe = solve_nbe(m, sv, th, x_end=x_end) if with_nbe else None
    cbe = solve_cbe(m, sv, sv2, lambda T: gamma_multiplier * gt(m / T), th, x_end=x_end, tight=tight)
    # kinetic decoupling: first x where γ = H (γ falls like T¹⁰, H like T²)
    xg = np.geomspace(0.3, 1e7, 4000)
    ratio = np.array([gamma_multiplier * gt(x) / th.hubble(m / x) for x in xg])
    below = np.nonzero(ratio < 1.0)[0]
    x_kd = float(xg[below[0]]) if below.size and below[0] > 0 else math.nan
    return PointResult(nbe, cbe, x_kd)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# comparison report (the numbers quoted in docs/relic_crosscheck.md)
#   PYTHONPATH=. .venv/bin/python tests/_independent_relic.py [sections]
# ---------------------------------------------------------------------------------------------
def _report(sections: set[str]) -> None:  # pragma: no cover - manual tool
    import time

    from physics import ALPModel, ConstantSigmaV, omega_h2
    from physics.annihilation import ALPAnnihilation

    def out(*a: object) -> None:
        print(*a, flush=True)

    if "sv" in sections:
        out("## <σv>, <σv>_2: project / independent - 1")
        for m_a, d, gc in [
            (2.0, 1e-3, 1e-3),
            (2.0, 1e-2, 1e-3),
            (2.0, 0.1, 1e-3),
            (1.0, 0.05, 1e-3),
            (2.0, -0.05, 1e-3),
            (2.0, 0.1, 0.01),
            (2.0, 0.1, 0.09),
            (2.0, 0.1, 0.3),
        ]:
            mod = ALPModel.from_detuning(m_a, d, 9e-5, gc)
            xs = ALPxs(mod.m_a, mod.m_chi, 9e-5, gc)
            ann = ALPAnnihilation.from_model(mod)
            worst = worst2 = 0.0
            for x in (3.0, 20.0, 100.0, 1e3, 1e4, 1e6):
                a, a2 = sigma_v_averages(xs, x)
                T = mod.m_chi / x
                worst = max(worst, abs(float(ann.sigma_v(T)[0]) / a - 1))
                worst2 = max(worst2, abs(float(ann.sigma_v2(T)[0]) / a2 - 1))
            out(
                f"m_a={m_a} δ={d:g} g_achi={gc:g} Γ/m_a={xs.gamma0 / m_a:.2e}: "
                f"max|ratio-1| <σv> {worst:.1e}  <σv>_2 {worst2:.1e}  (x = 3 … 1e6)"
            )
    if "xbig" in sections:
        out("## very cold DM (x_χ ≥ 1e8): project / independent - 1, and independent vs mpmath")
        mod = ALPModel.from_detuning(2.0, 1.0, 9e-5, 0.1)
        xs = ALPxs(mod.m_a, mod.m_chi, 9e-5, 0.1)
        ann = ALPAnnihilation.from_model(mod)
        for x in (1e8, 1e9, 1e10, 1e11, 1e12, 1e13):
            a, a2 = sigma_v_averages(xs, x)
            T = mod.m_chi / x
            ref = sigma_v_mpmath(xs, x, dps=40) if "mpmath" in sections else math.nan
            out(
                f"x={x:.0e}: <σv> proj {float(ann.sigma_v(T)[0]) / a - 1:+.1e}  <σv>_2 proj "
                f"{float(ann.sigma_v2(T)[0]) / a2 - 1:+.1e}  ours/mpmath-1 {a / ref - 1:+.1e}"
            )
    if "const" in sections:
        out("## nBE, constant σv = 4.4e-26 cm^3/s")
        for m in (1.0, 10.0, 100.0):
            sv = const_sv_gev(4.4e-26)
            o1 = solve_nbe(m, lambda x, sv=sv: sv, Thermo(TABLE, "spline")).omega_h2
            o2 = solve_nbe(m, lambda x, sv=sv: sv, Thermo(TABLE, "gstar")).omega_h2
            p = omega_h2(ConstantSigmaV(m, 4.4e-26), method="nbe").omega_h2
            p8 = omega_h2(ConstantSigmaV(m, 4.4e-26), method="nbe", rtol=1e-8).omega_h2
            out(
                f"m={m:g}: ours(spline dlnh)={o1:.6f} ours(g*^1/2 dlnh)={o2:.6f} proj={p:.6f} "
                f"proj(rtol=1e-8)={p8:.6f}  proj/ours-1={p / o1 - 1:+.1e}, rtol1e-8: {p8 / o1 - 1:+.1e}"
            )
    if "alp" in sections:
        out("## resonant points (g_aWW = 9e-5, g_achi = 1e-3): nBE, cBE, T_chi/T, x_kd, tight coupling")
        for m_a, d in [(2.0, 1e-3), (2.0, 1e-2), (2.0, 0.1), (1.0, 0.05)]:
            t0 = time.time()
            mod = ALPModel.from_detuning(m_a, d, 9e-5, 1e-3)
            P = run_alp_point(m_a, d)
            Tt = run_alp_point(m_a, d, tight=True, with_nbe=False)
            rn, rc = omega_h2(mod, method="nbe"), omega_h2(mod, method="cbe")
            rt = omega_h2(mod, method="cbe", tight_coupling=True)
            xl = rc.x[-1]
            tc = float(np.interp(math.log(xl), np.log(P.cbe.x), P.cbe.tchi_over_t))
            out(
                f"m_a={m_a} δ={d:g}: nBE ours={P.nbe.omega_h2:.6e} proj={rn.omega_h2:.6e} "
                f"({rn.omega_h2 / P.nbe.omega_h2 - 1:+.1e}) | cBE ours={P.cbe.omega_h2:.6e} "
                f"proj={rc.omega_h2:.6e} ({rc.omega_h2 / P.cbe.omega_h2 - 1:+.1e}) | "
                f"T_chi/T(x={xl:.4g}) ours={tc:.5e} proj={rc.T_chi_over_T[-1]:.5e} | "
                f"x_kd ours={P.x_kd:.4g} proj={mod.m_chi / rc.T_kd:.4g} | tight/nBE-1 ours="
                f"{Tt.cbe.omega_h2 / P.nbe.omega_h2 - 1:+.1e} proj={rt.omega_h2 / rn.omega_h2 - 1:+.1e} "
                f"| cBE/nBE ours={P.cbe.omega_h2 / P.nbe.omega_h2:.4f} proj={rc.omega_h2 / rn.omega_h2:.4f}"
                f" [{time.time() - t0:.0f}s]"
            )
    if "delta" in sections:
        out("## cBE/nBE versus δ at m_a = 2 GeV, g_aWW = 9e-5, g_achi = 1e-3")
        for d in (1e-3, 1e-2, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 2.0, 3.0, 10.0, 30.0, 100.0):
            mod = ALPModel.from_detuning(2.0, d, 9e-5, 1e-3)
            P = run_alp_point(2.0, d)
            rn, rc = omega_h2(mod, method="nbe"), omega_h2(mod, method="cbe")
            out(
                f"δ={d:g}: nBE ours={P.nbe.omega_h2:.5e} proj={rn.omega_h2:.5e} | cBE ours="
                f"{P.cbe.omega_h2:.5e} proj={rc.omega_h2:.5e} | cBE/nBE ours="
                f"{P.cbe.omega_h2 / P.nbe.omega_h2:.4f} proj={rc.omega_h2 / rn.omega_h2:.4f}"
            )
    if "pd" in sections:
        out("## table density, m_a = 2 GeV, g_achi = 0.1 (Γ/m_a ~ 1e-4)")
        th = Thermo()
        for d in (1.0, 3.0):
            mod = ALPModel.from_detuning(2.0, d, 9e-5, 0.1)
            xs = ALPxs(2.0, mod.m_chi, 9e-5, 0.1)
            for pd in (16, 64):
                sv, sv2, gt = alp_tables(xs, per_decade=pd)
                c = solve_cbe(xs.m, sv, sv2, lambda T, gt=gt, m=xs.m: gt(m / T), th).omega_h2
                n = solve_nbe(xs.m, sv, th).omega_h2
                out(f"δ={d:g} ours per_decade={pd}: nBE={n:.6e} cBE={c:.6e}")
            for pd in (12, 48, 96):
                n = omega_h2(mod, method="nbe", per_decade=pd).omega_h2
                c = omega_h2(mod, method="cbe", per_decade=pd).omega_h2
                out(f"δ={d:g} proj per_decade={pd}: nBE={n:.6e} cBE={c:.6e}")


if __name__ == "__main__":  # pragma: no cover
    import sys
    import warnings

    warnings.simplefilter("ignore")
    _report(set(sys.argv[1:]) or {"sv", "const", "alp", "delta", "pd"})
