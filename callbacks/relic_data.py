"""Relic-density numbers, the DM plane and the δ scan for the dashboard (cached; no Dash).

Wraps :func:`physics.omega_h2` (the relic engine). Every public function rounds its
arguments to 4 significant figures and calls a memoized worker. Results are plain dicts.
If the relic engine cannot be imported, :func:`engine_available` is False and the callers
show that instead of a number (no fake relic density is ever shown).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from physics import ALPModel, limit_catalogue, ratio_grid

from .backend import finite_or_none, memoized, peek, r4

log = logging.getLogger(__name__)

PLANCK_OMEGA_H2 = 0.120
PLANCK_OMEGA_H2_ERR = 0.001
VIABLE_REL_TOL = 0.10
"""|Ωh²/0.120 − 1| ≤ 10 % counts as "matches Planck" (theory precision, not Planck's 0.8 %)."""
EVOLUTION_POINTS = 160
DM_M_RANGE = (0.05, 5.0)
DM_G_RANGE = (1e-6, 1.0)


def _grid_size(default: int = 28) -> int:
    """Nodes per axis of the DM plane: ``$ALP_DM_GRID`` (4–80) or 28 (the precomputed grids' size)."""
    try:
        return min(max(int(os.environ.get("ALP_DM_GRID", default)), 4), 80)
    except ValueError:
        return default


DM_N_M = _grid_size()
DM_N_G = _grid_size()
SCAN_ABS_DELTA = (1e-4, 0.99)
SCAN_N = 25
METHODS = ("nbe", "cbe")

Progress = Callable[[int, int], None]


def _engine() -> Callable[..., Any] | None:
    """``omega_h2`` from the physics package (or from physics.relic before it is re-exported)."""
    try:
        from physics import omega_h2  # type: ignore[attr-defined]
    except ImportError:
        try:
            from physics.relic import omega_h2
        except ImportError:
            return None
    return omega_h2


def engine_available() -> bool:
    """True if the relic engine (``physics.omega_h2``) can be imported."""
    return _engine() is not None


def engine_missing_message() -> str:
    """What the app shows while the relic engine is not installed."""
    return "relic engine not available (physics.omega_h2 is missing): no relic density is shown"


def viability(omega: float | None) -> str:
    """ "viable" (within 10 % of 0.120), "under" (DM subcomponent allowed), "over" (excluded)."""
    if omega is None or not math.isfinite(omega):
        return "unknown"
    if abs(omega / PLANCK_OMEGA_H2 - 1.0) <= VIABLE_REL_TOL:
        return "viable"
    return "under" if omega < PLANCK_OMEGA_H2 else "over"


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


def summarise(result: Any, *, evolution: bool = True) -> dict[str, Any]:
    """Plain-data summary of a :class:`physics.relic.RelicResult` (evolution down-sampled)."""
    out: dict[str, Any] = {
        "omega_h2": _omega_value(result),
        "x_fo": finite_or_none(result.x_freeze_out),
        "T_kd": finite_or_none(result.T_kd),
        "flags": [str(f) for f in result.flags],
        "message": str(result.message) if result.flags else "",
    }
    x = np.asarray(result.x, dtype=float)
    if evolution and x.ndim == 1 and x.size > 1:
        idx = _downsample(x)
        out["x"] = _floats(x, idx)
        out["Y"] = _floats(result.Y, idx)
        out["Y_eq"] = _floats(result.Y_eq, idx)
        out["T_ratio"] = _floats(result.T_chi_over_T, idx)
    return out


def _omega(model: ALPModel, method: str, width: str, **kwargs: Any) -> Any:
    engine = _engine()
    if engine is None:
        raise ImportError(engine_missing_message())
    return engine(model, method=method, width=width, **kwargs)


def _safe_omega(model: ALPModel, method: str, width: str) -> float | None:
    """Ωh² of one grid node, or None if the solver fails there (one bad node never sinks a scan)."""
    try:
        return _omega_value(_omega(model, method, width))
    except ImportError:
        raise
    except Exception as err:  # numerical failure at one node: logged, drawn as a gap
        log.warning("relic %s failed at %s: %r", method, model, err)
        return None


# ----------------------------------------------------------------------------- one point
def relic_point(
    m_a: float, delta: float, g_aWW: float, g_achi: float, method: str, width: str
) -> dict[str, Any]:
    """Relic density of one point with ``method`` ("nbe", "cbe", "fbe") and width treatment.

    Raises ``ValueError`` for a point outside the model's domain, ``ImportError`` without engine.
    """
    return _relic_point(r4(m_a), r4(delta), r4(g_aWW), r4(g_achi), str(method), str(width))


@memoized
def _relic_point(
    m_a: float, delta: float, g_aWW: float, g_achi: float, method: str, width: str
) -> dict[str, Any]:
    model = ALPModel.from_detuning(m_a, delta, g_aWW, g_achi)
    out = summarise(_omega(model, method, width))
    out.update(method=method, width=width, viability=viability(out["omega_h2"]))
    return out


def relic_pair(m_a: float, delta: float, g_aWW: float, g_achi: float, width: str) -> dict[str, Any]:
    """nBE and cBE side by side, their ratio and the viability of each."""
    res = {m: relic_point(m_a, delta, g_aWW, g_achi, m, width) for m in METHODS}
    n, c = res["nbe"]["omega_h2"], res["cbe"]["omega_h2"]
    ratio = c / n if (n and c and n > 0) else None
    return {**res, "ratio": ratio}


# ----------------------------------------------------------------------------- DM plane
def dm_plane(delta: float, g_aWW: float, width: str, progress: Progress | None = None) -> dict[str, Any]:
    """Ωh² (nBE, cBE) and the flavour exclusion on an (m_a, g_aχχ) grid at fixed δ and g_aWW.

    ``progress(done, total)`` is called after each row of the grid (not part of the cache key).
    """
    return _dm_plane(r4(delta), r4(g_aWW), str(width), progress)


def _flavour_excluded_log_ratio(M: np.ndarray, G: np.ndarray, delta: float, g_aWW: float) -> np.ndarray:
    """log10 of the largest measured prediction/limit ratio over the (m_a, g_aχχ) grid."""
    m_chi = M / (2.0 * math.sqrt(1.0 + delta))
    best = np.zeros(M.shape)
    for info in limit_catalogue():
        if info.status != "measured":
            continue
        r = ratio_grid(info.key, M, g_aWW, m_chi=m_chi, g_achi=G)
        best = np.fmax(best, np.nan_to_num(r, nan=0.0))
    with np.errstate(divide="ignore"):
        return np.clip(np.log10(np.maximum(best, 1e-3)), -3.0, 3.0)


def _plane_rows(
    m: np.ndarray, g: np.ndarray, delta: float, g_aWW: float, width: str, progress: Progress | None
) -> dict[str, np.ndarray]:
    out = {k: np.full((g.size, m.size), np.nan) for k in METHODS}
    for i, gc in enumerate(g):
        for j, ma in enumerate(m):
            try:
                model = ALPModel.from_detuning(float(ma), delta, g_aWW, float(gc))
            except ValueError:
                continue
            for k in METHODS:
                val = _safe_omega(model, k, width)
                out[k][i, j] = np.nan if val is None else val
        if progress is not None:
            progress(i + 1, g.size)
    return out


def _grid_list(a: np.ndarray, digits: int = 3) -> list[list[float | None]]:
    return [[finite_or_none(round(float(v), digits)) if math.isfinite(v) else None for v in row] for row in a]


def precomputed_plane(
    delta: float, g_aWW: float, width: str, m: np.ndarray, g: np.ndarray
) -> dict[str, np.ndarray] | None:
    """Ωh² (nBE, cBE) from ``data/precomputed/dm_plane`` if it holds exactly this plane.

    Used only when δ, g_aWW, the width treatment and both axes match and the grid was computed
    by the current physics code (its recorded source hash); otherwise None (compute live).
    """
    try:
        from physics.scan import code_version, load_precomputed

        df = load_precomputed("dm_plane")
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


@memoized(ignore=("progress",))
def _dm_plane(delta: float, g_aWW: float, width: str, progress: Progress | None = None) -> dict[str, Any]:
    m = np.geomspace(*DM_M_RANGE, DM_N_M)
    g = np.geomspace(*DM_G_RANGE, DM_N_G)
    omega = precomputed_plane(delta, g_aWW, width, m, g)
    source = "precomputed grid (data/precomputed/dm_plane)" if omega is not None else "computed"
    if omega is None:
        omega = _plane_rows(m, g, delta, g_aWW, width, progress)
    M, G = np.meshgrid(m, g)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_n, log_c = np.log10(omega["nbe"]), np.log10(omega["cbe"])
    rel = math.log10(PLANCK_OMEGA_H2)
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
        "log_flavour_ratio": _grid_list(_flavour_excluded_log_ratio(M, G, delta, g_aWW), 2),
        "source": source,
    }


# ----------------------------------------------------------------------------- δ scan
def delta_scan(
    m_a: float, g_aWW: float, g_achi: float, width: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Ωh²(cBE)/Ωh²(nBE) versus |δ| ∈ [1e-4, 0.99] for both signs of δ at fixed couplings."""
    return _delta_scan(r4(m_a), r4(g_aWW), r4(g_achi), str(width), progress)


def cached_delta_scan(m_a: float, g_aWW: float, g_achi: float, width: str) -> dict[str, Any] | None:
    """The δ scan if it is already in the cache (None otherwise; never computes)."""
    return peek(_delta_scan, r4(m_a), r4(g_aWW), r4(g_achi), str(width), None)


def cached_dm_plane(delta: float, g_aWW: float, width: str) -> dict[str, Any] | None:
    """The DM plane if it is already in the cache (None otherwise; never computes)."""
    return peek(_dm_plane, r4(delta), r4(g_aWW), str(width), None)


@memoized(ignore=("progress",))
def _delta_scan(
    m_a: float, g_aWW: float, g_achi: float, width: str, progress: Progress | None = None
) -> dict[str, Any]:
    abs_delta = np.geomspace(*SCAN_ABS_DELTA, SCAN_N)
    cols: dict[str, list[float | None]] = {}
    total, done = 2 * abs_delta.size, 0
    for sign, tag in ((1.0, "pos"), (-1.0, "neg")):
        for k in METHODS:
            cols[f"omega_{k}_{tag}"] = []
        cols[f"ratio_{tag}"] = []
        for d in abs_delta:
            vals: dict[str, float | None] = {}
            try:
                model = ALPModel.from_detuning(m_a, sign * float(d), g_aWW, g_achi)
                for k in METHODS:
                    vals[k] = _safe_omega(model, k, width)
            except ValueError:
                vals = {k: None for k in METHODS}
            for k in METHODS:
                cols[f"omega_{k}_{tag}"].append(vals[k])
            n, c = vals["nbe"], vals["cbe"]
            cols[f"ratio_{tag}"].append(c / n if (n and c and n > 0) else None)
            done += 1
            if progress is not None:
                progress(done, total)
    return {
        "m_a": m_a,
        "g_aWW": g_aWW,
        "g_achi": g_achi,
        "width": width,
        "abs_delta": [float(f"{v:.4g}") for v in abs_delta],
        **cols,
    }
