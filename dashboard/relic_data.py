"""Relic-density numbers, the DM plane and the δ scan for the dashboard (cached; no Dash).

Wraps :func:`physics.omega_h2` (the relic engine). Every public function takes the dashboard
state, picks the fields the result depends on (:data:`dashboard.dependencies.DEPENDS_ON`,
rounded to 4 significant figures) and calls a memoized worker. Results are plain dicts.
The axes of the DM plane and the δ scan are those of the precomputed grids
(:mod:`physics.scan.precompute`), which can stand in for a live DM plane.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from physics import ALPModel, RelicResult, omega_h2, omega_h2_grids, omega_h2_points
from physics import constants as C
from physics import viability as physics_viability
from physics.provenance import code_version
from physics.relic_grid import FLAG_SOLVER_FAILED
from physics.scan import precompute as grids

from .cache import finite_or_none, memoized, peek
from .dependencies import cache_args
from .dm_regions import regions
from .state import AppState

log = logging.getLogger(__name__)

VIABLE_REL_TOL = C.OMEGA_H2_RELATIVE_TOLERANCE
"""|Ωh²/Ωh²_Planck − 1| within this counts as "matches Planck" (physics.constants: the theory
precision, not Planck's 0.8 %); the same tolerance as physics.viability's relic criterion."""
EVOLUTION_POINTS = 160
PRECOMPUTED_DIR = Path(__file__).resolve().parent.parent / "data" / "precomputed"
"""The precomputed grids shipped with the dashboard (``make precompute`` writes them)."""
DM_M_RANGE = grids.DM_PLANE_M_RANGE
DM_G_RANGE = grids.DM_PLANE_G_RANGE


def _grid_size(default: int = grids.DM_PLANE_NODES) -> int:
    """Nodes per axis of the DM plane: ``$ALP_DM_GRID`` (4–80) or the precomputed grids' size."""
    try:
        return min(max(int(os.environ.get("ALP_DM_GRID", default)), 4), 80)
    except ValueError:
        return default


DM_N_M = _grid_size()
DM_N_G = _grid_size()
SCAN_ABS_DELTA = grids.DELTA_SCAN_ABS_RANGE
SCAN_N = grids.DELTA_SCAN_NODES
METHODS = ("nbe", "cbe")

Progress = Callable[[int, int], None]


def relic_status(omega: float | None) -> str:
    """ "viable" (within 10 % of Planck's Ωh²), "under" (DM subcomponent allowed), "over" (excluded)."""
    if omega is None or not math.isfinite(omega):
        return "unknown"
    if abs(omega / C.OMEGA_H2_PLANCK - 1.0) <= VIABLE_REL_TOL:
        return "viable"
    return "under" if omega < C.OMEGA_H2_PLANCK else "over"


def _downsample(x: np.ndarray, n: int = EVOLUTION_POINTS) -> np.ndarray:
    """Indices of at most n points, evenly spaced in log x (keeps the plots small)."""
    x = np.asarray(x, dtype=float)
    if x.size <= n:
        return np.arange(x.size)
    targets = np.geomspace(x[0], x[-1], n) if x[0] > 0 else np.linspace(x[0], x[-1], n)
    idx = np.unique(np.clip(np.searchsorted(x, targets), 0, x.size - 1))
    return idx


def _floats(a: Any, idx: np.ndarray) -> list[float | None] | None:
    if a is None:
        return None
    arr = np.asarray(a, dtype=float)
    if arr.ndim != 1 or arr.size <= int(idx.max(initial=0)):
        return None
    return [finite_or_none(float(f"{v:.5g}")) for v in arr[idx]]


def _omega_value(result: Any) -> float | None:
    v = float(result.omega_h2)
    return v if math.isfinite(v) and v > 0 else None


def maxwellian_ratio(q: np.ndarray, f: np.ndarray) -> np.ndarray:
    """f(q)/f_eq(q), f_eq the Maxwellian with the same number density and second moment
    (temperature) as f: A exp(−q²/2s²), s² = ⟨q²⟩/3 = ∫q⁴f dq / (3∫q²f dq), A from ∫q²f dq.

    This is the distribution the cBE assumes (a Maxwellian at T_χ, which the fBE's T_χ is the
    second moment of), so the ratio shows what the cBE's closure misses (docs/relic.md#fbe: the
    fBE flattens f at small δ). Valid for a non-relativistic, isotropic f (the fBE's final one);
    the ratio is independent of the momentum unit (p/T or the comoving q̂). Trapezoid rule on the
    grid; NaN where f_eq underflows.
    """
    q, f = np.asarray(q, dtype=float), np.asarray(f, dtype=float)
    n0, n2 = np.trapezoid(q**2 * f, q), np.trapezoid(q**4 * f, q)
    s2 = n2 / (3.0 * n0)
    amplitude = n0 / (s2**1.5 * math.sqrt(math.pi / 2.0))
    f_eq = amplitude * np.exp(-(q**2) / (2.0 * s2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(f_eq > 0, f / f_eq, np.nan)


def summarise(result: Any, *, evolution: bool = True) -> dict[str, Any]:
    """Plain-data summary of a :class:`physics.relic.RelicResult` (evolution down-sampled; for the
    fBE also its final distribution over q and f/f_eq, :func:`maxwellian_ratio`)."""
    out: dict[str, Any] = {
        "omega_h2": _omega_value(result),
        "x_fo": finite_or_none(result.x_freeze_out),
        "T_kd": finite_or_none(result.T_kd),
        "flags": [str(f) for f in result.flags],
        "message": str(result.message) if result.flags else "",
        "engine_message": str(result.message),
        "engine_method": str(getattr(result, "method", "")),
    }
    x = np.asarray(result.x, dtype=float)
    if evolution and x.ndim == 1 and x.size > 1:
        idx = _downsample(x)
        out["x"] = _floats(x, idx)
        out["Y"] = _floats(result.Y, idx)
        out["Y_eq"] = _floats(result.Y_eq, idx)
        out["T_ratio"] = _floats(result.T_chi_over_T, idx)
    extra = getattr(result, "extra", None) or {}
    q, f = extra.get("q"), extra.get("f_end")
    if evolution and q is not None and f is not None and np.size(q) > 2 and np.size(q) == np.size(f):
        everything = np.arange(np.size(q))
        out["q"] = _floats(q, everything)
        out["f_over_feq"] = _floats(maxwellian_ratio(q, f), everything)
        out["x_end"] = finite_or_none(result.x_end)
    return out


def _omega(model: ALPModel, method: str, width: str, **kwargs: Any) -> Any:
    return omega_h2(model, method=method, width=width, **kwargs)


def _points_value(res: Any, i: int) -> float | None:
    """Ωh² of point i of a :class:`physics.PointResults` (None if not computed; a failure is logged)."""
    if res.errors[i]:
        log.warning("relic %s failed at a δ-scan node: %s", res.method, res.errors[i])
    v = float(res.omega_h2[i])
    return v if math.isfinite(v) and v > 0 else None


def _safe_omega(model: ALPModel, method: str, width: str) -> float | None:
    """Ωh² of one grid node, or None if the solver fails there (one bad node never sinks a scan)."""
    try:
        return _omega_value(_omega(model, method, width))
    except Exception as err:  # numerical failure at one node: logged, drawn as a gap
        log.warning("relic %s failed at %s: %r", method, model, err)
        return None


# ----------------------------------------------------------------------------- one point
def relic_point(state: AppState, method: str) -> dict[str, Any]:
    """Relic density of the point with ``method`` ("nbe", "cbe", "fbe") and the state's width.

    Raises ``ValueError`` for a point outside the model's domain.
    """
    return _relic_point(*cache_args(state, "relic"), str(method))


@memoized
def _relic_point(
    m_a: float, delta: float, g_aWW: float, g_achi: float, width: str, method: str
) -> dict[str, Any]:
    model = ALPModel.from_detuning(m_a, delta, g_aWW, g_achi)
    out = summarise(_omega(model, method, width))
    out.update(method=method, width=width, viability=relic_status(out["omega_h2"]))
    return out


def as_result(summary: dict[str, Any]) -> RelicResult:
    """A :class:`physics.RelicResult` carrying a cached summary's numbers (Ωh², x_fo, T_kd,
    flags, message, method; the evolution as down-sampled), so that a verdict reuses a solve
    (``physics.viability(relic_result=...)``) instead of repeating it — for the fBE a slow one."""

    def arr(key: str) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in summary.get(key) or []], dtype=float)

    omega = summary["omega_h2"]
    return RelicResult(
        omega_h2=math.nan if omega is None else float(omega),
        x_freeze_out=math.nan if summary["x_fo"] is None else float(summary["x_fo"]),
        T_kd=math.nan if summary["T_kd"] is None else float(summary["T_kd"]),
        x=arr("x"),
        Y=arr("Y"),
        Y_eq=arr("Y_eq"),
        T_chi_over_T=arr("T_ratio"),
        method=summary.get("engine_method") or summary["method"],
        flags=tuple(summary["flags"]),
        message=summary.get("engine_message", summary["message"]),
    )


def fbe_cached(state: AppState) -> bool:
    """True if the fBE of the state's point is in the cache (never computes)."""
    return peek(_relic_point, *cache_args(state, "relic"), "fbe") is not None


def evolution_results(state: AppState, pair: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The summaries the evolution panel draws: nBE and cBE (``pair`` if given), and the fBE when
    its run is in the cache (never solves the fBE)."""
    pair = relic_pair(state) if pair is None else pair
    out = {m: pair[m] for m in METHODS}
    if fbe_cached(state):
        out["fbe"] = relic_point(state, "fbe")
    return out


def relic_pair(state: AppState) -> dict[str, Any]:
    """nBE and cBE side by side, their ratio and the viability of each."""
    res = {m: relic_point(state, m) for m in METHODS}
    n, c = res["nbe"]["omega_h2"], res["cbe"]["omega_h2"]
    ratio = c / n if (n and c and n > 0) else None
    return {**res, "ratio": ratio}


# ----------------------------------------------------------------------------- DM plane
def dm_plane(state: AppState, progress: Progress | None = None) -> dict[str, Any]:
    """Ωh² (nBE, cBE) and the flavour exclusion on an (m_a, g_aχχ) grid at the state's δ and g_aWW.

    ``progress(done, total)`` is called after each row of the grid (not part of the cache key).
    """
    return _dm_plane(*cache_args(state, "dm_plane"), progress)


def _plane_rows(
    m: np.ndarray, g: np.ndarray, delta: float, g_aWW: float, width: str, progress: Progress | None
) -> dict[str, np.ndarray]:
    """Ωh² (nBE, cBE) on the plane by :func:`physics.omega_h2_grids` (the scans' and the
    precomputation's code path): arrays of shape (len(g), len(m)), NaN where not computed
    (``progress(done, total)`` per m_a column)."""
    planes = omega_h2_grids(m, g, delta=delta, g_aWW=g_aWW, methods=METHODS, width=width, progress=progress)
    out = {}
    for k in METHODS:
        a = planes[k].omega_h2.T
        failed = [
            e
            for e, f in zip(planes[k].errors.ravel(), planes[k].flags.ravel(), strict=True)
            if FLAG_SOLVER_FAILED in f
        ]
        if failed:  # numerical failures at some nodes: logged, drawn as gaps
            log.warning("relic %s failed at %d of %d nodes, e.g. %s", k, len(failed), a.size, failed[0])
        out[k] = np.where(np.isfinite(a) & (a > 0), a, np.nan)
    return out


def _grid_list(a: np.ndarray, digits: int = 3) -> list[list[float | None]]:
    return [[finite_or_none(round(float(v), digits)) if math.isfinite(v) else None for v in row] for row in a]


def precomputed_plane(
    delta: float, g_aWW: float, width: str, m: np.ndarray, g: np.ndarray, directory: Path = PRECOMPUTED_DIR
) -> dict[str, np.ndarray] | None:
    """Ωh² (nBE, cBE) from ``data/precomputed/dm_plane`` if it holds exactly this plane.

    Used only when δ, g_aWW, the width treatment and both axes match and the grid was computed
    by the current physics code (its recorded source hash); otherwise None (compute live).
    """
    try:
        df = grids.load_precomputed("dm_plane", directory)
        if df.attrs["precomputed"].get("code") != code_version(cached=False):
            return None
        rows = df[
            np.isclose(df["delta"], delta, rtol=1e-9, atol=0) & np.isclose(df["g_aWW"], g_aWW, rtol=1e-9)
        ]
        if width != df.attrs["precomputed"]["spec"]["relic_options"]["width"] or len(rows) != m.size * g.size:
            return None
        out = {}
        for k in METHODS:
            table = (
                rows.pivot(index="g_achi", columns="m_a", values=f"omega_h2_{k}")
                .sort_index()
                .sort_index(axis=1)
            )
            if not (np.allclose(table.columns, m, rtol=1e-9) and np.allclose(table.index, g, rtol=1e-9)):
                return None
            a = table.to_numpy(dtype=float)
            out[k] = np.where(np.isfinite(a) & (a > 0), a, np.nan)
        return out
    except Exception as err:  # missing files, pandas, a changed format: compute live
        log.info("precomputed DM plane not used: %r", err)
        return None


def _plane_dict(
    delta: float,
    g_aWW: float,
    width: str,
    m: np.ndarray,
    g: np.ndarray,
    omega: dict[str, np.ndarray],
    source: str,
) -> dict[str, Any]:
    with np.errstate(divide="ignore", invalid="ignore"):
        log_n, log_c = np.log10(omega["nbe"]), np.log10(omega["cbe"])
    rel = math.log10(C.OMEGA_H2_PLANCK)
    return {
        "delta": delta,
        "g_aWW": g_aWW,
        "width": width,
        "m": [float(f"{v:.4g}") for v in m],
        "g": [float(f"{v:.4g}") for v in g],
        "log_omega_nbe": _grid_list(log_n),
        "log_omega_cbe": _grid_list(log_c),
        "log_omega_nbe_rel": _grid_list(log_n - rel),
        "log_omega_cbe_rel": _grid_list(log_c - rel),
        "source": source,
    }


@memoized(ignore=("progress",))
def _dm_plane(delta: float, g_aWW: float, width: str, progress: Progress | None = None) -> dict[str, Any]:
    m = np.geomspace(*DM_M_RANGE, DM_N_M)
    g = np.geomspace(*DM_G_RANGE, DM_N_G)
    omega = precomputed_plane(delta, g_aWW, width, m, g)
    source = "precomputed grid (data/precomputed/dm_plane)" if omega is not None else "computed"
    if omega is None:
        omega = _plane_rows(m, g, delta, g_aWW, width, progress)
    return _plane_dict(delta, g_aWW, width, m, g, omega, source)


DM_PREVIEW_NODES = 7
"""Nodes per axis of the DM plane's first picture, drawn while the full plane is computed in the
background (7 × 7 nBE + cBE: ≈ 0.1 s of CPU, docs/performance.md#relic-grid)."""
PREVIEW_SOURCE = f"preview {DM_PREVIEW_NODES}×{DM_PREVIEW_NODES}, refining in the background"


def _precomputed_candidate(delta: float, g_aWW: float, width: str) -> bool:
    """True if data/precomputed may hold this plane (its δ, g_aWW, width and axes): the full plane
    then arrives quickly and needs no preview (decided without reading the files)."""
    return (
        width == grids.RELIC_WIDTH
        and math.isclose(g_aWW, grids.G_AWW_BENCHMARK, rel_tol=1e-9)
        and any(math.isclose(delta, d, rel_tol=1e-9) for d in grids.DM_PLANE_DELTAS)
        and (DM_N_M, DM_N_G) == (grids.DM_PLANE_NODES, grids.DM_PLANE_NODES)
    )


@memoized
def _dm_plane_preview(delta: float, g_aWW: float, width: str) -> dict[str, Any]:
    m = np.geomspace(*DM_M_RANGE, DM_PREVIEW_NODES)
    g = np.geomspace(*DM_G_RANGE, DM_PREVIEW_NODES)
    return _plane_dict(
        delta, g_aWW, width, m, g, _plane_rows(m, g, delta, g_aWW, width, None), PREVIEW_SOURCE
    )


def dm_plane_preview(state: AppState) -> dict[str, Any] | None:
    """A coarse DM plane (DM_PREVIEW_NODES² nodes, same axes' ranges, the same solver) with the
    overlays for the state's criteria: the first picture of a changed plane. None when the full
    plane is cached or (probably) precomputed: then it is on its way and a preview would be
    wasted work."""
    args = cache_args(state, "dm_plane")
    if cached_dm_plane(state) is not None or _precomputed_candidate(*args):
        return None
    return with_regions(_dm_plane_preview(*args), state)


# ----------------------------------------------------------------------------- δ scan
def delta_scan(state: AppState, progress: Progress | None = None) -> dict[str, Any]:
    """Ωh²(cBE)/Ωh²(nBE) versus |δ| for both signs of δ at the state's m_a and couplings, with
    Ωh²(fBE)/Ωh²(nBE) when it is known: from ``data/precomputed/cbe_nbe_ratio`` (couplings on
    its grid, current code) or from an fBE curve computed earlier (:func:`delta_scan_fbe`)."""
    scan = _delta_scan(*cache_args(state, "delta_scan"), progress)
    if "ratio_fbe_pos" not in scan:
        fbe = peek(_delta_scan_fbe, *cache_args(state, "delta_scan"), None)
        scan = {**scan, **(fbe or {})}
    return scan


def cached_delta_scan(state: AppState) -> dict[str, Any] | None:
    """The δ scan (with its fBE curve if known) if it is already in the cache (None otherwise;
    never computes)."""
    scan = peek(_delta_scan, *cache_args(state, "delta_scan"), None)
    if scan is None or "ratio_fbe_pos" in scan:
        return scan
    return {**scan, **(peek(_delta_scan_fbe, *cache_args(state, "delta_scan"), None) or {})}


def delta_scan_fbe(state: AppState, progress: Progress | None = None) -> dict[str, Any]:
    """Ωh²(fBE) and Ωh²(fBE)/Ωh²(nBE) on the δ scan's nodes (2 × 25 fBE solves: the background
    job behind the δ-scan panel's button; cached; ``progress(done, total)`` per node)."""
    return _delta_scan_fbe(*cache_args(state, "delta_scan"), progress)


@memoized(ignore=("progress",))
def _delta_scan_fbe(
    m_a: float, g_aWW: float, g_achi: float, width: str, progress: Progress | None = None
) -> dict[str, Any]:
    nbe = _delta_scan(m_a, g_aWW, g_achi, width)
    if "ratio_fbe_pos" in nbe:  # precomputed
        return {k: v for k, v in nbe.items() if "fbe" in k} | {"fbe_source": nbe["fbe_source"]}
    abs_delta = np.asarray(nbe["abs_delta"], dtype=float)
    out: dict[str, Any] = {"fbe_source": "computed"}
    total, done = 2 * abs_delta.size, 0
    for sign, tag in ((1.0, "pos"), (-1.0, "neg")):
        omegas: list[float | None] = []
        for d in abs_delta:
            try:
                model = ALPModel.from_detuning(m_a, sign * float(d), g_aWW, g_achi)
                omegas.append(_safe_omega(model, "fbe", width))
            except ValueError:
                omegas.append(None)
            done += 1
            if progress is not None:
                progress(done, total)
        out[f"omega_fbe_{tag}"] = omegas
        out[f"ratio_fbe_{tag}"] = _ratios(omegas, nbe[f"omega_nbe_{tag}"])
    return out


def _ratios(num: list[float | None], den: list[float | None]) -> list[float | None]:
    return [a / b if (a and b and b > 0) else None for a, b in zip(num, den, strict=True)]


def precomputed_scan(
    m_a: float,
    g_aWW: float,
    g_achi: float,
    width: str,
    abs_delta: np.ndarray,
    directory: Path = PRECOMPUTED_DIR,
) -> dict[str, Any] | None:
    """nBE, cBE and fBE on the δ scan's nodes from ``data/precomputed/cbe_nbe_ratio``, if it holds
    exactly these couplings, nodes and width and was computed by the current physics code."""
    try:
        df = grids.load_precomputed("cbe_nbe_ratio", directory)
        meta = df.attrs["precomputed"]
        if meta.get("code") != code_version(cached=False) or width != meta["spec"]["relic_options"]["width"]:
            return None
        close = np.isclose(df["m_a"], m_a, rtol=1e-9) & np.isclose(df["g_aWW"], g_aWW, rtol=1e-9)
        rows = df[close & np.isclose(df["g_achi"], g_achi, rtol=1e-9)].sort_values("delta")
        out: dict[str, Any] = {"source": "precomputed grid (data/precomputed/cbe_nbe_ratio)"}
        for sign, tag in ((1.0, "pos"), (-1.0, "neg")):
            side = rows[np.sign(rows["delta"]) == sign]
            side = side.iloc[np.argsort(np.abs(side["delta"].to_numpy()))]
            if len(side) != abs_delta.size or not np.allclose(np.abs(side["delta"]), abs_delta, rtol=1e-3):
                return None
            for k in (*METHODS, "fbe"):
                col = side[f"omega_h2_{k}"].to_numpy(dtype=float)
                out[f"omega_{k}_{tag}"] = [finite_or_none(v) if v > 0 else None for v in col]
            for k in ("cbe", "fbe"):
                key = f"ratio_{tag}" if k == "cbe" else f"ratio_fbe_{tag}"
                out[key] = _ratios(out[f"omega_{k}_{tag}"], out[f"omega_nbe_{tag}"])
        out["fbe_source"] = "precomputed"
        return out
    except Exception as err:  # missing files or columns, a changed format: compute live
        log.info("precomputed δ scan not used: %r", err)
        return None


def cached_dm_plane(state: AppState) -> dict[str, Any] | None:
    """The DM plane if it is already in the cache (None otherwise; never computes)."""
    return peek(_dm_plane, *cache_args(state, "dm_plane"), None)


def with_regions(plane: dict[str, Any], state: AppState) -> dict[str, Any]:
    """``plane`` plus its CMB, limits and jointly viable overlays for the state's criteria
    (:func:`dashboard.dm_regions.regions`: vectorised, milliseconds)."""
    opts = {f: getattr(state, f) for f in ("target", "method", "n_sigma", "r_max", "babar", "cww")}
    return {**plane, **regions(plane, **opts)}


def dm_plane_regions(state: AppState, progress: Progress | None = None) -> dict[str, Any]:
    """The DM plane (:func:`dm_plane`, cached) with its overlays for the state's criteria."""
    return with_regions(dm_plane(state, progress), state)


def cached_dm_plane_regions(state: AppState) -> dict[str, Any] | None:
    """:func:`dm_plane_regions` if the plane is in the cache (None otherwise; never solves Ωh²)."""
    plane = cached_dm_plane(state)
    return None if plane is None else with_regions(plane, state)


def state_for(**fields: Any) -> AppState:
    """A state carrying ``fields`` (validated elsewhere) and defaults for the rest (job keys)."""
    return replace(AppState(), **fields)


@memoized(ignore=("progress",))
def _delta_scan(
    m_a: float, g_aWW: float, g_achi: float, width: str, progress: Progress | None = None
) -> dict[str, Any]:
    abs_delta = np.geomspace(*SCAN_ABS_DELTA, SCAN_N)
    head = {"m_a": m_a, "g_aWW": g_aWW, "g_achi": g_achi, "width": width}
    nodes = [float(f"{v:.4g}") for v in abs_delta]
    pre = precomputed_scan(m_a, g_aWW, g_achi, width, abs_delta)
    if pre is not None:
        return {**head, "abs_delta": nodes, **pre}
    signed = [(sign, tag, float(d)) for sign, tag in ((1.0, "pos"), (-1.0, "neg")) for d in abs_delta]
    models: dict[int, ALPModel] = {}
    for i, (sign, _, d) in enumerate(signed):
        try:
            models[i] = ALPModel.from_detuning(m_a, sign * d, g_aWW, g_achi)
        except ValueError:  # outside the model's domain at this δ: a gap
            pass
    skipped = len(signed) - len(models)

    def report(done: int, _total: int) -> None:
        if progress is not None:
            progress(skipped + done, len(signed))

    res = omega_h2_points(list(models.values()), METHODS, width, report) if models else {}
    where = {i: n for n, i in enumerate(models)}
    cols: dict[str, list[float | None]] = {}
    for tag in ("pos", "neg"):
        for k in METHODS:
            cols[f"omega_{k}_{tag}"] = []
        cols[f"ratio_{tag}"] = []
    for i, (_, tag, _) in enumerate(signed):
        vals = {k: _points_value(res[k], where[i]) if i in where else None for k in METHODS}
        for k in METHODS:
            cols[f"omega_{k}_{tag}"].append(vals[k])
        n, c = vals["nbe"], vals["cbe"]
        cols[f"ratio_{tag}"].append(c / n if (n and c and n > 0) else None)
    return {**head, "abs_delta": nodes, **cols, "source": "computed"}


# ----------------------------------------------------------------------------- viability
def viability_point(state: AppState) -> dict[str, Any]:
    """:func:`physics.viability` of the point by the state's method, with its Belle II target,
    n_σ, r_max, BaBar treatment and C_WW mapping (plain data, cached).

    By the fBE this is slow (one fBE solve, shared with the fBE read-out): the point callback
    calls it only when :func:`fbe_cached` is true; the fBE background job computes it.
    Raises ``ValueError`` for a point outside the model's domain.
    """
    return _viability_point(*cache_args(state, "viability"))


@memoized
def _viability_point(
    m_a: float,
    delta: float,
    g_aWW: float,
    g_achi: float,
    target: str,
    width: str,
    method: str,
    n_sigma: float,
    r_max: float,
    babar: str,
    cww: str,
) -> dict[str, Any]:
    model = ALPModel.from_detuning(m_a, delta, g_aWW, g_achi)
    given: RelicResult | None = as_result(_relic_point(m_a, delta, g_aWW, g_achi, width, method))
    if given is not None and given.method != method:
        given = None  # a result labelled with another method: let physics solve as asked
    v = physics_viability(
        model,
        method,
        target=target,
        n_sigma=n_sigma,
        relic_options={"width": width},
        r_max_m=r_max,
        babar_as_limit=babar == "limit",
        cww_mapping=cww,
        relic_result=given,
    )
    return {
        "viable": bool(v.viable),
        "reasons": list(v.reasons),
        "notes": list(v.notes),
        "method": v.method,
        "target": v.target,
        "n_sigma": v.n_sigma,
        "relic_tolerance": v.relic_tolerance,
        "omega_h2": finite_or_none(v.omega_h2),
        "belle2_pull": finite_or_none(v.belle2_pull),
        "babar_pull": finite_or_none(v.babar_pull),
        "signal": finite_or_none(v.signal),
        "cmb_ratio": finite_or_none(v.cmb_ratio),
    }


def cached_viability(state: AppState) -> dict[str, Any] | None:
    """The viability verdict if it is in the cache (None otherwise; never computes)."""
    return peek(_viability_point, *cache_args(state, "viability"))
