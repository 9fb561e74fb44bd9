"""Full phase-space Boltzmann equation (fBE) for χ: the reference that tests the cBE's Maxwellian
closure (Binder, Bringmann, Gustafsson & Hryczuk arXiv:1706.07433; DRAKE arXiv:2103.01944).

Equations, discretisation and checks: docs/relic.md#fbe. The compiled kernels and the stiff
integrator are in ``physics._fbe_core``; this module builds one parameter point's inputs:

- the background table G(s) = ∫^s σ(s′) s′ β(s′) ds′ with a narrow s-channel pole taken out and
  handled exactly in rapidity (:func:`g_table`);
- the momentum grid (:func:`momentum_grid`): comoving q̂ = p/T̂, T̂ ∝ h_eff^{1/3} T ∝ 1/a, cells of
  width ≤ 2 x_f √|δ| / ``fine_cells`` where the resonant relative momentum sits, growing
  geometrically to the thermal scale;
- the start before kinetic decoupling, x₀ = min(3, x_kd/2), with the elastic term on.

Public entry: :func:`solve_fbe` (called by ``physics.relic.omega_h2(method="fbe")``, which turns
its :class:`FBESolution` into a :class:`~physics.relic.RelicResult`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _fbe_core as core
from ._relic_common import (
    FLAG_FBE_GRID_TRUNCATED,
    FLAG_KINETIC_EQUILIBRIUM_ASSUMED,
    FLAG_NOT_FROZEN,
    X_START_FBE,
    X_START_MIN,
    default_start,
)
from .annihilation import _GL_W, _GL_X, _geometric_edges
from .model import check_positive
from .thermo import ThermoTable

FloatArray = NDArray[np.float64]

CORE_FRACTION = 0.05
"""Half-width of the exactly treated pole core: W = CORE_FRACTION · (m_a² − 4m_χ²)."""
CORE_MIN_WIDTHS = 10.0
"""…used only if W ≥ CORE_MIN_WIDTHS · m_aΓ_a (else the pole is resolved inside G)."""
X_TIGHT_REF = 3.0
"""Under tight coupling the grid follows the thermal width k ∝ q/√x from x = X_TIGHT_REF on."""
EDGE_FRACTION_MAX = 1e-3
"""If more than this fraction of the particles sits in the top 10 % of the momentum range (at the
start or the end), the run is repeated with 15 more e-folds of equilibrium tail in the grid; if
it still does, the result is flagged ``fbe_grid_truncated``."""


@dataclass(frozen=True)
class FBEOptions:
    """Numerical settings of the fBE (all dimensionless).

    cells : resolution multiplier (2 halves every cell width).
    fine_cells : cells across the resonant relative momentum 2 x_f √|δ| (before ``cells``).
    growth : cells per e-fold of momentum where the grid grows geometrically.
    coarse : cell width in the thermal bulk and tail, in units of the thermal width √x_f of q = p/T
        at freeze-out.
    q_max : top of the grid in q̂ (default from the start temperature, x_f and δ).
    tail : the grid keeps the bulk cell width up to where f_eq(x_f) has fallen by e^{−tail}…
    top : …and extends (growing cells) to e^{−top} (resonant depletion leaves the relic there).
    h_dev : largest step in ln x before chemical freeze-out (twice that before x_f/3).
    h_max : largest step in ln x after chemical freeze-out.
    err_floor : cells holding less than this share of the particles get a looser error test.
    """

    cells: float = 1.0
    fine_cells: float = 8.0
    growth: float = 10.0
    coarse: float = 0.05
    q_max: float | None = None
    tail: float = 15.0
    top: float = 25.0
    h_dev: float = 0.05
    h_max: float = 0.25
    err_floor: float = 1e-5

    @classmethod
    def from_dict(cls, opts: dict[str, Any] | None) -> FBEOptions:
        """Validated options; an unknown key or a bad value raises ValueError naming it."""
        opts = dict(opts or {})
        known = {f for f in cls.__dataclass_fields__}
        for key in opts:
            if key not in known:
                raise ValueError(f"unknown fbe_options key {key!r}; allowed: {sorted(known)}")
        out = {}
        for key, val in opts.items():
            if key == "q_max" and val is None:
                continue
            out[key] = check_positive(f"fbe_options[{key!r}]", val)
        return cls(**out)


@dataclass(frozen=True)
class FBEProblem:
    """One parameter point for the fBE.

    m_chi [GeV], dof (internal states), sigma(s) [GeV⁻²] (χχ̄ → SM, vectorised), pole = (M, Γ)
    in GeV of an s-channel resonance or None, delta = (M² − 4m²)/(4m²) (nan without a pole),
    gamma(T) [GeV] the momentum-transfer rate (None: no elastic scattering), x_kd where γ = H,
    x_f the freeze-out estimate (from the nBE), thermo the SM table.
    """

    m_chi: float
    dof: float
    sigma: Callable[[FloatArray], FloatArray]
    pole: tuple[float, float] | None
    delta: float
    gamma: Callable[[FloatArray], FloatArray] | None
    x_kd: float
    x_f: float
    thermo: ThermoTable


@dataclass(frozen=True)
class FBESolution:
    """Raw fBE output (per accepted step) and diagnostics."""

    x: FloatArray
    lnY: FloatArray
    lnYeq: FloatArray
    T_chi_over_T: FloatArray
    dlnY_dlnx_end: float
    q_end: FloatArray
    f_end: FloatArray
    x_start: float
    flags: tuple[str, ...]
    status: int
    info: dict[str, Any] = field(default_factory=dict)


def narrow_pole(m: float, pole: tuple[float, float] | None) -> bool:
    """True if there is no pole above threshold or it is narrow enough for the exact core
    (W = CORE_FRACTION (M² − 4m²) ≥ CORE_MIN_WIDTHS · MΓ): the fBE's validated domain."""
    if pole is None or pole[0] <= 2.0 * m or pole[1] <= 0.0:
        return True
    return CORE_FRACTION * (pole[0] ** 2 - 4.0 * m * m) >= CORE_MIN_WIDTHS * pole[0] * pole[1]


# --------------------------------------------------------------------------------------
# G(s) = ∫ σ s β ds table
# --------------------------------------------------------------------------------------
def g_table(
    sigma: Callable[[FloatArray], FloatArray], m: float, pole: tuple[float, float] | None, w_max: float
) -> tuple[FloatArray, FloatArray, FloatArray, float, float]:
    """Panel edges in w = s − 4m², G(w) at the edges and G′ = σ s β there, plus the exactly
    treated pole core: (edges, G, dG, Π, W) with Π = ∫_{|s−M²|<W} σ s β ds (0 if no core).

    Gauss–Legendre panels, geometric from threshold and on both sides of the pole (the
    construction of physics.annihilation.resonance_nodes); the core is left out of G."""
    s0 = 4.0 * m * m

    def gprime(w: FloatArray) -> FloatArray:
        s = s0 + w
        return np.asarray(sigma(s), dtype=float) * s * np.sqrt(w / s)

    w_min = 1e-14 * s0
    pieces: list[FloatArray] = []
    core_pi, window = 0.0, 0.0
    M, width = pole if pole is not None else (0.0, 0.0)
    mg = M * width
    if M > 2.0 * m and mg > 0.0 and M * M - s0 > 4.0 * mg:
        w_pole = M * M - s0
        d_c = 0.5 * w_pole
        window = CORE_FRACTION * w_pole
        if window < CORE_MIN_WIDTHS * mg:  # broad: resolve the pole inside G
            window = 0.0
            d_lo = min(mg, 0.5 * d_c)
        else:
            d_lo = window
            core_pi = _core_integral(gprime, w_pole, mg, window)
        near = _geometric_edges(d_lo, d_c)
        pieces += [_geometric_edges(w_min, w_pole - d_c), w_pole - near[::-1], w_pole + near]
        top = w_pole + d_c
        pieces.append(top + _geometric_edges(d_c, max(w_max, 4.0 * d_c)) - d_c)
        if window == 0.0:
            pieces.append(np.array([w_pole]))
    else:
        pieces.append(_geometric_edges(w_min, max(w_max, 10.0 * w_min)))
    edges = np.unique(np.concatenate(pieces))
    a, b = edges[:-1, None], edges[1:, None]
    half = 0.5 * (b - a)
    integral = np.sum(half * _GL_W * gprime(0.5 * (a + b) + half * _GL_X), axis=1)
    dG = gprime(edges)
    if core_pi > 0.0:  # the core is handled exactly: no background inside it
        w_pole = M * M - s0
        inside = (a[:, 0] >= w_pole - window * (1 + 1e-12)) & (b[:, 0] <= w_pole + window * (1 + 1e-12))
        integral[inside] = 0.0
        dG[(edges > w_pole - window * (1 - 1e-12)) & (edges < w_pole + window * (1 - 1e-12))] = 0.0
    G = np.concatenate([[0.0], np.cumsum(integral)]) + dG[0] * edges[0]  # [0, w_min]: G′ const
    return edges, G, dG, core_pi, window


def _core_integral(
    gprime: Callable[[FloatArray], FloatArray], w_pole: float, mg: float, window: float
) -> float:
    """∫_{|w − w_pole| < window} σ s β dw with w = w_pole + mΓ tan θ (flat in θ at the peak)."""
    th_max = math.atan(window / mg)
    edges = np.linspace(-th_max, th_max, 7)
    a, b = edges[:-1, None], edges[1:, None]
    half = 0.5 * (b - a)
    th = 0.5 * (a + b) + half * _GL_X
    vals = gprime(w_pole + mg * np.tan(th)) * mg / np.cos(th) ** 2
    return float(np.sum(half * _GL_W * vals))


# --------------------------------------------------------------------------------------
# momentum grid
# --------------------------------------------------------------------------------------
def momentum_grid(d_fine: float, growth: float, coarse: float, q_bulk: float, q_max: float) -> FloatArray:
    """Cell faces 0 = k_{½} < … in q̂: width max(d_fine, min(k/growth, coarse)) up to q_bulk,
    then growing by 1/(2·growth) per unit of q̂ (geometric in the tail)."""
    faces = [0.0]
    k = 0.0
    while k < q_max:
        d = max(d_fine, min(k / growth, coarse + max(0.0, k - q_bulk) / (2.0 * growth)))
        k += d
        faces.append(k)
    return np.asarray(faces)


def _grid_for(problem: FBEProblem, x0: float, opts: FBEOptions, r_f: float, tight: bool) -> FloatArray:
    """Faces of the default grid for ``problem`` (docs/relic.md#fbe)."""
    x_f = problem.x_f
    coarse = opts.coarse * math.sqrt(x_f) / (r_f * opts.cells)  # in q̂
    growth = opts.growth * opts.cells
    if math.isfinite(problem.delta) and problem.delta != 0.0:
        w_res = 2.0 * x_f * math.sqrt(abs(problem.delta)) / r_f  # resonant relative momentum at x_f
        d_fine = min(coarse, w_res / (opts.fine_cells * opts.cells))
        reach = x_f * math.sqrt(max(problem.delta, 0.0)) / r_f  # head-on resonant pairs at x_f
    else:
        d_fine, reach = coarse, 0.0
    if tight:  # k ∝ q/√x beyond X_TIGHT_REF: a Maxwellian at T keeps its width in k
        x_ref = max(x0, X_TIGHT_REF)
        q_max = opts.q_max or math.sqrt((x_ref + 27.0) ** 2 - x_ref * x_ref) / r_f
        return momentum_grid(min(d_fine, 0.5 * coarse), growth, 0.5 * coarse, q_max, q_max)
    q_eq0 = math.sqrt((x0 + 27.0) ** 2 - x0 * x0)  # e^{−27}: the start distribution
    q_top = math.sqrt(2.0 * opts.top * x_f) / r_f  # f_eq(x_f) tail ∝ e^{−top}
    q_max = opts.q_max or max(q_eq0, q_top, reach + 5.0 * math.sqrt(x_f) / r_f)
    q_uni = max(math.sqrt(2.0 * opts.tail * x_f) / r_f, reach + 3.0 * math.sqrt(x_f) / r_f)
    return momentum_grid(d_fine, growth, coarse, q_uni, q_max)


# --------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------
def start_x(problem: FBEProblem) -> tuple[float, tuple[str, ...]]:
    """Default x₀ = min(3, x_kd/2) (≥ X_START_MIN; flagged if x_kd/2 is earlier than that)."""
    if not math.isfinite(problem.x_kd) or problem.x_kd <= 0.0:  # no elastic rate
        return max(X_START_MIN, min(X_START_FBE, problem.x_f / 6.0)), ()
    return default_start(problem.x_kd, X_START_FBE)


@dataclass(frozen=True)
class _System:
    """Compiled-kernel inputs of one fBE run (docs/relic.md#fbe)."""

    par: FloatArray
    faces: FloatArray
    kc: FloatArray
    vol: FloatArray
    edges: FloatArray
    G: FloatArray
    dG: FloatArray
    eta_k: FloatArray
    w_k: FloatArray
    lngam: FloatArray
    thermo: ThermoTable
    u0: float
    tight: bool
    window: float

    def rates(self, x: float, lnf: FloatArray) -> dict[str, FloatArray]:
        """Diagnostics at x for ln f on the grid: Γ[f], Γ[f_eq] [GeV], dℓ/du, q, ε, and the
        deviation-variable right-hand side dv/du (v = ℓ + ε)."""
        n = self.kc.size
        u = math.log(x)
        S = np.empty((n, n))
        work = np.empty((10, n + 1))
        eps = np.sqrt((self.kc * math.exp(core.frame(u, self.par, *self._th())[5])) ** 2 + x * x)
        out = core.evaluate(u, lnf + eps, core.KIND_DEV, self.kernel_inputs(), S, work)
        return {
            "Ht": out[4],
            "gamma": work[4, :n].copy(),
            "gamma_eq": work[5, :n].copy(),
            "dlnf_du": work[7, :n].copy(),
            "q": work[1, :n].copy(),
            "eps": work[2, :n].copy(),
            "dv_du": out[0],
        }

    def _th(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        return self.thermo.breaks, self.thermo.coef_lnh, self.thermo.coef_lng

    def kernel_inputs(self) -> tuple[FloatArray, ...]:
        """The run's inputs in the order ``core.solve`` and ``core.evaluate`` take them (``prob``)."""
        grid = (self.kc, self.faces, self.vol, self.edges, self.G, self.dG, self.eta_k, self.w_k, self.lngam)
        return (self.par, *self._th(), *grid)


def assemble(
    problem: FBEProblem,
    x0: float,
    *,
    gamma_multiplier: float = 1.0,
    tight_factor: float = 0.0,
    rtol: float = 1e-4,
    freeze_tol: float = 1e-5,
    x_min_end: float = 1e3,
    x_max: float = 1e9,
    options: FBEOptions | None = None,
) -> _System:
    """Grid, G table, pole core, γ table and parameter vector for a run starting at x0."""
    opts = options or FBEOptions()
    tab = problem.thermo
    m = problem.m_chi
    tight = tight_factor > 0.0
    u0 = math.log(x0)
    lnh_ref = float(np.log(tab.h_eff(m / x0)))
    r_f = float(np.cbrt(tab.h_eff(m / problem.x_f) / tab.h_eff(m / x0)))
    faces = _grid_for(problem, x0, opts, r_f, tight)
    kc = 0.5 * (faces[:-1] + faces[1:])
    vol = (faces[1:] ** 3 - faces[:-1] ** 3) / 3.0
    w_max = 4.0 * m * m * math.sinh(2.0 * math.asinh(float(faces[-1]) / x0)) ** 2 * 1.5
    edges, G, dG, core_pi, window = g_table(problem.sigma, m, problem.pole, w_max)
    if core_pi > 0.0:
        M = problem.pole[0]  # type: ignore[index]
        eta_k = np.array([math.acosh(M * M / (2.0 * m * m) - 1.0)])
        w_k = np.array([problem.dof * core_pi / (16.0 * math.pi**2 * m)])
    else:
        eta_k = np.empty(0)
        w_k = np.empty(0)
    gu = np.linspace(u0 - 0.5, math.log(max(x_max, 10.0 * x0)), 400)
    if problem.gamma is not None:
        lngam = np.log(np.maximum(np.asarray(problem.gamma(m / np.exp(gu)), dtype=float), 1e-300))
    else:
        lngam = np.full(gu.size, -1e300)  # no elastic scattering
    par = np.zeros(core.N_PAR)
    par[core.P_M], par[core.P_DOF], par[core.P_LNH_REF] = m, problem.dof, lnh_ref
    par[core.P_U_REF] = math.log(max(x0, X_TIGHT_REF))
    par[core.P_TIGHT_GRID] = 1.0 if tight else 0.0
    par[core.P_GSCALE], par[core.P_TIGHT] = gamma_multiplier, tight_factor
    par[core.P_GU0], par[core.P_GH] = gu[0], gu[1] - gu[0]
    par[core.P_H_DEV], par[core.P_H_MAX] = opts.h_dev, opts.h_max
    par[core.P_X_SLOW] = problem.x_f / 3.0
    par[core.P_RTOL], par[core.P_FREEZE] = rtol, freeze_tol
    par[core.P_U_MIN_END], par[core.P_U_MAX] = math.log(x_min_end), math.log(x_max)
    par[core.P_ERR_FLOOR] = opts.err_floor
    return _System(par, faces, kc, vol, edges, G, dG, eta_k, w_k, lngam, tab, u0, tight, window)


def solve_fbe(
    problem: FBEProblem,
    *,
    gamma_multiplier: float = 1.0,
    tight_factor: float = 0.0,
    rtol: float = 1e-4,
    x_start: float | None = None,
    freeze_tol: float = 1e-5,
    x_min_end: float = 1e3,
    x_max: float = 1e9,
    options: FBEOptions | None = None,
    max_rows: int = 20000,
) -> FBESolution:
    """Integrate the fBE for ``problem`` from equilibrium at x₀ until its own Y is frozen
    (|d ln Y/d ln x| < freeze_tol at x ≥ x_min_end; the remaining ∝ 1/x tail is added by the caller).
    If the distribution reaches the top of the momentum grid, one rerun with a wider grid.

    tight_factor > 0 adds tight_factor·H to γ (tight coupling; the grid then follows the
    thermal width, with a conservative drift term). Returns the evolution of Y, Y_eq and
    T_χ/T = ⟨p²/(3E)⟩/T, the final distribution and flags."""
    opts = options or FBEOptions()
    kw = dict(gamma_multiplier=gamma_multiplier, tight_factor=tight_factor, rtol=rtol, x_start=x_start)
    kw.update(freeze_tol=freeze_tol, x_min_end=x_min_end, x_max=x_max, max_rows=max_rows)
    sol = _solve_once(problem, options=opts, **kw)  # type: ignore[arg-type]
    if sol.info["edge_fraction"] > EDGE_FRACTION_MAX and opts.q_max is None:
        wider = replace(opts, tail=opts.tail + 15.0, top=opts.top + 15.0)
        sol = _solve_once(problem, options=wider, **kw)  # type: ignore[arg-type]
        sol.info["widened"] = True
    if sol.info["edge_fraction"] > EDGE_FRACTION_MAX:
        sol = replace(sol, flags=(*sol.flags, FLAG_FBE_GRID_TRUNCATED))
    return sol


def _solve_once(
    problem: FBEProblem,
    *,
    gamma_multiplier: float,
    tight_factor: float,
    rtol: float,
    x_start: float | None,
    freeze_tol: float,
    x_min_end: float,
    x_max: float,
    options: FBEOptions,
    max_rows: int,
) -> FBESolution:
    flags: tuple[str, ...] = ()
    if x_start is None:
        x0, flags = start_x(problem)
    else:
        x0 = check_positive("x_start", x_start)
        if math.isfinite(problem.x_kd) and x0 > 0.5 * problem.x_kd and tight_factor == 0.0:
            flags = (FLAG_KINETIC_EQUILIBRIUM_ASSUMED,)
    sys = assemble(
        problem, x0, gamma_multiplier=gamma_multiplier, tight_factor=tight_factor, rtol=rtol,
        freeze_tol=freeze_tol, x_min_end=x_min_end, x_max=x_max, options=options,
    )  # fmt: skip
    tab, m, kc, faces, vol = problem.thermo, problem.m_chi, sys.kc, sys.faces, sys.vol
    out = np.empty((max_rows, 5))
    f_out = np.empty(kc.size)
    rows, status, n_rhs, _ = core.solve(sys.kernel_inputs(), sys.u0, out, f_out)
    u, lnY, t_ratio, dlny, lnYeq = out[:rows].T
    x = np.exp(u)
    x_end = float(x[-1])
    if sys.tight:
        lrs = 0.5 * (u[-1] - sys.u0)
    else:
        lrs = (math.log(float(tab.h_eff(m / x_end))) - sys.par[core.P_LNH_REF]) / 3.0
    if status != core.STATUS_OK:
        flags += (f"integrator_status_{status}",)
    if u[-1] >= math.log(x_max) and abs(dlny[-1]) >= freeze_tol:
        flags += (FLAG_NOT_FROZEN,)
    edge = _edge_fraction(faces, kc, vol, f_out, x0)
    info = {
        "n_cells": int(kc.size),
        "q_max": float(faces[-1]),
        "d_fine": float(faces[1]),
        "n_steps": int(rows - 1),
        "n_rhs": int(n_rhs),
        "pole_core_halfwidth": float(sys.window),
        "edge_fraction": float(edge),
    }
    return FBESolution(
        x=x,
        lnY=lnY,
        lnYeq=lnYeq,
        T_chi_over_T=t_ratio,
        dlnY_dlnx_end=float(dlny[-1]),
        q_end=kc * math.exp(lrs),
        f_end=np.exp(f_out),
        x_start=x0,
        flags=flags,
        status=int(status),
        info=info,
    )


def _edge_fraction(
    faces: FloatArray, kc: FloatArray, vol: FloatArray, lnf_end: FloatArray, x0: float
) -> float:
    """Largest share of the particles in the top 20 % of the momentum range (start or end)."""
    top = faces[1:] > 0.8 * faces[-1]
    n_end = vol * np.exp(lnf_end - lnf_end.max())
    n_start = vol * np.exp(-(np.sqrt(kc * kc + x0 * x0) - x0))
    return float(max(n_end[top].sum() / n_end.sum(), n_start[top].sum() / n_start.sum()))


__all__ = [
    "FBEOptions",
    "FBEProblem",
    "FBESolution",
    "assemble",
    "g_table",
    "momentum_grid",
    "narrow_pole",
    "solve_fbe",
]
