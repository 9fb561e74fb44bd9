"""Ωh² on many ALP points at once: planes (m_a × g_aχχ), scans, δ scans (docs/relic.md#grid-solver).

Public entry points::

    omega_h2_grid(m_a, g_achi, *, delta, g_aWW, method="cbe", width="energy_dependent")
        -> RelicGrid                      # the outer product, arrays of shape (len(m_a), len(g_achi))
    omega_h2_points(models, methods=("nbe", "cbe"), width="energy_dependent")
        -> dict[str, PointResults]        # any list of ALPModel, one result per model and method

Same equations, tables and integrator as :func:`physics.relic.omega_h2` (Binder et al.
arXiv:1706.07433 eqs. (3.1)–(3.3); docs/relic.md): the numbers are those of ``omega_h2`` point by
point, flags included. What is shared (physics._relic_tables): points with the same m_χ, m_a,
g_aγγ and width treatment — a row of the plane at fixed δ — differ only in y_χ = g_aχχ m_χ, so
the lattice in x, the thermal-average weight matrix, P = ⟨p⁴/E³⟩/T and γ(T)/(y_χ g_aγγ)² are
computed once per row; and the nBE and cBE of one point share one ⟨σv⟩/⟨σv⟩₂ table. Each point
still gets its own ODE solve (physics._relic_ode). The fBE has no shared tables here: it runs
point by point.

A node that fails never sinks the grid: Ωh² = NaN there, with the flag ``invalid_point`` (the
model rejects the parameters, e.g. y_χ > 4π) or ``solver_failed`` (a numerical failure), and the
message in ``errors``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._relic_common import METHODS, RelicResult
from .annihilation import WIDTH_MODES
from .model import ALPModel, check_non_negative
from .relic import _alp_row, _be_result, _model_view, _setup, _Solver, omega_h2
from .thermo import default_table

FloatArray = NDArray[np.float64]
Progress = Callable[[int, int], None]
"""progress(done, total): called after each row of work (a group of points sharing tables)."""

FLAG_INVALID_POINT = "invalid_point"
"""The model rejects this node's parameters (mass out of range, y_χ > 4π, …): not computed."""
FLAG_SOLVER_FAILED = "solver_failed"
"""The relic engine failed numerically at this node (message in ``errors``): not computed."""
_FAILURES = (ValueError, ArithmeticError, RuntimeError)


@dataclass(frozen=True)
class PointResults:
    """One method's results for a list of points (aligned with the input).

    omega_h2, x_freeze_out, T_kd [GeV]: arrays (NaN where not computed); flags: per point, the
    engine's flags (plus ``invalid_point``/``solver_failed``); errors: per point, "" or the
    failure as "<ExceptionType>: <message>".
    """

    method: str
    omega_h2: FloatArray
    x_freeze_out: FloatArray
    T_kd: FloatArray
    flags: tuple[tuple[str, ...], ...]
    errors: tuple[str, ...]


@dataclass(frozen=True)
class RelicGrid:
    """Ωh² on the outer product m_a × g_aχχ at fixed δ and g_aWW.

    m_a [GeV], g_achi [GeV⁻¹]: the axes. omega_h2, x_freeze_out, T_kd [GeV]: arrays of shape
    (len(m_a), len(g_achi)) (NaN where not computed). flags, errors: object arrays of the same
    shape holding each node's flag tuple and error text ("" when fine). method, width, delta,
    g_aWW: the inputs.
    """

    m_a: FloatArray
    g_achi: FloatArray
    delta: float
    g_aWW: float
    method: str
    width: str
    omega_h2: FloatArray
    x_freeze_out: FloatArray
    T_kd: FloatArray
    flags: NDArray[np.object_]
    errors: NDArray[np.object_]

    @property
    def shape(self) -> tuple[int, int]:
        """(len(m_a), len(g_achi))."""
        return (self.m_a.size, self.g_achi.size)


# ----------------------------------------------------------------------------- validation
def _check_axis(name: str, values: ArrayLike, positive: bool) -> FloatArray:
    try:
        raw = np.asarray(values)
        if raw.dtype.kind not in "iuf":  # not booleans, strings or objects
            raise TypeError(raw.dtype)
        a = raw.astype(float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a 1-D array of numbers, got {values!r}") from err
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {a[~np.isfinite(a)][:3].tolist()}")
    if positive and np.any(a <= 0.0):
        raise ValueError(f"{name} must be > 0 GeV, got {float(a.min())!r}")
    if not positive and np.any(a < 0.0):
        raise ValueError(f"{name} must be >= 0, got {float(a.min())!r}")
    return a


def _check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    if isinstance(methods, str) or not methods:
        raise ValueError(f"methods must be a non-empty sequence of {METHODS}, got {methods!r}")
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {m!r}")
    return tuple(dict.fromkeys(methods))


def _check_width(width: str) -> str:
    if width not in WIDTH_MODES:
        raise ValueError(f"width must be one of {WIDTH_MODES}, got {width!r}")
    return width


# ----------------------------------------------------------------------------- the engine
def _failure(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def _numbers(res: RelicResult) -> tuple[float, float, float, tuple[str, ...], str]:
    return float(res.omega_h2), float(res.x_freeze_out), float(res.T_kd), tuple(res.flags), ""


_FAILED = (math.nan, math.nan, math.nan, (FLAG_SOLVER_FAILED,), "")


def _solve_row(
    models: Sequence[ALPModel], methods: tuple[str, ...], width: str
) -> list[dict[str, tuple[float, float, float, tuple[str, ...], str]]]:
    """nBE/cBE of points that share m_χ, m_a, g_aγγ (one table row); per point and method
    (Ωh², x_fo, T_kd, flags, error)."""
    tab = default_table()
    out: list[dict[str, tuple[float, float, float, tuple[str, ...], str]]] = [{} for _ in models]
    try:
        pts = [_model_view(m, width) for m in models]
        row = _alp_row(pts, None, None, None, "cbe" in methods, tab)
    except _FAILURES as err:  # the shared part failed: every point of the row fails alike
        return [{k: (*_FAILED[:4], _failure(err)) for k in methods} for _ in models]
    for c, pt in enumerate(pts):
        try:
            st = _setup(pt, None, None, tab, None, "cbe" in methods, row=row, column=c)
        except _FAILURES as err:
            out[c] = {k: (*_FAILED[:4], _failure(err)) for k in methods}
            continue
        for k in methods:
            try:
                out[c][k] = _numbers(_be_result(st, _Solver.default(k, tab), False, False))
            except _FAILURES as err:
                out[c][k] = (*_FAILED[:4], _failure(err))
    return out


def _solve_fbe(model: ALPModel, width: str) -> tuple[float, float, float, tuple[str, ...], str]:
    try:
        return _numbers(omega_h2(model, method="fbe", width=width))
    except _FAILURES as err:
        return (*_FAILED[:4], _failure(err))


def _row_key(model: ALPModel) -> tuple[float, float, float, float]:
    return (model.m_a, model.m_chi, model.g_aWW, model.g_aBB)


def omega_h2_points(
    models: Sequence[ALPModel],
    methods: Sequence[str] = ("nbe", "cbe"),
    width: str = "energy_dependent",
    progress: Progress | None = None,
) -> dict[str, PointResults]:
    """Ωh² of each ALPModel by each method, equal to :func:`physics.relic.omega_h2` with default
    options point by point (docs/relic.md#grid-solver): points with the same m_a, m_χ, g_aWW and
    g_aBB share their tables, and nBE/cBE of a point share one table.

    ``progress(done, total)`` after each group of points. ``ValueError`` for an unknown method or
    width or a non-ALPModel entry; a point that fails numerically gets NaN and ``solver_failed``.
    """
    methods = _check_methods(methods)
    width = _check_width(width)
    models = list(models)
    for m in models:
        if not isinstance(m, ALPModel):
            raise ValueError(f"models must be ALPModel instances, got {type(m).__name__}")
    groups: dict[tuple[float, float, float, float], list[int]] = {}
    for i, m in enumerate(models):
        groups.setdefault(_row_key(m), []).append(i)
    be = tuple(k for k in methods if k != "fbe")
    per_point: list[dict[str, tuple[float, float, float, tuple[str, ...], str]]] = [{} for _ in models]
    for done, idx in enumerate(groups.values(), start=1):
        if be:
            for i, res in zip(idx, _solve_row([models[i] for i in idx], be, width), strict=True):
                per_point[i].update(res)
        if "fbe" in methods:
            for i in idx:
                per_point[i]["fbe"] = _solve_fbe(models[i], width)
        if progress is not None:
            progress(done, len(groups))
    out: dict[str, PointResults] = {}
    for k in methods:
        rows = [p[k] for p in per_point]
        out[k] = PointResults(
            method=k,
            omega_h2=np.array([r[0] for r in rows], dtype=float),
            x_freeze_out=np.array([r[1] for r in rows], dtype=float),
            T_kd=np.array([r[2] for r in rows], dtype=float),
            flags=tuple(r[3] for r in rows),
            errors=tuple(r[4] for r in rows),
        )
    return out


def omega_h2_grids(
    m_a: ArrayLike,
    g_achi: ArrayLike,
    *,
    delta: float,
    g_aWW: float,
    methods: Sequence[str] = ("nbe", "cbe"),
    width: str = "energy_dependent",
    g_aBB: float = 0.0,
    progress: Progress | None = None,
) -> dict[str, RelicGrid]:
    """:func:`omega_h2_grid` for several methods at once (nBE and cBE share their tables)."""
    methods = _check_methods(methods)
    width = _check_width(width)
    m = _check_axis("m_a", m_a, positive=True)
    g = _check_axis("g_achi", g_achi, positive=False)
    d = float(delta) if isinstance(delta, int | float | np.floating | np.integer) else math.nan
    if not (math.isfinite(d) and d > -1.0):
        raise ValueError(f"delta must be a finite number > -1, got {delta!r}")
    g_ww = check_non_negative("g_aWW", g_aWW)
    g_bb = check_non_negative("g_aBB", g_aBB)
    shape = (m.size, g.size)
    models: list[ALPModel] = []
    where: list[tuple[int, int]] = []
    invalid: dict[tuple[int, int], str] = {}
    for i, ma in enumerate(m):
        for j, gc in enumerate(g):
            try:
                models.append(ALPModel.from_detuning(float(ma), d, g_ww, float(gc), g_bb))
                where.append((i, j))
            except ValueError as err:
                invalid[(i, j)] = _failure(err)
    done_rows = 0

    def row_done(_: int, __: int) -> None:
        nonlocal done_rows
        done_rows += 1
        if progress is not None:
            progress(done_rows, m.size)

    res = omega_h2_points(models, methods, width, row_done if progress is not None else None)
    out: dict[str, RelicGrid] = {}
    for k in methods:
        arrays = {name: np.full(shape, np.nan) for name in ("omega_h2", "x_freeze_out", "T_kd")}
        flags = np.empty(shape, dtype=object)
        errors = np.empty(shape, dtype=object)
        for (i, j), msg in invalid.items():
            flags[i, j], errors[i, j] = (FLAG_INVALID_POINT,), msg
        r = res[k]
        for n, (i, j) in enumerate(where):
            arrays["omega_h2"][i, j] = r.omega_h2[n]
            arrays["x_freeze_out"][i, j] = r.x_freeze_out[n]
            arrays["T_kd"][i, j] = r.T_kd[n]
            flags[i, j], errors[i, j] = r.flags[n], r.errors[n]
        out[k] = RelicGrid(m, g, d, g_ww, k, width, flags=flags, errors=errors, **arrays)
    return out


def omega_h2_grid(
    m_a: ArrayLike,
    g_achi: ArrayLike,
    *,
    delta: float,
    g_aWW: float,
    method: str = "cbe",
    width: str = "energy_dependent",
    g_aBB: float = 0.0,
    progress: Progress | None = None,
) -> RelicGrid:
    """Ωh² by ``method`` ("nbe", "cbe" or "fbe") on the outer product of the axes ``m_a`` [GeV] and
    ``g_achi`` [GeV⁻¹] at detuning ``delta`` and ``g_aWW`` [GeV⁻¹] (``g_aBB`` default 0):
    arrays of shape (len(m_a), len(g_achi)), each node equal to :func:`physics.relic.omega_h2`
    of ``ALPModel.from_detuning(m_a[i], delta, g_aWW, g_achi[j])`` with its flags
    (docs/relic.md#grid-solver). ``progress(done, total)`` after each m_a row.

    ``ValueError`` for an empty, non-1-D or non-finite axis, m_a ≤ 0 or g_achi < 0 on an axis,
    δ ≤ −1, a negative coupling, an unknown method or width. A node the model rejects gets the
    flag ``invalid_point``, a node where the engine fails ``solver_failed``; both Ωh² = NaN.
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    grids = omega_h2_grids(
        m_a, g_achi, delta=delta, g_aWW=g_aWW, methods=(method,), width=width, g_aBB=g_aBB, progress=progress
    )
    return grids[method]


__all__ = [
    "FLAG_INVALID_POINT",
    "FLAG_SOLVER_FAILED",
    "PointResults",
    "RelicGrid",
    "omega_h2_grid",
    "omega_h2_grids",
    "omega_h2_points",
]
