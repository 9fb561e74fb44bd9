"""Compiled kernels and the stiff integrator of the full phase-space Boltzmann equation (fBE).

Equations and discretisation: docs/relic.md#fbe. Unknown: f_j(u), the χ phase-space density per
internal state in momentum cell j, u = ln x, x = m_χ/T.

Momentum variable. k = q̂ · s(u) with the comoving momentum q̂ = p/T̂, T̂ = T (h_eff(T)/h_ref)^{1/3}
∝ 1/a (so a free particle keeps its q̂ exactly, also through the QCD and e± steps of h_eff), and
s(u) = 1 (default: no drift term at all) or, under tight coupling, s = r √(x_ref/x) with
r = T̂/T, so that a Maxwellian at the photon temperature keeps a fixed width in k; the drift
term σ k ∂_k f (σ = d ln s/du) is then discretised in conservative flux form (upwind). The
physical q = p/T = (r/s) k, ε = E/T = √(q² + x²), rapidity η = asinh(q/x) (p = m sinh η).

Finite volumes: cell faces k_{j±½}, centres k_j, volumes V_j = (k_{j+½}³ − k_{j−½}³)/3. Number
density n = g T³ (r/s)³/(2π²) Σ V_j f_j, so Y = 45 g (r/s)³/(4π⁴ h_eff) Σ V_j f_j — for s = 1 the
prefactor is the constant 45 g/(4π⁴ h_ref): with no collisions Y is conserved exactly.

Right-hand side in ℓ_j = ln f_j (Binder et al. arXiv:1706.07433; Gondolo & Gelmini, Nucl.
Phys. B360 (1991) 145, for the collision integral):

  dℓ_j/du = [−Γ_j[f] + (f_eq,j/f_j) Γ_j[f_eq] + C_el,j/f_j]/H̃ + drift_j,

- Γ[f](p) = g/(4π²) ∫dp̃ p̃² f(p̃) [G(s₊) − G(s₋)]/(4pp̃EẼ), G(s) = ∫^s σ s′β ds′ (background,
  tabulated, cubic Hermite) plus the narrow pole taken out of G and done exactly in rapidity:
  Γ_pole(p) = Σ_k w_k ∫_{|η−η_k|}^{η+η_k} sinh η̃ f dη̃ /(sinh η cosh η), ln f linear in η between
  the cell centres (exact segment integrals).
- C_el = (γ/2)(s/r)² k⁻² ∂_k[k² ε e^{−ε} ∂_k(f e^{ε})]: Fokker–Planck operator of
  Bringmann & Hofmann arXiv:hep-ph/0612238 in its relativistic form (e^{−E/T} an exact
  discrete zero mode, zero flux through both ends: number conserved exactly).

Integration variable v_j = ℓ_j + a₁ ε_j(u) + a₂ ln Y_eq(u): (a₁, a₂) = (1, 0) "deviation" from
equilibrium until Y > e² Y_eq (chemical freeze-out), then (1, 1) while elastic scattering is still
faster than the expansion (a frozen Maxwellian at T keeps v constant; always under tight
coupling), then (0, 0), plain ln f (kinetically decoupled: f(q̂) changes only by annihilation).

Integrator: the L-stable Rosenbrock (W-) pair of Shampine & Reichelt (SIAM J. Sci. Comput. 18
(1997) 1), order 2 for any Jacobian approximation, the time derivative of the right-hand side
left out (allowed for a W-method), dense LU with partial pivoting. Error control on the absolute
error of ℓ_j, weighted by each cell's share of the particles (cells holding less than
ERROR_FLOOR of the largest cell count proportionally less).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.np.linalg import _LAPACK, F_INT_nptype

from . import _relic_ode as ode

_D = 1.0 / (2.0 + math.sqrt(2.0))
_E32 = 6.0 + math.sqrt(2.0)
_Y_PREF = 45.0 / (4.0 * math.pi**4)

KIND_DEV = 0
KIND_LNF = 1
KIND_PSI = 2

STATUS_OK = 0
STATUS_MAX_STEPS = 1
STATUS_STEP_UNDERFLOW = 2
STATUS_SINGULAR = 3

ERROR_FLOOR = 1e-5
"""Cells with V_j f_j below this fraction of the largest get a proportionally looser error test."""
ERROR_WEIGHT_MIN = 1e-3
"""…but never less than this weight: a sparsely populated cell may err by up to rtol/1e-3 in ln f
per step, not without bound (an unbounded cell could grow unstably under the approximate pole
Jacobian)."""
DEVIATION_SWITCH = 2.0
"""Leave the deviation variable once ln(Y/Y_eq) exceeds this (after chemical freeze-out)."""

# layout of the scalar parameter vector ``par``
P_M, P_DOF, P_LNH_REF, P_U_REF, P_TIGHT_GRID, P_GSCALE, P_TIGHT, P_GU0, P_GH, P_H_DEV, P_H_MAX = range(11)
P_X_SLOW, P_RTOL, P_FREEZE, P_U_MIN_END, P_U_MAX, P_ERR_FLOOR, N_PAR = 11, 12, 13, 14, 15, 16, 17


# --------------------------------------------------------------------------------------
# background and grid at one u
# --------------------------------------------------------------------------------------
@njit(cache=True)
def frame(u, par, brk, clnh, clng):
    """(x, T, H, H̃, d ln h/d ln T, ln(r/s), d ln(r/s)/du, σ = d ln s/du, ln h, ln Y_eq)."""
    m = par[P_M]
    ln_yeq, _, H, Ht, dlnh = ode.background(u, m, par[P_DOF], brk, clnh, clng)
    x = math.exp(u)
    lnh, _ = ode.ppoly_eval(brk, clnh, math.log(m) - u)
    lrs = (lnh - par[P_LNH_REF]) / 3.0  # comoving: r/s = r = (h/h_ref)^{1/3}
    dlrs = -dlnh / 3.0
    if par[P_TIGHT_GRID] > 0.0 and u > par[P_U_REF]:  # s = √(x_ref/x): fixed Maxwellian width
        lrs += 0.5 * (u - par[P_U_REF])
        dlrs += 0.5
    sigma = -dlnh / 3.0 - dlrs
    return x, m / x, H, Ht, dlnh, lrs, dlrs, sigma, lnh, ln_yeq


@njit(cache=True)
def kinematics(kc, x, lrs, q, eps, eta):
    """Physical q = (r/s) k, ε = √(q² + x²), η = asinh(q/x) at the cell centres."""
    rs = math.exp(lrs)
    for j in range(kc.shape[0]):
        q[j] = rs * kc[j]
        eps[j] = math.sqrt(q[j] * q[j] + x * x)
        eta[j] = math.asinh(q[j] / x)


# --------------------------------------------------------------------------------------
# annihilation: background kernel and exact narrow pole
# --------------------------------------------------------------------------------------
@njit(cache=True)
def _locate(edges, w, i):
    """Index i with edges[i] ≤ w < edges[i+1], searching forward from the hint i."""
    n = edges.shape[0]
    if w < edges[i]:
        return max(np.searchsorted(edges, w) - 1, 0)
    while i + 2 < n and edges[i + 1] <= w:
        i += 1
    return i


@njit(cache=True)
def _hermite_at(edges, G, dG, w, i):
    """G(w) by cubic Hermite on panel i (linear beyond the table, ∝ w below it)."""
    n = edges.shape[0]
    if w <= edges[0]:
        return G[0] * w / edges[0]
    if w >= edges[n - 1]:
        return G[n - 1] + dG[n - 1] * (w - edges[n - 1])
    h = edges[i + 1] - edges[i]
    t = (w - edges[i]) / h
    h00 = (1 + 2 * t) * (1 - t) ** 2
    h10 = t * (1 - t) ** 2
    h01 = t * t * (3 - 2 * t)
    h11 = t * t * (t - 1)
    return h00 * G[i] + h10 * h * dG[i] + h01 * G[i + 1] + h11 * h * dG[i + 1]


@njit(cache=True)
def _hermite_slope_at(edges, G, dG, w, i):
    n = edges.shape[0]
    if w <= edges[0]:
        return G[0] / edges[0]
    if w >= edges[n - 1]:
        return dG[n - 1]
    h = edges[i + 1] - edges[i]
    t = (w - edges[i]) / h
    return (
        (6 * t * t - 6 * t) * (G[i] - G[i + 1]) / h
        + (3 * t * t - 4 * t + 1) * dG[i]
        + (3 * t * t - 2 * t) * dG[i + 1]
    )


@njit(cache=True)
def background_kernel(q, eps, eta, T, m, edges, G, dG, S):
    """S_ij = [G(s₊) − G(s₋)]/(4 q_i q_j ε_i ε_j T), symmetric, so that
    Γ_bg,i = g/(4π²) (r/s)³ Σ_j S_ij V_j f_j.  s± − 4m² = 4m² sinh²((η_i ± η_j)/2)."""
    n = q.shape[0]
    s0 = 4.0 * m * m
    chh = np.empty(n)
    shh = np.empty(n)
    for j in range(n):
        chh[j] = math.cosh(0.5 * eta[j])
        shh[j] = math.sinh(0.5 * eta[j])
    for i in range(n):
        ip = max(np.searchsorted(edges, s0 * math.sinh(eta[i]) ** 2) - 1, 0)
        im = 0
        for j in range(i, n):
            sp = shh[i] * chh[j] + chh[i] * shh[j]  # sinh((η_i + η_j)/2)
            sm = shh[j] * chh[i] - chh[j] * shh[i]  # sinh((η_j − η_i)/2) ≥ 0
            wp = s0 * sp * sp
            wm = s0 * sm * sm
            ip = _locate(edges, wp, ip)
            im = _locate(edges, wm, im)
            diff = wp - wm  # = 4 p_i p_j / (4m²) · s0
            if diff < 1e-6 * wp:
                dg = _hermite_slope_at(edges, G, dG, 0.5 * (wp + wm), ip) * diff
            else:
                dg = _hermite_at(edges, G, dG, wp, ip) - _hermite_at(edges, G, dG, wm, im)
            dg = max(dg, 0.0)  # σ ≥ 0: G is monotone
            val = dg / (4.0 * q[i] * q[j] * eps[i] * eps[j] * T)
            S[i, j] = val
            S[j, i] = val


@njit(cache=True)
def _seg_integral(e0, e1, l0, l1, a, b):
    """∫_a^b sinh(η) exp(ℓ(η)) dη with ℓ linear through (e0, l0), (e1, l1); e0 ≤ a ≤ b ≤ e1."""
    if b <= a:
        return 0.0
    k = (l1 - l0) / (e1 - e0) if e1 > e0 else 0.0
    c = l0 - k * e0
    total = 0.0
    for sgn in (1.0, -1.0):
        r = k + sgn
        if abs(r) * (b - a) < 1e-8:
            val = math.exp(min(r * a + c, 700.0)) * (b - a)
        else:
            val = (math.exp(min(r * b + c, 700.0)) - math.exp(min(r * a + c, 700.0))) / r
        total += 0.5 * sgn * val
    return total


@njit(cache=True)
def _cumulative(eta, lnf, cum):
    """cum[j] = ∫₀^{η_j} sinh η f dη (ln f constant below η_0, linear between centres)."""
    n = eta.shape[0]
    cum[0] = _seg_integral(0.0, eta[0], lnf[0], lnf[0], 0.0, eta[0])
    for j in range(n - 1):
        cum[j + 1] = cum[j] + _seg_integral(eta[j], eta[j + 1], lnf[j], lnf[j + 1], eta[j], eta[j + 1])


@njit(cache=True)
def _cum_at(eta, lnf, cum, target):
    n = eta.shape[0]
    if target <= 0.0:
        return 0.0
    if target <= eta[0]:
        return _seg_integral(0.0, eta[0], lnf[0], lnf[0], 0.0, target)
    if target >= eta[n - 1]:
        return cum[n - 1]
    j = np.searchsorted(eta, target) - 1
    return cum[j] + _seg_integral(eta[j], eta[j + 1], lnf[j], lnf[j + 1], eta[j], target)


@njit(cache=True)
def pole_rates(eta, lnf, eta_k, w_k, cum, out):
    """out_i += Σ_k w_k [∫_{|η_i−η_k|}^{η_i+η_k} sinh η̃ f dη̃] / (sinh η_i cosh η_i)."""
    n = eta.shape[0]
    _cumulative(eta, lnf, cum)
    for i in range(n):
        acc = 0.0
        for k in range(eta_k.shape[0]):
            hi = _cum_at(eta, lnf, cum, eta[i] + eta_k[k])
            lo = _cum_at(eta, lnf, cum, abs(eta[i] - eta_k[k]))
            acc += w_k[k] * (hi - lo)
        out[i] += acc / (math.sinh(eta[i]) * math.cosh(eta[i]))


@njit(cache=True)
def pole_jacobian(eta, f, eta_k, w_k, scale, jac):
    """jac_ij −= scale · ∂Γ_pole,i/∂ℓ_j, approximated by the overlap of cell j's rapidity
    interval with the resonant window of cell i (Newton matrix only)."""
    n = eta.shape[0]
    for i in range(n):
        norm = math.sinh(eta[i]) * math.cosh(eta[i])
        for k in range(eta_k.shape[0]):
            lo = abs(eta[i] - eta_k[k])
            hi = eta[i] + eta_k[k]
            c = scale * w_k[k] / norm
            j0 = max(np.searchsorted(eta, lo) - 1, 0)
            for j in range(j0, n):
                left = 0.5 * (eta[j - 1] + eta[j]) if j > 0 else 0.0
                if left >= hi:
                    break
                right = 0.5 * (eta[j] + eta[j + 1]) if j + 1 < n else eta[j]
                a = max(lo, left)
                b = min(hi, right)
                if b > a:
                    jac[i, j] -= c * math.sinh(eta[j]) * (b - a) * f[j]


# --------------------------------------------------------------------------------------
# elastic scattering and drift (finite volumes)
# --------------------------------------------------------------------------------------
@njit(cache=True)
def _exp(v):
    return math.exp(min(v, 700.0))


@njit(cache=True)
def face_eps(kf, x, lrs, out):
    rs = math.exp(lrs)
    for j in range(kf.shape[0]):
        qf = rs * kf[j]
        out[j] = math.sqrt(qf * qf + x * x)


@njit(cache=True)
def elastic_term(kc, kf, vol, eps, epsf, lnf, out):
    """out_j = k⁻²∂_k[k² ε e^{−ε} ∂_k(f e^{ε})]_j / f_j (finite volume, zero flux at both ends)."""
    n = kc.shape[0]
    for j in range(n):
        acc = 0.0
        if j + 1 < n:
            a = kf[j + 1] ** 2 * epsf[j + 1] / (kc[j + 1] - kc[j])
            acc += a * (_exp(lnf[j + 1] - lnf[j] + eps[j + 1] - epsf[j + 1]) - _exp(eps[j] - epsf[j + 1]))
        if j > 0:
            a = kf[j] ** 2 * epsf[j] / (kc[j] - kc[j - 1])
            acc -= a * (_exp(eps[j] - epsf[j]) - _exp(lnf[j - 1] - lnf[j] + eps[j - 1] - epsf[j]))
        out[j] = acc / vol[j]


@njit(cache=True)
def elastic_jacobian(kc, kf, vol, eps, epsf, lnf, scale, jac):
    """jac += scale · ∂(elastic_term)_j/∂ℓ_k (tridiagonal)."""
    n = kc.shape[0]
    for j in range(n):
        if j + 1 < n:
            a = kf[j + 1] ** 2 * epsf[j + 1] / (kc[j + 1] - kc[j])
            v = scale * a * _exp(lnf[j + 1] - lnf[j] + eps[j + 1] - epsf[j + 1]) / vol[j]
            jac[j, j + 1] += v
            jac[j, j] -= v
        if j > 0:
            a = kf[j] ** 2 * epsf[j] / (kc[j] - kc[j - 1])
            v = scale * a * _exp(lnf[j - 1] - lnf[j] + eps[j - 1] - epsf[j]) / vol[j]
            jac[j, j - 1] += v
            jac[j, j] -= v


@njit(cache=True)
def drift_term(kf, vol, lnf, sigma, out):
    """out_j += d ℓ_j/du from the grid motion dk/du = σk (σ ≤ 0), conservative upwind flux:
    d(V_j f_j)/du = 3σ V_j f_j − σ [k³_{j+½} f_{j+1} − k³_{j−½} f_j]."""
    n = vol.shape[0]
    for j in range(n):
        inflow = kf[j + 1] ** 3 * _exp(lnf[j + 1] - lnf[j]) if j + 1 < n else 0.0
        out[j] += 3.0 * sigma - sigma * (inflow - kf[j] ** 3) / vol[j]


@njit(cache=True)
def drift_jacobian(kf, vol, lnf, sigma, jac):
    n = vol.shape[0]
    for j in range(n - 1):
        v = -sigma * kf[j + 1] ** 3 * _exp(lnf[j + 1] - lnf[j]) / vol[j]
        jac[j, j + 1] += v
        jac[j, j] -= v


# --------------------------------------------------------------------------------------
# right-hand side
# --------------------------------------------------------------------------------------
@njit(cache=True)
def _gamma_at(u, par, lngam):
    """Elastic momentum-transfer rate γ(T(u)) [GeV] (× multiplier), ln γ linear in u."""
    t = (u - par[P_GU0]) / par[P_GH]
    n = lngam.shape[0]
    if t <= 0.0:
        lg = lngam[0]
    elif t >= n - 1:
        lg = lngam[n - 1] + (lngam[n - 1] - lngam[n - 2]) * (t - n + 1)
    else:
        i = int(t)
        lg = lngam[i] + (lngam[i + 1] - lngam[i]) * (t - i)
    if lg < -700.0:  # no elastic rate
        return 0.0
    return par[P_GSCALE] * math.exp(lg)


@njit(cache=True)
def to_lnf(v, kind, eps, ln_yeq, out):
    for j in range(v.shape[0]):
        if kind == KIND_DEV:
            out[j] = v[j] - eps[j]
        elif kind == KIND_PSI:
            out[j] = v[j] - eps[j] - ln_yeq
        else:
            out[j] = v[j]


@njit(cache=True)
def evaluate(u, v, kind, prob, S, work, build=True):
    """dv/du at (u, v) for the run's inputs ``prob`` (the tuple :func:`solve` takes). Fills S
    (background kernel at u; if not ``build``, S is taken as given, e.g. the kernel of an earlier
    u for a difference quotient in u) and the work rows
    0: ℓ, 1: q, 2: ε, 3: η, 4: Γ[f], 5: Γ[f_eq], 6: cum buffer, 7: dℓ/du, 8: ε at faces (n+1),
    9: f_eq/f. Returns (dv/du array, ln Y, d ln Y/du, ln Y_eq, H̃, γ_total, T)."""
    par, brk, clnh, clng, kc, kf, vol, edges, G, dG, eta_k, w_k, lngam = prob
    n = kc.shape[0]
    x, T, H, Ht, dlnh, lrs, dlrs, sigma, lnh, ln_yeq = frame(u, par, brk, clnh, clng)
    lnf, q, eps, eta = work[0, :n], work[1, :n], work[2, :n], work[3, :n]
    gam, geq, cum, dl = work[4, :n], work[5, :n], work[6, :n], work[7, :n]
    epsf, ratio = work[8], work[9, :n]
    kinematics(kc, x, lrs, q, eps, eta)
    to_lnf(v, kind, eps, ln_yeq, lnf)
    if build:
        background_kernel(q, eps, eta, T, par[P_M], edges, G, dG, S)
    c_bg = par[P_DOF] / (4.0 * math.pi**2) * math.exp(3.0 * lrs)
    fv = np.empty(n)
    fveq = np.empty(n)
    lneq = np.empty(n)
    for j in range(n):
        fv[j] = vol[j] * _exp(lnf[j])
        lneq[j] = -eps[j]
        fveq[j] = vol[j] * math.exp(-eps[j])
    for i in range(n):
        a = 0.0
        b = 0.0
        for j in range(n):
            a += S[i, j] * fv[j]
            b += S[i, j] * fveq[j]
        gam[i] = c_bg * a
        geq[i] = c_bg * b
    if eta_k.shape[0] > 0:
        pole_rates(eta, lnf, eta_k, w_k, cum, gam)
        pole_rates(eta, lneq, eta_k, w_k, cum, geq)
    gtot = _gamma_at(u, par, lngam) + par[P_TIGHT] * H
    el_scale = 0.5 * gtot * math.exp(-2.0 * lrs)  # (γ/2)(s/r)²
    if el_scale > 0.0:
        face_eps(kf, x, lrs, epsf)
        elastic_term(kc, kf, vol, eps, epsf, lnf, dl)
    else:
        for j in range(n):
            dl[j] = 0.0
    tot = 0.0
    acc = 0.0
    for j in range(n):
        ratio[j] = _exp(lneq[j] - lnf[j])
        ann = (-gam[j] + ratio[j] * geq[j]) / Ht
        dl[j] = ann + el_scale * dl[j] / Ht
        tot += fv[j]
        acc += fv[j] * ann
    if sigma != 0.0:
        drift_term(kf, vol, lnf, sigma, dl)
    out = np.empty(n)
    ln_y = math.log(_Y_PREF * par[P_DOF]) + 3.0 * lrs - lnh + math.log(max(tot, 1e-300))
    # d ln Y/du: only annihilation changes it (the elastic fluxes and the drift of a moving grid
    # conserve Σ V f (r/s)³/h exactly); evaluated as the number-weighted annihilation rate
    dlny = acc / tot
    if kind != KIND_LNF:
        d_yeq = -x * ode.k1_over_k2(x) + dlnh
        for j in range(n):
            deps = (q[j] * q[j] * dlrs + x * x) / eps[j]
            out[j] = dl[j] + deps + (d_yeq if kind == KIND_PSI else 0.0)
    else:
        for j in range(n):
            out[j] = dl[j]
    return out, ln_y, dlny, ln_yeq, Ht, gtot, T


@njit(cache=True)
def jacobian(u, par, brk, clnh, clng, kc, kf, vol, eta_k, w_k, S, work, Ht, gtot, jac):
    """∂(dv/du)_i/∂v_j at the state whose ``evaluate`` filled S and work (pole part and
    drift approximate; exact background, inverse-annihilation and elastic parts)."""
    n = kc.shape[0]
    x, _, _, _, _, lrs, _, sigma, _, _ = frame(u, par, brk, clnh, clng)
    lnf, eps, eta, geq = work[0, :n], work[2, :n], work[3, :n], work[5, :n]
    epsf, ratio = work[8], work[9, :n]
    c_bg = par[P_DOF] / (4.0 * math.pi**2) * math.exp(3.0 * lrs) / Ht
    f = np.empty(n)
    for j in range(n):
        f[j] = _exp(lnf[j])
    for i in range(n):
        for j in range(n):
            jac[i, j] = -c_bg * S[i, j] * vol[j] * f[j]
        jac[i, i] -= ratio[i] * geq[i] / Ht
    if eta_k.shape[0] > 0:
        pole_jacobian(eta, f, eta_k, w_k, 1.0 / Ht, jac)
    el_scale = 0.5 * gtot * math.exp(-2.0 * lrs)
    if el_scale > 0.0:
        face_eps(kf, x, lrs, epsf)
        elastic_jacobian(kc, kf, vol, eps, epsf, lnf, el_scale / Ht, jac)
    if sigma != 0.0:
        drift_jacobian(kf, vol, lnf, sigma, jac)


# --------------------------------------------------------------------------------------
# dense LU: LAPACK dgetrf through numba's own wrapper (the one np.linalg uses), own solves
# --------------------------------------------------------------------------------------
_GETRF = _LAPACK().numba_xxgetrf(types.float64)
F_INT = F_INT_nptype
_KIND_D = ord("d")


@njit(cache=True)
def lu_factor(a, piv):
    """In-place LU of the C-ordered matrix a (LAPACK factors its transpose Aᵀ = P L U);
    returns False if singular or not finite."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            if not math.isfinite(a[i, j]):
                return False
    info = _GETRF(_KIND_D, n, n, a.ctypes, n, piv.ctypes)
    return info == 0


@njit(cache=True)
def lu_solve(a, piv, b):
    """Solve A x = b with the factors of :func:`lu_factor` (b overwritten and returned).

    A = Uᵀ Lᵀ Pᵀ: Uᵀ is the lower triangle of the C array (with diagonal), Lᵀ the strict upper
    triangle (unit diagonal), P the row swaps of getrf (1-based)."""
    n = a.shape[0]
    for i in range(n):
        acc = b[i]
        for j in range(i):
            acc -= a[i, j] * b[j]
        b[i] = acc / a[i, i]
    for i in range(n - 1, -1, -1):
        acc = b[i]
        for j in range(i + 1, n):
            acc -= a[i, j] * b[j]
        b[i] = acc
    for k in range(n - 1, -1, -1):
        p = piv[k] - 1
        if p != k:
            t = b[k]
            b[k] = b[p]
            b[p] = t
    return b


# --------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------
@njit(cache=True)
def _error_norm(e, lnf, vol, rtol, floor):
    n = e.shape[0]
    big = -1e300
    for j in range(n):
        big = max(big, math.log(vol[j]) + lnf[j])
    err = 0.0
    for j in range(n):
        rel = math.log(vol[j]) + lnf[j] - big  # ln(V_j f_j / max)
        w = 1.0 if rel > math.log(floor) else max(math.exp(rel) / floor, ERROR_WEIGHT_MIN)
        err = max(err, abs(e[j]) * w)
    return err / rtol


@njit(cache=True)
def _moments(kc, vol, lnf, q, eps):
    """(Σ V f, ⟨q²/(3ε)⟩ = T_χ/T)."""
    tot = 0.0
    t2 = 0.0
    for j in range(kc.shape[0]):
        w = vol[j] * _exp(lnf[j])
        tot += w
        t2 += w * q[j] * q[j] / (3.0 * eps[j])
    return tot, t2 / tot


@njit(cache=True)
def solve(prob, u_start, out, f_out):
    """Integrate from equilibrium at u_start until u ≥ u_min_end and |d ln Y/du| < freeze_tol
    (or u_max) for the run's inputs ``prob`` = (par, brk, clnh, clng, kc, kf, vol, edges, G, dG,
    eta_k, w_k, lngam): parameters, thermodynamics spline, momentum grid, kernel tables, one tuple
    so that the six calls of :func:`evaluate` cannot pass them in a different order. ``out``
    (n_max, 5) receives (u, ln Y, T_χ/T, d ln Y/du, ln Y_eq) per accepted step, ``f_out`` the
    final ln f. Returns (rows, status, n_rhs, kind at the end).

    After chemical freeze-out ln Y is carried as its own variable λ, advanced with the
    annihilation part of d ln Y/du only (explicit midpoint stages of the same Rosenbrock step,
    i.e. a zero row in the W-matrix), and f is rescaled onto it after every step: the elastic
    and drift terms, which conserve the particle number exactly in space, then cannot change Y
    through time-integration errors either."""
    par, brk, clnh, clng, kc, kf, vol, _edges, _G, _dG, eta_k, w_k, _lngam = prob  # _x: evaluate's
    n = kc.shape[0]
    n_max = out.shape[0]
    rtol = par[P_RTOL]
    S = np.empty((n, n))
    S1 = np.empty((n, n))
    S2 = np.empty((n, n))
    Sp = np.empty((n, n))
    u_prev = math.nan
    work = np.empty((10, n + 1))
    w1 = np.empty((10, n + 1))
    w2 = np.empty((10, n + 1))
    jac = np.empty((n, n))
    a = np.empty((n, n))
    piv = np.zeros(n, dtype=F_INT)
    u = u_start
    kind = KIND_DEV
    v = np.zeros(n)
    F0, lny, dlny, lnyeq, Ht, gtot, _ = evaluate(u, v, kind, prob, S, work)
    lam = lny
    n_rhs = 1
    row = 0
    h = 1e-3
    status = STATUS_OK
    while True:
        _, tr = _moments(kc, vol, work[0, :n], work[1, :n], work[2, :n])
        out[row, 0] = u
        out[row, 1] = lny
        out[row, 2] = tr
        out[row, 3] = dlny
        out[row, 4] = lnyeq
        row += 1
        if row >= n_max:
            status = STATUS_MAX_STEPS
            break
        if u >= par[P_U_MAX]:
            break
        new_kind = kind
        coupled = gtot > Ht  # elastic scattering still faster than the expansion
        chem = lny - lnyeq > DEVIATION_SWITCH or np.max(work[5, :n]) < 1e-9 * Ht  # no annihilation
        if kind == KIND_DEV and chem:  # after chemical freeze-out
            new_kind = KIND_PSI if coupled else KIND_LNF
        elif kind == KIND_PSI and gtot < 1e-2 * Ht:  # kinetically decoupled as well
            new_kind = KIND_LNF
        if new_kind != kind:
            eps = work[2, :n]
            for j in range(n):
                v[j] = work[0, j] + (eps[j] + lnyeq if new_kind == KIND_PSI else 0.0)
            kind = new_kind
            u_prev = math.nan
            F0, lny, dlny, lnyeq, Ht, gtot, _ = evaluate(u, v, kind, prob, S, work)
            lam = lny
            n_rhs += 1
        if kind != KIND_DEV and u >= par[P_U_MIN_END] and abs(dlny) < par[P_FREEZE]:
            break
        if kind == KIND_DEV:
            h_cap = par[P_H_DEV] if math.exp(u) >= par[P_X_SLOW] else 2.0 * par[P_H_DEV]
        else:
            h_cap = par[P_H_MAX]
        h = min(h, h_cap, par[P_U_MAX] - u)
        jacobian(u, par, brk, clnh, clng, kc, kf, vol, eta_k, w_k, S, work, Ht, gtot, jac)
        if math.isfinite(u_prev):  # ∂F/∂u by a backward difference, kernel of the previous step
            Fu = evaluate(u_prev, v, kind, prob, Sp, w1, False)[0]
            Tu = (F0 - Fu) / (u - u_prev)
        else:
            eps_u = 1e-6 * max(1.0, abs(u))
            Fu = evaluate(u + eps_u, v, kind, prob, S1, w1)[0]
            Tu = (Fu - F0) / eps_u
        n_rhs += 1
        while True:
            hd = h * _D
            for i in range(n):
                for j in range(n):
                    a[i, j] = -hd * jac[i, j]
                a[i, i] += 1.0
            if not lu_factor(a, piv):
                h *= 0.25
                if h < 1e-12:
                    return row, STATUS_SINGULAR, n_rhs, kind
                continue
            k1 = lu_solve(a, piv, F0 + hd * Tu)
            y1 = v + 0.5 * h * k1
            F1, _, dlny1, _, _, _, _ = evaluate(u + 0.5 * h, y1, kind, prob, S1, w1)
            k2 = lu_solve(a, piv, F1 - k1) + k1
            vn = v + h * k2
            F2, lny2, dlny2, lnyeq2, Ht2, gtot2, _ = evaluate(u + h, vn, kind, prob, S2, w2)
            n_rhs += 2
            k3 = lu_solve(a, piv, F2 - _E32 * (k2 - F1) - 2.0 * (k1 - F0) + hd * Tu)
            e = h / 6.0 * (k1 - 2.0 * k2 + k3)
            err = _error_norm(e, w2[0, :n], vol, rtol, par[P_ERR_FLOOR])
            lam_new = lam + h * dlny1  # explicit midpoint for λ = ln Y (annihilation only)
            if kind != KIND_DEV:
                err = max(err, abs(h / 6.0 * (dlny - 2.0 * dlny1 + dlny2)) / rtol)
            ok = math.isfinite(err) and math.isfinite(lny2)
            for j in range(n):
                ok = ok and math.isfinite(vn[j])
            if not ok:
                err = 1e10
            if err <= 1.0:
                break
            h *= max(0.2, 0.9 * err ** (-1.0 / 3.0))
            if h < 1e-12:
                return row, STATUS_STEP_UNDERFLOW, n_rhs, kind
        u_prev = u
        u += h
        v = vn
        S, S2, Sp = S2, Sp, S
        work, w2 = w2, work
        if kind != KIND_DEV:  # project f onto the carried ln Y (same kernel: no rebuild)
            shift = lam_new - lny2
            for j in range(n):
                v[j] += shift
            F2, lny2, dlny2, lnyeq2, Ht2, gtot2, _ = evaluate(u, v, kind, prob, S, work, False)
            n_rhs += 1
            lam = lam_new
        F0 = F2
        lny, dlny, lnyeq, Ht, gtot = lny2, dlny2, lnyeq2, Ht2, gtot2
        h *= min(5.0, 0.9 * max(err, 1e-6) ** (-1.0 / 3.0))
    for j in range(n):
        f_out[j] = work[0, j]
    return row, status, n_rhs, kind
