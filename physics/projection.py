"""The paper's projections: the jointly viable region in (m_a, g_aχχ) and δ*(m_a)
(arXiv:2504.00383, its Figs. of the viable band; docs/physics.md#viable-region).

For each node (m_a, g_aχχ) of a grid and each g_aWW inside the Belle II band
(:func:`physics.band.g_aWW_band`) at that m_a:

1. solve Ωh² = 0.120 for the detuning δ (:func:`physics.viable.delta_star`, every root, both
   signs); no root → the reason "relic: no solution …";
2. judge each root with :func:`physics.viable.viability` (Belle II ∧ relic ∧ measured limits ∧
   CMB ∧ scenario), reusing the Ωh² found by the root finder (no second relic solve).

The band depends on δ through m_χ (phase space of a → χχ̄ in P_inv), so g_aWW is taken from
the band at a nominal δ (:data:`DELTA_BAND_GUESS`) to solve for δ*, the band is recomputed at
each root and, if g_aWW moved by more than :data:`G_AWW_RTOL`, δ* is solved again near the
root with the corrected g_aWW (one correction; the Belle II criterion is then checked at the
final (δ*, g_aWW) anyway). A node with no band at the nominal δ fails with a "belle2" reason.

fBE: a full δ search costs ~20 fBE solves per point, so by default the fBE search is seeded
by the cBE (``fbe_seed="cbe"``): the band-corrected cBE roots (δ_c, g_c) are found first, then the
fBE δ* is searched at g_c only within a factor :data:`FBE_SEED_WINDOW` of δ_c on its side
(:data:`FBE_WIDE_WINDOW` if that holds no root), and g_aWW is re-banded at the fBE root only if
it moved by more than :data:`FBE_G_AWW_RTOL`. ``fbe_seed=None`` runs the full search. fBE roots
far from every cBE root are missed (the two differ by at most a factor ~3 in Ωh² near the pole,
which moves δ* by ~10 % on the resonance's steep flanks; docs/relic.md).

- :func:`projection_node` — one node (for callers that loop nodes themselves: scans, a
  background job with progress);
- :func:`viable_projection` — a whole grid → :class:`ViableProjection` (JSON-able for caching).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._relic_common import RelicResult
from .band import g_aWW_band
from .cmb import FLAG_HALO_POLE
from .constants import OMEGA_H2_PLANCK, OMEGA_H2_RELATIVE_TOLERANCE
from .model import ALPModel, check_mass, check_positive
from .targets import DEFAULT_TARGET, M_MAX_B_TO_K
from .viable import _check_criteria, _check_method, delta_star, viability

FloatArray = NDArray[np.float64]

DEFAULT_FRACTIONS: tuple[float, ...] = (0.0, 0.5, 1.0)
"""Where in the Belle II band g_aWW is taken: 0 the lower edge, 1 the upper, 0.5 the geometric
centre (log interpolation between the edges)."""
EDGE_INSET = 1e-2
"""Fractions 0 and 1 are moved this far inside the band (in log g_aWW), so that the Belle II
criterion is not decided by rounding at the band's exact edge."""
DELTA_BAND_GUESS = 0.1
"""Nominal δ of the first band evaluation (the band is re-evaluated at each δ*)."""
G_AWW_RTOL = 1e-6
"""Relative change of g_aWW (band at δ* versus at the nominal δ) above which δ* is re-solved."""
REFINE_WINDOW = 1.5
"""δ* is re-solved within a factor of this around the first root, on its side."""
FBE_SEED_WINDOW = 3.0
"""fBE δ* search window around each cBE root (factor in |δ|), on the root's side."""
FBE_WIDE_WINDOW = 10.0
"""The second, wider fBE window, searched when the first holds no root."""
FBE_G_AWW_RTOL = 1e-3
"""fBE: g_aWW is taken from the band at the cBE root; the fBE δ* is re-solved only if the band at
the fBE root differs by more than this (EDGE_INSET keeps the edges inside the band by more)."""
FBE_SEED_POINTS_PER_DECADE = 3.0
FBE_ONLY_OPTIONS = ("fbe_options", "rtol")
"""Options given for the fBE that the cBE seed search does not take (rtol means another
tolerance there)."""
"""Grid density of the seeded fBE search (log nodes per decade of |δ|)."""
REASON_KEYS = ("belle2", "relic", "limit", "cmb", "scenario")


def reason_key(reason: str) -> str:
    """The criterion of a reason string: "belle2", "relic", "limit:<key>", "cmb" or "scenario"
    ("" for no reason)."""
    if not reason:
        return ""
    head, _, rest = reason.partition(":")
    if head == "limit":
        return "limit:" + rest.partition(":")[0].strip()
    return head.strip()


@dataclass(frozen=True)
class Candidate:
    """One (g_aWW, δ*) tried at a node, with its verdict.

    slot : index of the g_aWW choice (band position or given coupling) it was started from.
    fraction : position in the Belle II band (NaN for a g_aWW given by the caller).
    g_aWW : the coupling judged [GeV⁻¹] (NaN: no band). delta : δ* (NaN: no root).
    omega_h2 : Ωh² at δ* by the method (NaN: no root). reasons : failed criteria (viability()).
    """

    slot: int
    fraction: float
    g_aWW: float
    delta: float
    omega_h2: float
    viable: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ProjectionNode:
    """Every candidate at one (m_a, g_aχχ) node (:func:`projection_node`)."""

    m_a: float
    g_achi: float
    method: str
    candidates: tuple[Candidate, ...]

    @property
    def viable(self) -> bool:
        return any(c.viable for c in self.candidates)

    @property
    def reason(self) -> str:
        """ "" if viable, else the first reason of the candidate closest to viable (fewest
        reasons; ties: the first tried)."""
        if self.viable or not self.candidates:
            return ""
        best = min(self.candidates, key=lambda c: len(c.reasons))
        return best.reasons[0] if best.reasons else ""

    def delta_range(self) -> tuple[float, float]:
        """(min, max) of the viable δ* (NaN, NaN if none)."""
        ds = [c.delta for c in self.candidates if c.viable]
        return (min(ds), max(ds)) if ds else (math.nan, math.nan)


def _check_fractions(fractions: Sequence[float]) -> tuple[float, ...]:
    out = tuple(float(f) for f in fractions)
    if not out or not all(math.isfinite(f) and 0.0 <= f <= 1.0 for f in out):
        raise ValueError(f"fractions must be a non-empty sequence of numbers in [0, 1], got {fractions!r}")
    return out


def _band_g(
    m_a: ArrayLike, delta: float, g_achi: float, fractions: tuple[float, ...], target: str, n_sigma: float
) -> FloatArray:
    """g_aWW at each fraction of the band, shape (len(m_a), len(fractions)) (NaN: no band)."""
    band = g_aWW_band(np.atleast_1d(np.asarray(m_a, float)), delta, g_achi, target=target, n_sigma=n_sigma)
    f = np.clip(np.asarray(fractions), EDGE_INSET, 1.0 - EDGE_INSET)
    with np.errstate(all="ignore"):
        lo, hi = np.log(band.lower)[:, None], np.log(band.upper)[:, None]
        out = np.exp(lo + f[None, :] * (hi - lo))
    return np.where(np.isfinite(out), out, np.nan)


def _relic_at(root: float, ds: Any, method: str) -> RelicResult:
    """A RelicResult carrying the root finder's Ωh² and flags at ``root`` (for viability())."""
    omega = dict(ds.samples).get(root, math.nan)
    flags = ds.root_flags[ds.roots.index(root)]
    nan = math.nan
    empty = np.empty(0)
    return RelicResult(
        omega_h2=float(omega),
        x_freeze_out=nan,
        T_kd=nan,
        x=empty,
        Y=empty,
        Y_eq=empty,
        T_chi_over_T=empty,
        method=method,
        flags=tuple(f for f in flags if f != FLAG_HALO_POLE),
    )


def _solve(
    m_a: float,
    g_aWW: float,
    g_achi: float,
    method: str,
    opts: dict[str, Any],
    window: tuple[float, float, float] | None = None,
) -> list[tuple[float, RelicResult]]:
    """δ* roots with their relic results: the full search, or only within
    ``window`` = (root, factor, points per decade) on that root's side."""
    searches: list[dict[str, Any]] = [{}]
    if window is not None:
        near, factor, ppd = window
        a = abs(near)
        searches = [
            {
                "abs_delta_min": a / factor,
                "abs_delta_max": a * factor,
                "signs": "positive" if near > 0 else "negative",
                "points_per_decade": ppd,
            }
        ]
    found: dict[float, RelicResult] = {}
    for extra in searches:
        kw = {**opts, **extra}
        if "abs_delta_min" in extra and "abs_delta_min" in opts:  # stay inside the caller's range
            kw["abs_delta_min"] = max(extra["abs_delta_min"], opts["abs_delta_min"])
        ds = delta_star(m_a, g_aWW, g_achi, method, **kw)
        for r in ds.roots:
            if not any(abs(r - q) <= 1e-6 * abs(r) for q in found):
                found[r] = _relic_at(r, ds, method)
    return sorted(found.items())


def _corrected_roots(
    m_a: float,
    g0: float,
    g_achi: float,
    method: str,
    opts: dict[str, Any],
    band_at: Callable[[float], float] | None,
    rtol: float,
) -> list[tuple[float, float, RelicResult]]:
    """(δ*, g_aWW, relic result): every root of the full search at g0, each with g_aWW corrected
    to the band at δ* (δ* re-solved near the root when g_aWW moved by more than ``rtol``)."""
    out = []
    for d, res in _solve(m_a, g0, g_achi, method, opts):
        out.append(_band_corrected(m_a, g0, g_achi, method, opts, band_at, rtol, d, res))
    return out


def _band_corrected(
    m_a: float,
    g: float,
    g_achi: float,
    method: str,
    opts: dict[str, Any],
    band_at: Callable[[float], float] | None,
    rtol: float,
    d: float,
    res: RelicResult,
) -> tuple[float, float, RelicResult]:
    """The root ``d`` found at ``g``, moved to g_aWW = band(δ*) if that differs by > ``rtol``."""
    if band_at is None or d <= 0:
        return d, g, res
    g1 = band_at(d)
    if not math.isfinite(g1) or abs(g1 / g - 1.0) <= rtol:
        return d, g, res
    again = _solve(m_a, g1, g_achi, method, opts, (d, REFINE_WINDOW, 8.0))
    if not again:
        return d, g, res
    d1, res1 = min(again, key=lambda item: abs(math.log(item[0] / d)))
    return d1, g1, res1


def _fbe_from_seeds(
    m_a: float,
    g_achi: float,
    seeds: list[tuple[float, float, RelicResult]],
    opts: dict[str, Any],
    band_at: Callable[[float], float] | None,
) -> list[tuple[float, float, RelicResult]]:
    """fBE roots near each band-corrected cBE root (δ_c, g_c): searched within a factor
    FBE_SEED_WINDOW of δ_c (then FBE_WIDE_WINDOW if nothing is found), at g_c; g_aWW re-banded
    at the fBE root only if it moved by more than FBE_G_AWW_RTOL."""
    out: list[tuple[float, float, RelicResult]] = []
    for dc, gc, _ in seeds:
        roots = _solve(m_a, gc, g_achi, "fbe", opts, (dc, FBE_SEED_WINDOW, FBE_SEED_POINTS_PER_DECADE))
        if not roots:
            roots = _solve(m_a, gc, g_achi, "fbe", opts, (dc, FBE_WIDE_WINDOW, FBE_SEED_POINTS_PER_DECADE))
        for d, res in roots:
            if not any(abs(d - q) <= 1e-6 * abs(d) for q, _, _ in out):
                out.append(_band_corrected(m_a, gc, g_achi, "fbe", opts, band_at, FBE_G_AWW_RTOL, d, res))
    return sorted(out, key=lambda item: item[0])


def projection_node(
    m_a: float,
    g_achi: float,
    method: str = "cbe",
    *,
    target: str = DEFAULT_TARGET,
    n_sigma: float = 1.0,
    relic_tolerance: float = OMEGA_H2_RELATIVE_TOLERANCE,
    g_aWW: Sequence[float] | None = None,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    fbe_seed: str | None = "cbe",
    **search: Any,
) -> ProjectionNode:
    """All (g_aWW, δ*) candidates at one node (m_a [GeV], g_aχχ [GeV⁻¹]) and their verdicts
    (module docstring; docs/physics.md#viable-region).

    ``g_aWW``: explicit couplings [GeV⁻¹] instead of the Belle II band (then ``fractions`` and
    the band correction are not used); ``fractions``: positions in the band (0 lower edge,
    1 upper edge, log interpolation); ``fbe_seed``: "cbe" (seed the fBE search at the cBE
    roots) or None (full fBE search); ``search``: options of :func:`physics.viable.delta_star`
    (e.g. ``points_per_decade``, ``abs_delta_min``, relic options).
    ``ValueError`` for an unknown method, target or seed, n_sigma or relic_tolerance ≤ 0, or a
    bad mass or coupling.
    """
    method = _check_method(method)
    m_a = check_mass("m_a", m_a)
    g_achi = check_positive("g_achi", g_achi)
    n_sigma, relic_tolerance = _check_criteria(method, target, n_sigma, relic_tolerance)
    if fbe_seed not in ("cbe", None):
        raise ValueError(f"fbe_seed must be 'cbe' or None, got {fbe_seed!r}")
    if "signs" in search:
        raise ValueError("signs is chosen by the projection (both signs are always searched)")
    if g_aWW is None:
        fr = _check_fractions(fractions)
        seeds = _band_g(m_a, DELTA_BAND_GUESS, g_achi, fr, target, n_sigma)[0]
    else:
        seeds = np.array([check_positive("g_aWW", g) for g in np.atleast_1d(np.asarray(g_aWW, float))])
        fr = tuple(math.nan for _ in seeds)
    vopts = {"target": target, "n_sigma": n_sigma, "relic_tolerance": relic_tolerance}
    relic_opts = {
        k: v
        for k, v in search.items()
        if k not in ("g_aBB", "abs_delta_min", "abs_delta_max", "points_per_decade", "xtol", "ftol")
    }
    g_aBB = float(search.get("g_aBB", 0.0))
    out: list[Candidate] = []
    for slot, (f, g0) in enumerate(zip(fr, seeds, strict=True)):
        if not math.isfinite(g0):
            cause = (
                "B⁺→K⁺a is closed"
                if m_a >= M_MAX_B_TO_K
                else f"BR(a→χχ̄) too small or target undefined; band at δ = {DELTA_BAND_GUESS:g}"
            )
            why = (
                f"belle2: no g_aWW reaches the {n_sigma:g}σ {target} target at m_a = {m_a:g} GeV "
                f"for g_aχχ = {g_achi:.3g} GeV⁻¹ ({cause})"
            )
            out.append(Candidate(slot, f, math.nan, math.nan, math.nan, False, (why,)))
            continue
        band_at: Callable[[float], float] | None = None
        if g_aWW is None:

            def band_at(d: float, f: float = f) -> float:
                return float(_band_g(m_a, d, g_achi, (f,), target, n_sigma)[0, 0])

        if method == "fbe" and fbe_seed == "cbe":
            cbe_opts = {k: v for k, v in search.items() if k not in FBE_ONLY_OPTIONS}
            cbe_roots = _corrected_roots(m_a, float(g0), g_achi, "cbe", cbe_opts, band_at, G_AWW_RTOL)
            roots = _fbe_from_seeds(m_a, g_achi, cbe_roots, search, band_at)
        else:
            roots = _corrected_roots(m_a, float(g0), g_achi, method, search, band_at, G_AWW_RTOL)
        if not roots:
            seeded = " (searched near the cBE roots)" if method == "fbe" and fbe_seed == "cbe" else ""
            why = (
                f"relic: no solution of Ωh² = {OMEGA_H2_PLANCK:.3f} by {method} at g_aWW = {g0:.3g} GeV⁻¹"
                + seeded
            )
            out.append(Candidate(slot, f, float(g0), math.nan, math.nan, False, (why,)))
            continue
        for d, g, res in roots:
            model = ALPModel.from_detuning(m_a, d, g, g_achi, g_aBB)
            v = viability(model, method, relic_result=res, relic_options=relic_opts or None, **vopts)
            out.append(Candidate(slot, f, g, d, float(res.omega_h2), v.viable, v.reasons))
    return ProjectionNode(m_a, g_achi, method, tuple(out))


# ----------------------------------------------------------------------------- grid
NODE_COLUMNS = ("g_aWW", "delta", "delta_lo", "delta_hi", "reason", "n_reasons")
"""The per-candidate arrays of a :class:`ViableProjection` (shape (n_m, n_g, n_w) each)."""


def empty_columns(shape: tuple[int, int, int]) -> dict[str, NDArray[np.object_]]:
    """One object array of ``shape`` per :data:`NODE_COLUMNS`, to be filled node by node."""
    return {k: np.empty(shape, dtype=object) for k in NODE_COLUMNS}


@dataclass(frozen=True)
class ViableProjection:
    """The viable region on an (m_a, g_aχχ) grid (:func:`viable_projection`).

    Axes: ``m_a`` [GeV] (n_m,), ``g_achi`` [GeV⁻¹] (n_g,), ``fractions`` (n_w,) (positions in the
    Belle II band; NaN for explicit couplings). Per candidate, shape (n_m, n_g, n_w):
    ``g_aWW`` [GeV⁻¹] judged, ``delta_lo``/``delta_hi`` the smallest/largest viable δ* (NaN: none
    viable), ``delta`` the δ* of the candidate's representative solution (the smallest viable,
    else the one with the fewest failed criteria; NaN: no root), ``reason`` its first failed
    criterion ("" if viable), ``n_reasons`` the number of failed criteria. ``settings``: every
    choice that produced the numbers.
    """

    m_a: FloatArray
    g_achi: FloatArray
    fractions: FloatArray
    g_aWW: FloatArray
    delta: FloatArray
    delta_lo: FloatArray
    delta_hi: FloatArray
    reason: NDArray[np.str_]
    n_reasons: NDArray[np.int_]
    method: str
    settings: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ derived
    @property
    def viable_candidates(self) -> NDArray[np.bool_]:
        return np.isfinite(self.delta_lo)

    @property
    def viable(self) -> NDArray[np.bool_]:
        """(n_m, n_g): some g_aWW in the band is viable at δ*."""
        return self.viable_candidates.any(axis=2)

    @property
    def node_reason(self) -> NDArray[np.str_]:
        """(n_m, n_g): "" where viable, else the first failed criterion of the candidate with the
        fewest failures."""
        k = np.argmin(np.where(self.viable_candidates, 10**6, self.n_reasons), axis=2)
        r = np.take_along_axis(self.reason, k[..., None], axis=2)[..., 0]
        return np.where(self.viable, "", r)

    def delta_range_per_m_a(self) -> tuple[FloatArray, FloatArray]:
        """(min, max) viable δ* per m_a over g_aχχ and g_aWW (NaN where nothing is viable)."""
        with np.errstate(all="ignore"), _quiet():
            return np.nanmin(self.delta_lo, axis=(1, 2)), np.nanmax(self.delta_hi, axis=(1, 2))

    def g_achi_range_per_m_a(self) -> tuple[FloatArray, FloatArray]:
        """(min, max) viable g_aχχ per m_a (NaN where nothing is viable)."""
        g = np.where(self.viable, self.g_achi[None, :], np.nan)
        with _quiet():
            return np.nanmin(g, axis=1), np.nanmax(g, axis=1)

    def summary(self) -> dict[str, Any]:
        """Ranges of the viable set and the criterion setting each end: {"m_a", "delta",
        "g_aWW", "g_achi": [lo, hi] (None if nothing is viable), "n_points": viable nodes,
        "n_candidates": viable (node, g_aWW) pairs, "ends": {quantity: [criterion at lo, at hi]}}.

        An end's criterion is the most common first failure among the non-viable neighbours
        beyond it (m_a, g_aχχ: the next grid node; g_aWW: the next band position, "belle2" at the
        band's edge; δ: the neighbouring nodes whose δ* lies beyond), or "grid" if the end is the
        grid's edge (or a neighbour is viable, i.e. the grid resolution sets it).
        """
        ok = self.viable_candidates
        n = int(self.viable.sum())
        out: dict[str, Any] = {"n_points": n, "n_candidates": int(ok.sum())}
        keys = ("m_a", "delta", "g_aWW", "g_achi")
        if n == 0:
            out.update({k: None for k in keys})
            out["ends"] = {k: [None, None] for k in keys}
            return out
        idx = np.argwhere(ok)
        ends: dict[str, list[str]] = {}
        ma_i = np.unique(idx[:, 0])
        out["m_a"] = [float(self.m_a[ma_i[0]]), float(self.m_a[ma_i[-1]])]
        ends["m_a"] = [self._beyond(idx, 0, ma_i[0], -1), self._beyond(idx, 0, ma_i[-1], +1)]
        g_j = np.unique(idx[:, 1])
        out["g_achi"] = [float(self.g_achi[g_j[0]]), float(self.g_achi[g_j[-1]])]
        ends["g_achi"] = [self._beyond(idx, 1, g_j[0], -1), self._beyond(idx, 1, g_j[-1], +1)]
        gw = np.where(ok, self.g_aWW, np.nan)
        lo, hi = np.unravel_index(np.nanargmin(gw), gw.shape), np.unravel_index(np.nanargmax(gw), gw.shape)
        out["g_aWW"] = [float(gw[lo]), float(gw[hi])]
        ends["g_aWW"] = [self._band_end(lo, -1), self._band_end(hi, +1)]
        dl, dh = self.delta_lo, self.delta_hi
        lo = np.unravel_index(np.nanargmin(np.where(ok, dl, np.nan)), dl.shape)
        hi = np.unravel_index(np.nanargmax(np.where(ok, dh, np.nan)), dh.shape)
        out["delta"] = [float(dl[lo]), float(dh[hi])]
        ends["delta"] = [self._delta_end(lo, -1), self._delta_end(hi, +1)]
        out["ends"] = ends
        return out

    def _beyond(self, idx: NDArray[np.intp], axis: int, at: int, step: int) -> str:
        """Criterion beyond the end ``at`` of grid axis ``axis`` (0: m_a, 1: g_aχχ)."""
        nxt = at + step
        if not 0 <= nxt < self.reason.shape[axis]:
            return "grid"
        sel = idx[idx[:, axis] == at]
        nb = sel.copy()
        nb[:, axis] = nxt
        keys = [reason_key(self.reason[tuple(i)]) for i in nb if not self.viable_candidates[tuple(i)]]
        return _most_common(keys)

    def _band_end(self, at: tuple[int, ...], step: int) -> str:
        i, j, w = at
        order = (
            np.argsort(self.fractions)
            if np.all(np.isfinite(self.fractions))
            else np.argsort(self.g_aWW[i, j])
        )
        pos = int(np.flatnonzero(order == w)[0]) + step
        if not 0 <= pos < order.size:  # the extreme band position: its edge, or the resolution
            edge = self.fractions[w] == (0.0 if step < 0 else 1.0)
            return "belle2" if edge else "grid"
        nb = (i, j, int(order[pos]))
        return "grid" if self.viable_candidates[nb] else reason_key(self.reason[nb]) or "grid"

    def _delta_end(self, at: tuple[int, ...], step: int) -> str:
        """Criterion at the δ* end reached at candidate ``at``: the failing grid neighbours whose
        δ* lies beyond; else "belle2" if ``at`` is a band edge and the other band positions of the
        node lie on the other side (moving g_aWW out of the band would extend the range); else
        "grid"."""
        i, j, w = at
        ref = self.delta_lo[at] if step < 0 else self.delta_hi[at]
        keys = []
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            a, b = i + di, j + dj
            if not (0 <= a < self.m_a.size and 0 <= b < self.g_achi.size):
                continue
            d = self.delta[a, b, w]
            if not self.viable_candidates[a, b, w] and math.isfinite(d) and (d - ref) * step > 0:
                keys.append(reason_key(self.reason[a, b, w]))
        if keys:
            return _most_common(keys)
        if self.fractions.size > 1 and np.all(np.isfinite(self.fractions)):
            edge = w in (int(np.argmin(self.fractions)), int(np.argmax(self.fractions)))
            others = np.delete(self.delta[i, j], w)
            if edge and np.all(np.isfinite(others)) and np.all((others - ref) * step < 0):
                return "belle2"
        return "grid"

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (NaN as None); :meth:`from_dict` restores it."""

        def arr(a: np.ndarray) -> Any:
            if a.dtype.kind == "f":
                return [None if not math.isfinite(x) else float(x) for x in a.ravel()]
            return a.ravel().tolist()

        shape = list(self.delta.shape)
        return {
            "method": self.method,
            "shape": shape,
            "m_a": arr(self.m_a),
            "g_achi": arr(self.g_achi),
            "fractions": arr(self.fractions),
            **{k: arr(getattr(self, k)) for k in NODE_COLUMNS},
            "settings": dict(self.settings),
        }

    @classmethod
    def from_columns(
        cls,
        m_a: ArrayLike,
        g_achi: ArrayLike,
        fractions: ArrayLike,
        cols: dict[str, Any],
        method: str,
        settings: dict[str, Any],
    ) -> ViableProjection:
        """From the axes and one (n_m, n_g, n_w) array per :data:`NODE_COLUMNS`."""
        return cls(
            m_a=np.asarray(m_a, float),
            g_achi=np.asarray(g_achi, float),
            fractions=np.asarray(fractions, float),
            **{k: np.asarray(cols[k]).astype(float) for k in NODE_COLUMNS[:4]},
            reason=np.asarray(cols["reason"]).astype(str),
            n_reasons=np.asarray(cols["n_reasons"]).astype(int),
            method=method,
            settings=settings,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ViableProjection:
        """Inverse of :meth:`to_dict`; ``ValueError`` for a malformed dict."""
        try:
            shape = tuple(int(s) for s in data["shape"])

            def f(key: str, shp: tuple[int, ...] | None = None) -> FloatArray:
                a = np.array([math.nan if x is None else x for x in data[key]], dtype=float)
                return a.reshape(shp) if shp else a

            return cls(
                m_a=f("m_a"),
                g_achi=f("g_achi"),
                fractions=f("fractions"),
                g_aWW=f("g_aWW", shape),
                delta=f("delta", shape),
                delta_lo=f("delta_lo", shape),
                delta_hi=f("delta_hi", shape),
                reason=np.array(data["reason"], dtype=str).reshape(shape),
                n_reasons=np.array(data["n_reasons"], dtype=int).reshape(shape),
                method=str(data["method"]),
                settings=dict(data.get("settings", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a ViableProjection dict: {exc}") from exc


class _quiet:
    """Silence numpy's all-NaN-slice warnings inside a block."""

    def __enter__(self) -> None:
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)


def _most_common(keys: list[str]) -> str:
    keys = [k for k in keys if k]
    return Counter(keys).most_common(1)[0][0] if keys else "grid"


def _axis(name: str, values: ArrayLike) -> FloatArray:
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError):
        raw = np.asarray("not a number")
    if raw.dtype.kind not in "iuf":  # booleans, strings, objects
        raise ValueError(f"{name} must be an array of numbers, got {values!r}")
    a = raw.astype(float).ravel()
    if a.size == 0 or not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"{name} must be a non-empty array of finite numbers > 0, got {values!r}")
    return a


def node_arrays(node: ProjectionNode, n_w: int) -> dict[str, Any]:
    """Per-candidate-slot values of one node: (g_aWW, delta, delta_lo, delta_hi, reason,
    n_reasons) lists of length ``n_w`` (slots = band positions / given couplings, in order)."""
    slots: list[list[Candidate]] = [[] for _ in range(n_w)]
    for c in node.candidates:
        slots[c.slot].append(c)
    out: dict[str, list[Any]] = {k: [] for k in NODE_COLUMNS}
    for cands in slots:
        good = [c for c in cands if c.viable]
        if good:
            first = min(good, key=lambda c: c.delta)
            out["g_aWW"].append(first.g_aWW)
            out["delta"].append(first.delta)
            out["delta_lo"].append(first.delta)
            out["delta_hi"].append(max(c.delta for c in good))
            out["reason"].append("")
            out["n_reasons"].append(0)
        elif cands:
            best = min(cands, key=lambda c: len(c.reasons))
            out["g_aWW"].append(best.g_aWW)
            out["delta"].append(best.delta)
            out["delta_lo"].append(math.nan)
            out["delta_hi"].append(math.nan)
            out["reason"].append(best.reasons[0] if best.reasons else "")
            out["n_reasons"].append(len(best.reasons))
        else:
            for k, v in (
                ("g_aWW", math.nan),
                ("delta", math.nan),
                ("delta_lo", math.nan),
                ("delta_hi", math.nan),
                ("reason", "no candidate"),
                ("n_reasons", 99),
            ):
                out[k].append(v)
    return out


def viable_projection(
    m_a: ArrayLike,
    g_achi: ArrayLike,
    *,
    method: str = "cbe",
    target: str = DEFAULT_TARGET,
    n_sigma: float = 1.0,
    relic_tolerance: float = OMEGA_H2_RELATIVE_TOLERANCE,
    g_aWW: ArrayLike | None = None,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    fbe_seed: str | None = "cbe",
    progress: Any = None,
    **search: Any,
) -> ViableProjection:
    """The viable region on the grid m_a [GeV] × g_aχχ [GeV⁻¹] by ``method`` (module docstring;
    docs/physics.md#viable-region). Each node is :func:`projection_node` with the same options;
    ``g_aWW`` (1-D, GeV⁻¹) replaces the Belle II band by explicit couplings; ``progress``: a
    callable ``progress(done, total)`` called after each node.
    ``ValueError`` for an empty or non-finite axis, an unknown method or target, …
    """
    method = _check_method(method)
    ma = _axis("m_a", m_a)
    ga = _axis("g_achi", g_achi)
    if g_aWW is None:
        fr = np.asarray(_check_fractions(fractions), dtype=float)
        given: tuple[float, ...] | None = None
    else:
        given = tuple(_axis("g_aWW", g_aWW))
        fr = np.full(len(given), math.nan)
    for m in ma:
        check_mass("m_a", float(m))
    n_m, n_g, n_w = ma.size, ga.size, fr.size
    cols = empty_columns((n_m, n_g, n_w))
    total, done = n_m * n_g, 0
    for i, m in enumerate(ma):
        for j, g in enumerate(ga):
            node = projection_node(
                float(m),
                float(g),
                method,
                target=target,
                n_sigma=n_sigma,
                relic_tolerance=relic_tolerance,
                g_aWW=given,
                fractions=tuple(fr) if given is None else DEFAULT_FRACTIONS,
                fbe_seed=fbe_seed,
                **search,
            )
            for k, v in node_arrays(node, n_w).items():
                cols[k][i, j, :] = v
            done += 1
            if progress is not None:
                progress(done, total)
    settings = {
        "method": method,
        "target": target,
        "n_sigma": float(n_sigma),
        "relic_tolerance": float(relic_tolerance),
        "g_aWW": "Belle II band (physics.band.g_aWW_band)" if given is None else "given",
        "fractions": None if given is not None else [float(x) for x in fr],
        "edge_inset": EDGE_INSET,
        "delta_band_guess": DELTA_BAND_GUESS,
        "g_aWW_rtol": G_AWW_RTOL,
        "fbe_seed": fbe_seed if method == "fbe" else None,
        "fbe_seed_window": [FBE_SEED_WINDOW, FBE_WIDE_WINDOW] if method == "fbe" and fbe_seed else None,
        "fbe_g_aWW_rtol": FBE_G_AWW_RTOL if method == "fbe" else None,
        "delta_star_options": {k: v for k, v in search.items() if _jsonable(v)},
    }
    return ViableProjection.from_columns(ma, ga, fr, cols, method, settings)


def _jsonable(v: Any) -> bool:
    return isinstance(v, str | int | float | bool | type(None) | dict | list | tuple)


__all__ = [
    "DEFAULT_FRACTIONS",
    "NODE_COLUMNS",
    "Candidate",
    "ProjectionNode",
    "ViableProjection",
    "empty_columns",
    "node_arrays",
    "projection_node",
    "reason_key",
    "viable_projection",
]
