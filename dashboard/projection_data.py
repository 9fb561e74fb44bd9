"""The paper's projections for the dashboard: the jointly viable region in (m_a, g_aχχ) and the
detuning δ*(m_a) that gives Ωh² = 0.120, for the nBE, the cBE and the fBE (cached; no Dash).

Wraps :func:`physics.viable_projection` (arXiv:2504.00383, its viable band; docs/physics.md#viable-region):
at each node (m_a, g_aχχ) of a grid, g_aWW is taken inside the Belle II band of the chosen target
(or fixed at the current g_aWW), δ* is solved for Ωh² = 0.120 and every root is judged by Belle II ∧
Ωh² ∧ measured limits ∧ CMB ∧ scenario. The grid spans the paper's domain
(:data:`physics.scan.viable.DEFAULT_M_A`, :data:`physics.scan.viable.DEFAULT_G_ACHI`) with fewer
nodes (:data:`PROJECTION_GRID`): ≈ 0.5 s per node by the nBE or the cBE, ≈ 20 s by the fBE, so
the fBE grid is coarser. Each method's projection is cached on its own (a
:class:`physics.ViableProjection` as its ``to_dict``); :func:`projection_view` shapes the
cached dicts into the plain lists the figure draws (layouts/projection_figure.py).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from physics import ViableProjection, viable_projection
from physics.projection import reason_key
from physics.relic import METHODS
from physics.scan.viable import DEFAULT_G_ACHI, DEFAULT_M_A

from .cache import memoized, peek
from .dependencies import cache_args
from .state import AppState, check_field

Progress = Callable[[int, int], None]

PROJECTION_METHODS: tuple[str, ...] = tuple(METHODS)
"""Methods the panel offers (physics.relic.METHODS)."""
DEFAULT_PROJECTION_METHODS: tuple[str, ...] = ("nbe", "cbe")
"""Ticked when the page opens; the fBE (≈ 20 s per node) is on demand."""
G_AWW_MODES = {
    "band": "inside the Belle II band (lower edge, centre, upper edge: the paper's projection)",
    "current": "fixed at the current g_aWW",
}
"""How g_aWW is chosen at each node (``physics.viable_projection(g_aWW=...)``)."""
M_A_RANGE = (DEFAULT_M_A.lo, DEFAULT_M_A.hi)
"""m_a [GeV] of the grid: the paper's domain (physics.scan.viable.DEFAULT_M_A)."""
G_ACHI_RANGE = (DEFAULT_G_ACHI.lo, DEFAULT_G_ACHI.hi)
"""g_aχχ [GeV⁻¹] of the grid (physics.scan.viable.DEFAULT_G_ACHI), log-spaced."""
PROJECTION_GRID: dict[str, tuple[int, int]] = {"nbe": (12, 10), "cbe": (12, 10), "fbe": (5, 4)}
"""(m_a nodes, g_aχχ nodes) per method: a coarse view of the paper's 48 × 25 scan
(``python -m physics.scan viable``); ``$ALP_PROJECTION_GRID`` = "n_m,n_g" overrides all methods."""
GRID_ENV = "ALP_PROJECTION_GRID"


def grid_size(method: str, env: dict[str, str] | None = None) -> tuple[int, int]:
    """(n_m, n_g) of ``method``'s grid: ``$ALP_PROJECTION_GRID`` ("n_m,n_g", each 1–60) if set
    and well formed, else :data:`PROJECTION_GRID`."""
    raw = (os.environ if env is None else env).get(GRID_ENV, "").strip()
    if raw:
        try:
            n_m, n_g = (int(p) for p in raw.split(","))
            if 1 <= n_m <= 60 and 1 <= n_g <= 60:
                return n_m, n_g
        except ValueError:
            pass
    return PROJECTION_GRID[method]


def grid_axes(n_m: int, n_g: int) -> tuple[np.ndarray, np.ndarray]:
    """m_a [GeV] (linear) and g_aχχ [GeV⁻¹] (log) nodes over the paper's domain (a single node:
    the middle of the range)."""
    m = np.linspace(*M_A_RANGE, n_m) if n_m > 1 else np.array([0.5 * sum(M_A_RANGE)])
    g = np.geomspace(*G_ACHI_RANGE, n_g) if n_g > 1 else np.array([math.sqrt(math.prod(G_ACHI_RANGE))])
    return np.round(m, 6), np.array([float(f"{v:.4g}") for v in g])


def check_options(methods: object, mode: object) -> tuple[tuple[str, ...], str]:
    """The chosen methods (in :data:`PROJECTION_METHODS` order) and g_aWW mode, or ``ValueError``."""
    if not isinstance(methods, list | tuple) or not all(isinstance(m, str) for m in methods):
        raise ValueError("methods: a list of method names")
    unknown = [m for m in methods if m not in PROJECTION_METHODS]
    if unknown:
        raise ValueError(f"unknown method {str(unknown[0])[:16]!r}: one of {', '.join(PROJECTION_METHODS)}")
    if not methods:
        raise ValueError("choose at least one method (nBE, cBE or fBE)")
    if not isinstance(mode, str) or mode not in G_AWW_MODES:
        raise ValueError(f"g_aWW mode: one of {', '.join(G_AWW_MODES)}")
    return tuple(m for m in PROJECTION_METHODS if m in methods), mode


def _args(state: AppState, method: str, mode: str) -> tuple[Any, ...]:
    """The cached worker's arguments: method, grid, Belle II target and width, g_aWW (None: band)."""
    g_aWW = state.physics_fields(("g_aWW",))[0] if mode == "current" else None
    return (method, *grid_size(method), *cache_args(state, "projection"), g_aWW)


@memoized(ignore=("progress",))
def _projection(
    method: str,
    n_m: int,
    n_g: int,
    target: str,
    width: str,
    n_sigma: float,
    g_aWW: float | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    m, g = grid_axes(n_m, n_g)
    given = None if g_aWW is None else [g_aWW]
    proj = viable_projection(
        m, g, method=method, target=target, n_sigma=n_sigma, g_aWW=given, width=width, progress=progress
    )
    return proj.to_dict()


def projection(
    state: AppState, method: str, mode: str = "band", progress: Progress | None = None
) -> dict[str, Any]:
    """``ViableProjection.to_dict()`` of ``method`` at the state's target, n_σ and width (and g_aWW
    in mode "current"); cached; ``progress(done, total)`` after each node."""
    return _projection(*_args(state, method, mode), progress)


def cached_projection(state: AppState, method: str, mode: str = "band") -> dict[str, Any] | None:
    """The cached projection if present, else None (never computes)."""
    return peek(_projection, *_args(state, method, mode), None)


def projections(
    state: AppState, methods: Sequence[str], mode: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Every chosen method's projection: {"methods": {method: to_dict}, "mode", "g_aWW", "target",
    "n_sigma", "width"}; ``progress(done, total)`` counts the nodes of the methods not yet cached."""
    chosen, mode = check_options(list(methods), mode)
    todo = [m for m in chosen if cached_projection(state, m, mode) is None]
    total = sum(math.prod(grid_size(m)) for m in todo) or 1
    done = 0
    out: dict[str, Any] = {}
    for method in chosen:

        def report(n: int, _total: int, offset: int = done) -> None:
            if progress is not None:
                progress(offset + n, total)

        out[method] = projection(state, method, mode, report)
        if method in todo:
            done += math.prod(grid_size(method))
    if progress is not None:
        progress(total, total)
    g_aWW = state.physics_fields(("g_aWW",))[0] if mode == "current" else None
    return {
        "methods": out,
        "mode": mode,
        "g_aWW": g_aWW,
        "target": state.target,
        "n_sigma": state.n_sigma,
        "width": state.width,
    }


def cached_projections(state: AppState) -> dict[str, Any] | None:
    """Whatever is cached for the state (Belle II band first, then the current g_aWW), for the
    slide export; None if no method is."""
    for mode in G_AWW_MODES:
        found = {m: p for m in PROJECTION_METHODS if (p := cached_projection(state, m, mode)) is not None}
        if found:
            return projections(state, list(found), mode)  # all cached: nothing computed
    return None


def options_from_key(key: dict[str, Any]) -> tuple[tuple[str, ...], str, float | None]:
    """(methods, g_aWW mode, g_aWW in mode "current") of a job key, validated, or ``ValueError``."""
    methods, mode = check_options(key.get("methods"), key.get("g_aWW_mode"))
    g_aWW = check_field("g_aWW", key.get("g_aWW")) if mode == "current" else None
    return methods, mode, g_aWW


# ----------------------------------------------------------------------------- shaping
def _edges(values: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Cell edges (left, right) of grid nodes: half-way to the neighbours (in log for a log axis),
    the outer cells as wide as their inner halves; a single node: ±5 %."""
    v = np.log(values) if log else np.asarray(values, float)
    if v.size == 1:
        half = abs(v[0]) * 0.05 if not log else 0.05
        lo, hi = v - half, v + half
    else:
        mid = 0.5 * (v[1:] + v[:-1])
        lo = np.concatenate([[v[0] - (mid[0] - v[0])], mid])
        hi = np.concatenate([mid, [v[-1] + (v[-1] - mid[-1])]])
    return (np.exp(lo), np.exp(hi)) if log else (lo, hi)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in a 1-D mask."""
    out, start = [], None
    for i, ok in enumerate([*mask.tolist(), False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def step_band(
    x_lo: np.ndarray, x_hi: np.ndarray, y_lo: np.ndarray, y_hi: np.ndarray
) -> tuple[list[float | None], list[float | None]]:
    """Closed step polygons around the finite columns [x_lo, x_hi] × [y_lo, y_hi] (one per run of
    neighbouring columns, None-separated): the band a coarse grid supports, nothing drawn
    between runs."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    ok = np.isfinite(y_lo) & np.isfinite(y_hi)
    for a, b in _runs(ok):
        if xs:
            xs.append(None)
            ys.append(None)
        idx = range(a, b + 1)
        top_x = [float(v) for i in idx for v in (x_lo[i], x_hi[i])]
        top_y = [float(y_hi[i]) for i in idx for _ in (0, 1)]
        xs += [*top_x, *reversed(top_x), top_x[0]]
        ys += [*top_y, *(float(y_lo[i]) for i in reversed(idx) for _ in (0, 1)), top_y[0]]
    return xs, ys


def _signed_ranges(proj: ViableProjection) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per m_a: (min, max) |δ*| of the viable solutions with δ > 0 ("pos") and δ < 0 ("neg")."""
    ok = proj.viable_candidates
    values = np.concatenate([proj.delta_lo[..., None], proj.delta_hi[..., None]], axis=-1)
    values = np.where(ok[..., None], values, np.nan).reshape(proj.m_a.size, -1)
    out = {}
    for name, sel in (("pos", values > 0), ("neg", values < 0)):
        a = np.where(sel, np.abs(values), np.nan)
        has = np.isfinite(a).any(axis=1)
        lo = np.full(proj.m_a.size, np.nan)
        hi = np.full(proj.m_a.size, np.nan)
        lo[has], hi[has] = np.nanmin(a[has], axis=1), np.nanmax(a[has], axis=1)
        out[name] = (lo, hi)
    return out


def _floats(a: Sequence[float | None] | np.ndarray) -> list[float | None]:
    return [None if v is None or not math.isfinite(float(v)) else float(f"{float(v):.5g}") for v in a]


def method_view(raw: dict[str, Any]) -> dict[str, Any]:
    """What the figure draws for one method's cached projection: viable nodes, the g_aχχ band and
    the |δ*| bands per sign as step polygons, the first failed criteria counted, the summary."""
    proj = ViableProjection.from_dict(raw)
    viable = proj.viable
    i, j = np.nonzero(viable)
    m_lo, m_hi = _edges(proj.m_a, log=False)
    g_cell_lo, g_cell_hi = _edges(proj.g_achi, log=True)
    g_lo = np.where(viable, g_cell_lo[None, :], np.inf).min(axis=1)
    g_hi = np.where(viable, g_cell_hi[None, :], -np.inf).max(axis=1)
    g_lo, g_hi = np.where(np.isfinite(g_lo), g_lo, np.nan), np.where(np.isfinite(g_hi), g_hi, np.nan)
    band_x, band_y = step_band(m_lo, m_hi, g_lo, g_hi)
    delta = {}
    for sign, (lo, hi) in _signed_ranges(proj).items():
        xs, ys = step_band(m_lo, m_hi, lo, hi)
        delta[sign] = {
            "x": _floats(xs),
            "y": _floats(ys),
            "m_a": _floats(proj.m_a),
            "lo": _floats(lo),
            "hi": _floats(hi),
        }
    node_delta = np.where(proj.viable_candidates, proj.delta_lo, np.nan)
    with np.errstate(all="ignore"):
        first = np.array(
            [[_first_finite(node_delta[a, b]) for b in range(proj.g_achi.size)] for a in range(proj.m_a.size)]
        )
    reasons = Counter(reason_key(r) for r in proj.node_reason[~viable].ravel())
    return {
        "method": proj.method,
        "n_nodes": int(viable.size),
        "n_viable": int(viable.sum()),
        "nodes": {
            "m_a": _floats(proj.m_a[i]),
            "g_achi": _floats(proj.g_achi[j]),
            "delta": _floats(first[i, j]) if i.size else [],
        },
        "band": {"x": _floats(band_x), "y": _floats(band_y)},
        "delta": delta,
        "reasons": dict(reasons.most_common()),
        "summary": proj.summary(),
        "grid": [int(proj.m_a.size), int(proj.g_achi.size)],
    }


def _first_finite(a: np.ndarray) -> float:
    f = a[np.isfinite(a)]
    return float(f[0]) if f.size else math.nan


def projection_view(data: dict[str, Any]) -> dict[str, Any]:
    """:func:`projections`' result shaped for the figure: {"methods": {method: method_view},
    "mode", "g_aWW", "target", "n_sigma", "width", "m_range", "g_range"}."""
    return {
        **{k: v for k, v in data.items() if k != "methods"},
        "methods": {m: method_view(raw) for m, raw in data["methods"].items()},
        "m_range": list(M_A_RANGE),
        "g_range": list(G_ACHI_RANGE),
    }
