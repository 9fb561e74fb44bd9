"""The g_aWW band that explains the Belle II excess, with its experimental and theory errors.

For each ALP mass m_a (with m_χ = m_a/(2√(1+δ)) and g_aχχ fixed) the band is the set of g_aWW
for which the Belle II signal BR(B⁺→K⁺a)·P_inv lies inside the target band
(:func:`physics.targets.belle2_target`). P_inv depends on g_aWW through the ALP's lifetime and
BR(a→χχ̄) (:func:`physics.decays.p_invisible_kernel`, detector radius ``r_max``), so each edge
is the smallest root of BR(g)·P_inv(g) = T (the long-lived branch: the ALP escapes), found by
a log-grid scan and bisection; no root (a short-lived photon-only ALP that cannot escape often
enough) gives NaN.

``theory=True`` widens the target band by the theory errors on BR(B→Ka) at fixed g_aWW, added
in quadrature (linearised; checked against sampling in ``tests/physics/test_band.py``):

- the B→K f₀ BCL coefficients with their correlations (flavio 2.7.1, exact linear σ of f₀:
  :func:`physics.formfactors.f0_B_to_K_sigma`; BR ∝ f₀², so σ_BR/BR = 2σ_f₀/f₀);
- the top-mass scheme of the W loop: the full difference between the pole (172.57 GeV) and
  MS-bar (162.5 GeV) mass, −11.4 % in BR, taken as a symmetric 1σ;
- the SM prediction's error enters the "excess" target (ΔBR = BR_meas − BR_SM) by definition
  (0.37×10⁻⁶ in quadrature with the Belle II errors, a 0.2 % effect); the two-body fit's band
  already includes the SM background it was fitted with.

Definitions and numbers: ``docs/physics.md#band-uncertainties``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C
from .decays import p_invisible_kernel
from .flavour import br_B_to_K_a, g_aWW_for_br_B_to_K_a
from .formfactors import f0_B_to_K, f0_B_to_K_sigma
from .limits import point_arrays
from .targets import M_MAX_B_TO_K, TARGET_CHOICES, TargetSource, belle2_target

FloatArray = NDArray[np.float64]

_SCAN_STEPS = np.concatenate([[0.0, 0.01, 0.05, 0.15, 0.3], np.arange(0.5, 8.01, 0.5)])
"""ln(g/g₁) scanned for the first root, g₁ the solution at P_inv = 1 (g/g₁ ≤ e⁸: BR ≤ 1);
fine near 0, where the roots of an ALP decaying to χχ̄ (P_inv ≈ BR_inv ≈ 1) lie."""
_MAX_REFINE = 60
_TOL = 1e-11
"""Root-bracket width in ln g_aWW at which the refinement stops."""


@dataclass(frozen=True)
class GaWWBand:
    """g_aWW [GeV⁻¹] explaining the Belle II target, per ALP mass m_a [GeV].

    ``lower``/``central``/``upper``: the band (with the theory errors when ``theory``);
    ``exp_lower``/``exp_upper``: the target band alone (experimental; equal to lower/upper
    when ``theory`` is False), so a plot can shade the theory part differently.
    NaN where B⁺→K⁺a is closed, the target is undefined, or no g_aWW reaches the target;
    0 for a lower edge whose target is 0 (an n_sigma large enough to reach ΔBR = 0).
    """

    m_a: FloatArray
    lower: FloatArray
    central: FloatArray
    upper: FloatArray
    exp_lower: FloatArray
    exp_upper: FloatArray
    delta: float
    g_achi: float
    target: str
    n_sigma: float
    theory: bool
    r_max: float

    def columns(self) -> dict[str, FloatArray]:
        """The arrays by column name (e.g. for a CSV export)."""
        return {
            "m_a_GeV": self.m_a,
            "g_aWW_lower": self.lower,
            "g_aWW_central": self.central,
            "g_aWW_upper": self.upper,
            "g_aWW_exp_lower": self.exp_lower,
            "g_aWW_exp_upper": self.exp_upper,
        }


def theory_relative_error(m_a: ArrayLike) -> FloatArray:
    """1σ relative theory error on BR(B⁺→K⁺a) at fixed g_aWW: f₀ (BCL) ⊕ top-mass scheme."""
    ma = np.asarray(m_a, dtype=float)
    inside = (ma > 0) & (ma < M_MAX_B_TO_K)
    q2 = np.where(inside, ma, 0.0) ** 2
    f0_part = 2.0 * f0_B_to_K_sigma(q2) / f0_B_to_K(q2)
    g_ref = 1e-4
    pole = np.asarray(br_B_to_K_a(np.where(inside, ma, 1.0), g_ref))
    msbar = np.asarray(br_B_to_K_a(np.where(inside, ma, 1.0), g_ref, m_top=C.M_TOP_MSBAR))
    top_part = np.abs(msbar / pole - 1.0)
    return np.where(inside, np.hypot(f0_part, top_part), np.nan)


def g_aWW_band(
    m_a: ArrayLike,
    delta: float,
    g_achi: float,
    *,
    target: str = "excess",
    n_sigma: float = 1.0,
    theory: bool = False,
    r_max: float = C.BELLE2_R_MAX_M,
    source: TargetSource = "altmannshofer2023",
) -> GaWWBand:
    """g_aWW band [GeV⁻¹] for which BR(B⁺→K⁺a)·P_inv hits the Belle II target, vectorised in m_a.

    ``delta`` = (m_a² − 4m_χ²)/(4m_χ²) (> −1) and ``g_achi`` [GeV⁻¹] fix the DM side; ``target``
    is "excess" or "two_body_fit" (``source`` as for :func:`physics.belle2_target`);
    ``n_sigma`` scales the 1σ errors; ``theory`` adds the f₀ and top-mass-scheme errors;
    ``r_max`` [m] is the Belle II radius inside which a decay is visible (default 1 m).
    ``ValueError`` for a bad argument.
    """
    ma = _check_inputs(m_a, delta, g_achi, target, n_sigma, r_max)
    shape = ma.shape
    ma = ma.ravel()
    central, low, high = _target(ma, target, n_sigma, source)
    targets = [central, low, high]
    if theory:
        c1, lo1, hi1 = _target(ma, target, 1.0, source)
        th = central * theory_relative_error(ma)
        targets += [
            np.clip(central - n_sigma * np.hypot(c1 - lo1, th), 0.0, None),
            central + n_sigma * np.hypot(hi1 - c1, th),
        ]
    m_chi = ma / (2.0 * math.sqrt(1.0 + delta))
    stacked = np.stack(targets)
    g = solve_g_aWW(ma, m_chi, g_achi, stacked, r_max)
    g = np.where((stacked == 0.0) & np.isfinite(g[0]), 0.0, g)  # a lower target of 0: no lower bound
    g_c, g_lo, g_hi = g[0], g[1], g[2]
    full_lo, full_hi = (g[3], g[4]) if theory else (g_lo, g_hi)
    return GaWWBand(
        *(v.reshape(shape) for v in (ma, full_lo, g_c, full_hi, g_lo, g_hi)),
        delta=float(delta),
        g_achi=float(g_achi),
        target=target,
        n_sigma=float(n_sigma),
        theory=bool(theory),
        r_max=float(r_max),
    )


def _target(ma: FloatArray, target: str, n_sigma: float, source: TargetSource) -> list[FloatArray]:
    """(central, low, high) of the Belle II target band, flattened."""
    band = belle2_target(ma, target, n_sigma=n_sigma, source=source)  # type: ignore[arg-type]
    return [np.asarray(v, dtype=float).ravel() for v in band]


def solve_g_aWW(
    m_a: FloatArray, m_chi: FloatArray, g_achi: float, target: FloatArray, r_max: float
) -> FloatArray:
    """Smallest g_aWW with BR(B⁺→K⁺a)·P_inv(g_aWW) = ``target``, vectorised.

    ``m_a``, ``m_chi`` have shape (N,), ``target`` (K, N); returns (K, N). P_inv decreases with
    g_aWW, so the solution at P_inv = 1, g₁, bounds the root from below; the mismatch
    h = ln g_needed(P_inv(g)) − ln g (≥ 0 at g₁) is scanned upwards in ln(g/g₁) for its first
    sign change, each point only while no bracket is found, and the bracket refined with the
    Illinois method. NaN where there is no root.
    """
    k, n = target.shape
    mm = np.broadcast_to(m_a, (k, n)).ravel()
    mc = np.broadcast_to(m_chi, (k, n)).ravel()
    tg = np.asarray(target, dtype=float).ravel()
    with np.errstate(all="ignore"):
        g1 = np.asarray(g_aWW_for_br_B_to_K_a(mm, tg))
    ok = np.isfinite(g1) & (g1 > 0)
    g1 = np.where(ok, g1, 1e-6)

    def mismatch(idx: NDArray[np.intp], step: FloatArray) -> FloatArray:
        """h at g = g₁ e^{step} for the points ``idx``: > 0 below the root, < 0 beyond it."""
        g = g1[idx] * np.exp(step)
        p = point_arrays(mm[idx], g, mc[idx], g_achi)
        p_inv = p_invisible_kernel(mm[idx], p.br_inv, p.ctau_m, r_max_m=r_max)
        with np.errstate(all="ignore"):
            out = np.log(np.asarray(g_aWW_for_br_B_to_K_a(mm[idx], tg[idx], p_inv)) / g)
        return np.where(np.isnan(out), np.inf, out)

    size = k * n
    a, b = np.zeros(size), np.full(size, np.nan)
    fa, fb = np.full(size, np.inf), np.full(size, np.nan)
    open_ = ok.copy()
    idx = np.flatnonzero(open_)
    fa[idx] = mismatch(idx, np.zeros(idx.size))
    at_g1 = ok & (np.abs(fa) <= _TOL)  # P_inv = 1 at g₁ (to rounding): g₁ is the root
    open_ &= ~at_g1
    for step in _SCAN_STEPS[1:]:
        idx = np.flatnonzero(open_)
        if idx.size == 0:
            break
        h = mismatch(idx, np.full(idx.size, step))
        neg = h < 0
        b[idx[neg]], fb[idx[neg]] = step, h[neg]
        a[idx[~neg]], fa[idx[~neg]] = step, h[~neg]
        open_[idx[neg]] = False
    bracketed = ok & np.isfinite(b) & ~at_g1
    root = np.where(at_g1, 0.0, np.nan)
    idx = np.flatnonzero(bracketed)
    root[idx] = _illinois(mismatch, idx, a[idx], b[idx], fa[idx], fb[idx])
    return np.where(np.isfinite(root), g1 * np.exp(root), np.nan).reshape(k, n)


def _illinois(
    f, idx: NDArray[np.intp], a: FloatArray, b: FloatArray, fa: FloatArray, fb: FloatArray
) -> FloatArray:
    """Vectorised Illinois (modified regula falsi) on brackets f(a) ≥ 0 > f(b) of the points
    ``idx``; bisection where f(a) is infinite. Each point stops once its bracket is narrower
    than :data:`_TOL` (only the others are evaluated again)."""
    side = np.zeros(a.shape, dtype=int)
    live = np.flatnonzero(b - a > _TOL)
    for _ in range(_MAX_REFINE):
        if live.size == 0:
            break
        al, bl, fal, fbl = a[live], b[live], fa[live], fb[live]
        with np.errstate(all="ignore"):
            falsi = bl - fbl * (bl - al) / (fbl - fal)
        use = np.isfinite(fal) & np.isfinite(falsi) & (falsi > al) & (falsi < bl)
        c = np.where(use, falsi, 0.5 * (al + bl))
        fc = f(idx[live], c)
        left = fc >= 0  # the root is in [c, b]
        sl = side[live]
        # Illinois: halve the value kept at the stale end when the same end moves twice
        fb[live] = np.where(left, np.where(sl == 1, 0.5 * fbl, fbl), fc)
        fa[live] = np.where(left, fc, np.where(sl == -1, 0.5 * fal, fal))
        a[live] = np.where(left, c, al)
        b[live] = np.where(fc == 0, c, np.where(left, bl, c))  # an exact root closes the bracket
        side[live] = np.where(left, 1, -1)
        live = live[b[live] - a[live] > _TOL]
    return 0.5 * (a + b)


def _check_inputs(
    m_a: ArrayLike, delta: float, g_achi: float, target: str, n_sigma: float, r_max: float
) -> FloatArray:
    try:
        ma = np.asarray(m_a, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"m_a must be an array of masses in GeV, got {m_a!r}") from None
    if ma.size == 0 or not (np.all(np.isfinite(ma)) and np.all(ma > 0)):
        raise ValueError(f"m_a must be finite and > 0 GeV, got {m_a!r}")
    for name, value in (("delta", delta), ("g_achi", g_achi), ("n_sigma", n_sigma), ("r_max", r_max)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
            raise ValueError(f"{name} must be a real number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
    if delta <= -1.0:
        raise ValueError(f"delta must be > -1, got {delta!r}")
    if g_achi < 0.0:
        raise ValueError(f"g_achi must be >= 0 GeV⁻¹, got {g_achi!r}")
    if target not in TARGET_CHOICES:
        raise ValueError(f"target must be one of {TARGET_CHOICES}, got {target!r}")
    if n_sigma <= 0.0:
        raise ValueError(f"n_sigma must be > 0, got {n_sigma!r}")
    if r_max <= 0.0:
        raise ValueError(f"r_max must be > 0 m, got {r_max!r}")
    return ma
