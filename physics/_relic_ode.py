"""Compiled right-hand sides and the stiff integrator of the nBE and cBE.

Equations: docs/relic.md#cbe-derivation; numerics: docs/relic.md#numerics.

Variables: u = ln x (x = m_χ/T), w₀ = ln Y, w₁ = ln y (y = m_χ T_χ / s^{2/3}). With A = s/H̃:

nBE:  dw₀/du = A ⟨σv⟩(T) (Y_eq²/Y − Y)
cBE:  dw₀/du = A [ (Y_eq²/Y) ⟨σv⟩(T) − Y ⟨σv⟩(T_χ) ]
      dw₁/du = (γ/H̃)(y_eq/y − 1) + A Y [⟨σv⟩(T_χ) − ⟨σv⟩₂(T_χ)]
               + A (Y_eq²/Y) [(y_eq/y) ⟨σv⟩₂(T) − ⟨σv⟩(T)] + (H/H̃) ⟨p⁴/E³⟩_{T_χ} / (3T_χ)

Integrator: the L-stable Rosenbrock pair of Shampine & Reichelt ("ode23s", SIAM J. Sci. Comput.
18 (1997) 1), order 2 with a 3rd-order error estimate, analytic Jacobian, ∂f/∂u by a forward
difference, error control on the absolute error of the logarithms (= relative error of Y, y).

Tables (uniform in u, local cubic Lagrange interpolation, h = ln10/(12…32), docs/relic.md#numerics):
ln⟨σv⟩, ln⟨σv⟩₂, ln P with P = ⟨p⁴/E³⟩/T' as functions of x' = m/T' (used at T' = T and T' = T_χ),
and ln γ at the bath T.
Beyond the last node ⟨σv⟩ and ⟨σv⟩₂ continue as a + b/x' (s-wave + p-wave tail), P as 15/x',
ln γ linearly in u. Thermodynamics: PCHIP pieces of ln h_eff, ln g_eff in ln T (physics.thermo).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .annihilation import kve_asymptotic
from .constants import M_PLANCK

_D = 1.0 / (2.0 + math.sqrt(2.0))
_E32 = 6.0 + math.sqrt(2.0)
_LN_YEQ_PREF = math.log(45.0 / (4.0 * math.pi**4))
_S_PREF = 2.0 * math.pi**2 / 45.0
_H_PREF = math.sqrt(8.0 * math.pi**3 / 90.0) / M_PLANCK

STATUS_OK = 0
STATUS_MAX_STEPS = 1
STATUS_STEP_UNDERFLOW = 2
STATUS_NOT_FINITE = 3
H_MAX_DEVIATION = 0.05
H_MAX = 0.25
"""Largest steps in ln x before / after the switch (the error estimate of a linearly implicit
method cannot see a stiff quasi-equilibrium being left, so freeze-out must not be stepped over)."""
DEVIATION_SWITCH = 2.0
"""Switch from ln(Y/Y_eq) to ln Y as the variable once Y > e² Y_eq (after freeze-out)."""


@njit(cache=True)
def trapezoid_nodes(x: float) -> tuple[float, int]:
    """Step h in the rapidity η and node count n of the trapezoid rule for ∫₀^∞ e^{−x cosh η}(…) dη.

    The integrand is analytic and decays like e^{−x(cosh η − 1)}: the rule converges
    exponentially; it stops where x(cosh η − 1) = 45 (e^{−45} ≈ 3e-20).
    """
    h = min(0.25, 0.7 / math.sqrt(x))
    return h, math.ceil(math.acosh(1.0 + 45.0 / x) / h) + 1


@njit(cache=True)
def mb_node(x: float, h: float, k: int) -> tuple[float, float]:
    """Node k of :func:`trapezoid_nodes`: (η = k h, e^{−x(cosh η − 1)}), the weight written as
    e^{−2x sinh²(η/2)} so that it loses no digits at small η."""
    eta = k * h
    sh = math.sinh(0.5 * eta)
    return eta, math.exp(-2.0 * x * sh * sh)


@njit(cache=True)
def kve2(x: float) -> float:
    """e^x K₂(x): asymptotic series for x ≥ 40, else the exponentially convergent trapezoid rule."""
    if x >= 40.0:
        return kve_asymptotic(2.0, x)
    h, n = trapezoid_nodes(x)
    acc = 0.5
    for k in range(1, n):
        eta, e = mb_node(x, h, k)
        acc += e * math.cosh(2.0 * eta)
    return acc * h


@njit(cache=True)
def k1_over_k2(x: float) -> float:
    """K₁(x)/K₂(x) (asymptotic series for x ≥ 40, trapezoid rule otherwise)."""
    if x >= 40.0:
        return kve_asymptotic(1.0, x) / kve_asymptotic(2.0, x)
    h, n = trapezoid_nodes(x)
    k1 = 0.5
    k2 = 0.5
    for k in range(1, n):
        eta, e = mb_node(x, h, k)
        k1 += e * math.cosh(eta)
        k2 += e * math.cosh(2.0 * eta)
    return k1 / k2


BESSEL_TABLE_X = (0.02, 40.0)
"""x range of the tables of ln(e^x K₂(x)) and K₁/K₂ used by the ODE's right-hand sides."""
BESSEL_TABLE_STEP = 1.0 / 512.0
"""Their step in ln x: cubic Lagrange interpolation then differs from the trapezoid sums by
< 1e-13 (ln e^xK₂) and < 4e-13 relative (K₁/K₂), below the sums' own error (≈ 6e-13)."""


@njit(cache=True)
def _bessel_tables(u0: float, step: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    f1 = np.empty(n)
    f2 = np.empty(n)
    for i in range(n):
        x = math.exp(u0 + step * i)
        f1[i] = math.log(kve2(x))
        f2[i] = k1_over_k2(x)
    return f1, f2


_TAB_U0 = math.log(BESSEL_TABLE_X[0])
_LN_KVE2_TAB, _K1_K2_TAB = _bessel_tables(
    _TAB_U0, BESSEL_TABLE_STEP, math.ceil((math.log(BESSEL_TABLE_X[1]) - _TAB_U0) / BESSEL_TABLE_STEP) + 3
)


@njit(cache=True)
def ln_kve2_fast(x: float) -> float:
    """ln(e^x K₂(x)): table (BESSEL_TABLE_X) or :func:`kve2` outside it."""
    if BESSEL_TABLE_X[0] <= x < BESSEL_TABLE_X[1]:
        return lagrange4(_LN_KVE2_TAB, _TAB_U0, BESSEL_TABLE_STEP, math.log(x))[0]
    return math.log(kve2(x))


@njit(cache=True)
def k1_over_k2_fast(x: float) -> float:
    """K₁(x)/K₂(x): table (BESSEL_TABLE_X) or :func:`k1_over_k2` outside it."""
    if BESSEL_TABLE_X[0] <= x < BESSEL_TABLE_X[1]:
        return lagrange4(_K1_K2_TAB, _TAB_U0, BESSEL_TABLE_STEP, math.log(x))[0]
    return k1_over_k2(x)


@njit(cache=True)
def mb_p4_over_e3(x: float) -> float:
    """P(x) = ⟨p⁴/E³⟩/T over a Maxwell–Boltzmann distribution at T = m/x (dimensionless).

    P = x² N₆(x)/K₂(x), N₆ = ∫₀^∞ e^{−x cosh η} sinh⁶η / cosh²η dη (p = m sinh η); → 15/x for x ≫ 1.
    """
    h, n = trapezoid_nodes(x)
    num = 0.0
    den = 0.5
    for k in range(1, n):
        eta, e = mb_node(x, h, k)
        sh = math.sinh(eta)
        ch = math.cosh(eta)
        num += e * sh**6 / (ch * ch)
        den += e * math.cosh(2.0 * eta)
    return x * x * num / den


@njit(cache=True)
def ppoly_eval(breaks: np.ndarray, coef: np.ndarray, z: float) -> tuple[float, float]:
    """Value and derivative of a scipy PPoly (cubic) at z; constant (derivative 0) outside."""
    n = breaks.shape[0]
    if z <= breaks[0]:
        return coef[3, 0], 0.0
    if z >= breaks[n - 1]:
        dz = breaks[n - 1] - breaks[n - 2]
        c = coef[:, n - 2]
        return ((c[0] * dz + c[1]) * dz + c[2]) * dz + c[3], 0.0
    i = np.searchsorted(breaks, z) - 1
    dz = z - breaks[i]
    c = coef[:, i]
    return ((c[0] * dz + c[1]) * dz + c[2]) * dz + c[3], (3.0 * c[0] * dz + 2.0 * c[1]) * dz + c[2]


@njit(cache=True)
def lagrange4(tab: np.ndarray, u0: float, h: float, u: float) -> tuple[float, float]:
    """Local cubic Lagrange interpolation (value, d/du) on a uniform grid; clamped at the ends."""
    n = tab.shape[0]
    t = (u - u0) / h
    if t <= 0.0:
        return tab[0], 0.0
    if t >= n - 1:
        return tab[n - 1], 0.0
    i = min(max(int(t), 1), n - 3)
    p = t - i
    f0, f1, f2, f3 = tab[i - 1], tab[i], tab[i + 1], tab[i + 2]
    a0 = -p * (p - 1.0) * (p - 2.0) / 6.0
    a1 = (p + 1.0) * (p - 1.0) * (p - 2.0) / 2.0
    a2 = -(p + 1.0) * p * (p - 2.0) / 2.0
    a3 = (p + 1.0) * p * (p - 1.0) / 6.0
    d0 = -(3.0 * p * p - 6.0 * p + 2.0) / 6.0
    d1 = (3.0 * p * p - 4.0 * p - 1.0) / 2.0
    d2 = -(3.0 * p * p - 2.0 * p - 2.0) / 2.0
    d3 = (3.0 * p * p - 1.0) / 6.0
    val = a0 * f0 + a1 * f1 + a2 * f2 + a3 * f3
    der = (d0 * f0 + d1 * f1 + d2 * f2 + d3 * f3) / h
    return val, der


@njit(cache=True)
def rate_eval(lnS: np.ndarray, u0: float, h: float, u: float, a: float, b: float) -> tuple[float, float]:
    """⟨σv⟩-type table at u = ln x' → (value, d value/du); a + b/x' beyond the last node."""
    u_end = u0 + h * (lnS.shape[0] - 1)
    if u > u_end:
        x = math.exp(u)
        return a + b / x, -b / x
    v, d = lagrange4(lnS, u0, h, u)
    e = math.exp(v)
    return e, e * d


@njit(cache=True)
def _p_eval(lnP: np.ndarray, u0: float, h: float, u: float) -> tuple[float, float]:
    u_end = u0 + h * (lnP.shape[0] - 1)
    if u > u_end:
        p_end = math.exp(lnP[lnP.shape[0] - 1]) * math.exp(u_end - u)
        return p_end, -p_end
    v, d = lagrange4(lnP, u0, h, u)
    e = math.exp(v)
    return e, e * d


@njit(cache=True)
def _gamma_eval(lnG: np.ndarray, u0: float, h: float, u: float) -> float:
    n = lnG.shape[0]
    u_end = u0 + h * (n - 1)
    if u > u_end:
        slope = (lnG[n - 1] - lnG[n - 2]) / h
        return math.exp(lnG[n - 1] + slope * (u - u_end))
    return math.exp(lagrange4(lnG, u0, h, u)[0])


@njit(cache=True)
def background(u: float, m: float, dof: float, brk: np.ndarray, clnh: np.ndarray, clng: np.ndarray):
    """(ln Y_eq, ln s, H, H̃, d ln h_eff/d ln T) at x = e^u for DM mass m [GeV] and internal dof."""
    x = math.exp(u)
    lnT = math.log(m) - u
    lnh, dlnh = ppoly_eval(brk, clnh, lnT)
    lng, _ = ppoly_eval(brk, clng, lnT)
    T = m / x
    lns = math.log(_S_PREF) + lnh + 3.0 * lnT
    H = _H_PREF * math.sqrt(math.exp(lng)) * T * T
    Ht = H / (1.0 + dlnh / 3.0)
    ln_yeq = _LN_YEQ_PREF + math.log(dof) + 2.0 * u + ln_kve2_fast(x) - x - lnh
    return ln_yeq, lns, H, Ht, dlnh


@njit(cache=True)
def rhs(u, v0, d1, dev, mode, m, dof, g_scale, tight, brk, clnh, clng, tu0, th, lnS0, lnS2, lnP, lnG, ext):
    """(f₀, f₁, J₀₀, J₀₁, J₁₀, J₁₁) of the nBE (mode 0) or cBE (mode 1); see module docstring.

    If ``dev`` the first variable is the equilibrium deviation v₀ = ln(Y/Y_eq) (used until
    freeze-out, where ln Y itself varies like −x and would force tiny steps), else v₀ = ln Y.
    The second variable is d₁ = ln(T_χ/T) = ln(y/y_eq), so T_χ is never obtained by subtracting
    large logarithms.
    """
    ln_yeq, lns, H, Ht, dlnh = background(u, m, dof, brk, clnh, clng)
    shift = 0.0
    if dev:
        x = math.exp(u)
        shift = -x * k1_over_k2_fast(x) + dlnh  # d ln Y_eq / d ln x
    w0 = v0 + ln_yeq if dev else v0
    A = math.exp(lns) / Ht
    Y = math.exp(w0)
    r = math.exp(2.0 * ln_yeq - w0)  # Y_eq²/Y
    s0t, _ = rate_eval(lnS0, tu0, th, u, ext[0], ext[1])
    if mode == 0:
        return A * (r - Y) * s0t - shift, 0.0, -A * (r + Y) * s0t, 0.0, 0.0, 0.0
    q = math.exp(-d1)  # y_eq/y = T/T_χ
    u_chi = u - d1  # ln(m/T_χ)
    s2t, _ = rate_eval(lnS2, tu0, th, u, ext[2], ext[3])
    s0c, ds0c = rate_eval(lnS0, tu0, th, u_chi, ext[0], ext[1])
    s2c, ds2c = rate_eval(lnS2, tu0, th, u_chi, ext[2], ext[3])
    pc, dpc = _p_eval(lnP, tu0, th, u_chi)
    gam = g_scale * _gamma_eval(lnG, tu0, th, u) + tight * H
    gh = gam / Ht
    f0 = A * (r * s0t - Y * s0c)
    f1 = gh * math.expm1(-d1) + A * Y * (s0c - s2c) + A * r * (q * s2t - s0t) + H / Ht * pc / 3.0
    f1 -= 1.0 + 2.0 * dlnh / 3.0  # d ln y_eq / d ln x
    j00 = -A * (r * s0t + Y * s0c)
    j01 = A * Y * ds0c
    j10 = A * Y * (s0c - s2c) - A * r * (q * s2t - s0t)
    j11 = -gh * q + A * Y * (ds2c - ds0c) - A * r * q * s2t - H / Ht * dpc / 3.0
    return f0 - shift, f1, j00, j01, j10, j11


@njit(cache=True)
def solve(
    mode,
    m,
    dof,
    g_scale,
    tight,
    brk,
    clnh,
    clng,
    tu0,
    th,
    lnS0,
    lnS2,
    lnP,
    lnG,
    ext,
    u_start,
    u_min_end,
    u_max,
    w0_start,
    rtol,
    freeze_tol,
    out,
):
    """Integrate from u_start until u ≥ u_min_end and |dw₀/du| < freeze_tol (or u_max).

    Starts in equilibrium (Y = Y_eq(u_start) = exp(w0_start), T_χ = T).
    ``out`` (n_max, 4) receives (u, ln Y, ln(T_χ/T), d ln Y/du) at every accepted step.
    Returns (n_rows, status).
    """
    n_max = out.shape[0]
    u = u_start
    w0 = w0_start
    w1 = 0.0
    h = 1e-3
    args = (mode, m, dof, g_scale, tight, brk, clnh, clng, tu0, th, lnS0, lnS2, lnP, lnG, ext)
    dev = True
    w0 = w0_start - background(u, m, dof, brk, clnh, clng)[0]
    f0, f1, j00, j01, j10, j11 = rhs(u, w0, w1, dev, *args)
    out[0, 0] = u
    out[0, 1] = w0_start
    out[0, 2] = w1
    out[0, 3] = f0
    n = 1
    status = STATUS_OK
    while True:
        if n >= n_max:
            status = STATUS_MAX_STEPS
            break
        if u >= u_max:
            break
        if dev and w0 > DEVIATION_SWITCH:  # past freeze-out: integrate ln Y itself
            w0 += background(u, m, dof, brk, clnh, clng)[0]
            dev = False
            f0, f1, j00, j01, j10, j11 = rhs(u, w0, w1, dev, *args)
        if not dev and u >= u_min_end and abs(f0) < freeze_tol:
            break
        h = min(h, u_max - u, H_MAX_DEVIATION if dev else H_MAX)
        eps = 1e-7 * max(1.0, abs(u))
        g0, g1, _, _, _, _ = rhs(u + eps, w0, w1, dev, *args)
        t0 = (g0 - f0) / eps
        t1 = (g1 - f1) / eps
        while True:
            hd = h * _D
            a00 = 1.0 - hd * j00
            a01 = -hd * j01
            a10 = -hd * j10
            a11 = 1.0 - hd * j11
            det = a00 * a11 - a01 * a10
            b0 = f0 + hd * t0
            b1 = f1 + hd * t1
            k10 = (a11 * b0 - a01 * b1) / det
            k11 = (a00 * b1 - a10 * b0) / det
            p0, p1, _, _, _, _ = rhs(u + 0.5 * h, w0 + 0.5 * h * k10, w1 + 0.5 * h * k11, dev, *args)
            b0 = p0 - k10
            b1 = p1 - k11
            k20 = (a11 * b0 - a01 * b1) / det + k10
            k21 = (a00 * b1 - a10 * b0) / det + k11
            n0 = w0 + h * k20
            n1 = w1 + h * k21
            q0, q1, c00, c01, c10, c11 = rhs(u + h, n0, n1, dev, *args)
            b0 = q0 - _E32 * (k20 - p0) - 2.0 * (k10 - f0) + hd * t0
            b1 = q1 - _E32 * (k21 - p1) - 2.0 * (k11 - f1) + hd * t1
            k30 = (a11 * b0 - a01 * b1) / det
            k31 = (a00 * b1 - a10 * b0) / det
            e0 = h / 6.0 * (k10 - 2.0 * k20 + k30)
            e1 = h / 6.0 * (k11 - 2.0 * k21 + k31)
            err = max(abs(e0), abs(e1)) / rtol
            if not (math.isfinite(err) and math.isfinite(n0) and math.isfinite(n1)):
                err = 1e10
            if err <= 1.0:
                break
            h *= max(0.2, 0.9 * err ** (-1.0 / 3.0))
            if h < 1e-12:
                return n, STATUS_STEP_UNDERFLOW
        u += h
        w0, w1 = n0, n1
        f0, f1, j00, j01, j10, j11 = q0, q1, c00, c01, c10, c11
        out[n, 0] = u
        out[n, 1] = w0 + background(u, m, dof, brk, clnh, clng)[0] if dev else w0
        out[n, 2] = w1
        out[n, 3] = f0
        n += 1
        h *= min(5.0, 0.9 * max(err, 1e-6) ** (-1.0 / 3.0))
    return n, status


@njit(cache=True)
def p_table(x: np.ndarray) -> np.ndarray:
    """ln P(x) on an array of x (see :func:`mb_p4_over_e3`)."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = math.log(mb_p4_over_e3(x[i]))
    return out


@njit(cache=True)
def ln_yeq_array(u: np.ndarray, m: float, dof: float, brk: np.ndarray, clnh: np.ndarray, clng: np.ndarray):
    """ln Y_eq at x = e^u (the ODE's own background(), for output arrays)."""
    out = np.empty(u.shape[0])
    for i in range(u.shape[0]):
        out[i] = background(u[i], m, dof, brk, clnh, clng)[0]
    return out


@njit(cache=True)
def rate_over_hubble(
    x: np.ndarray,
    m: float,
    dof: float,
    brk: np.ndarray,
    clnh: np.ndarray,
    clng: np.ndarray,
    lnS0: np.ndarray,
    tu0: float,
    th: float,
    a: float,
    b: float,
):
    """Γ_ann/H̃ = s Y_eq ⟨σv⟩/H̃ = n_eq⟨σv⟩/H̃ at each x (chemical-equilibrium test)."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        u = math.log(x[i])
        ln_yeq, lns, _, Ht, _ = background(u, m, dof, brk, clnh, clng)
        out[i] = math.exp(lns + ln_yeq) * rate_eval(lnS0, tu0, th, u, a, b)[0] / Ht
    return out


@njit(cache=True)
def ln_yeq_to_crossing(
    u: np.ndarray, w0: np.ndarray, ln_ratio: float, m: float, dof: float, brk: np.ndarray, clnh, clng
):
    """ln Y_eq at x = e^u up to two nodes past the first where ln Y − ln Y_eq > ln_ratio + 1e-9
    (enough for the freeze-out crossing; all nodes if there is none)."""
    n = u.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = background(u[i], m, dof, brk, clnh, clng)[0]
        if w0[i] - max(out[i], -690.0) > ln_ratio + 1e-9:
            stop = min(i + 3, n)
            for k in range(i + 1, stop):
                out[k] = background(u[k], m, dof, brk, clnh, clng)[0]
            return out[:stop]
    return out
