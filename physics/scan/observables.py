"""The scan's observable registry and the chunk evaluator that runs on workers.

Every column a scan writes is declared once (name, dtype, unit, description) in the data file
``columns.toml`` next to this module, grouped into :class:`ObservableGroup` objects whose
``compute`` (here) maps a :class:`Batch` of valid model points to column arrays; the default
observable set is every group but :data:`OPT_IN_GROUPS`.

:func:`evaluate_chunk` is the one task function shipped to local processes or Dask workers:
it takes plain data (a spec dict and a point range) and returns a pandas DataFrame, so the
same code path serves every backend and results are bit-identical between them.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import constants as C
from ..benchmark_points import ABSTRACT_CENTRE
from ..cmb import CMB_LABEL, CMB_VERDICT_KEY, p_ann_ratio_kernel
from ..decays import ctau_kernel, p_invisible_kernel, width_chi_kernel, width_photons_kernel
from ..flavour import br_B_to_K_a, br_K_to_pi_a, br_KL_to_pi0_a
from ..limits import limit_catalogue, point_arrays, ratio_arrays, tension_pull_arrays
from ..model import ALPModel, g_agg_from_gWW
from ..provenance import code_version
from ..relic import omega_h2
from ..relic_grid import omega_h2_points
from ..targets import belle2_target
from .spec import ScanSpec

FloatArray = NDArray[np.float64]
DType = Literal["float64", "bool", "int64", "str"]
_FILL: dict[str, Any] = {"float64": np.nan, "bool": False, "int64": -1, "str": ""}


@dataclass(frozen=True)
class Column:
    """One output column: name, dtype, unit ("1" dimensionless, "" for flags/text), meaning."""

    name: str
    dtype: DType
    unit: str
    description: str


@dataclass(frozen=True)
class Batch:
    """The valid points of a chunk: parameter arrays and the corresponding models."""

    m_a: FloatArray
    m_chi: FloatArray
    g_aWW: FloatArray
    g_achi: FloatArray
    models: tuple[ALPModel, ...]
    relic_options: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.models)


@dataclass(frozen=True)
class GroupResult:
    """Column arrays for a batch, plus an optional per-point error message ("" = fine)."""

    columns: dict[str, np.ndarray]
    errors: list[str] | None = None


@dataclass(frozen=True)
class ObservableGroup:
    """A set of columns computed together."""

    name: str
    columns: tuple[Column, ...]
    compute: Callable[[Batch], GroupResult]
    description: str


# ----------------------------------------------------------------------------- column schema
COLUMNS_FILE = Path(__file__).resolve().parent / "columns.toml"
"""The column schema: inputs, each group's description and columns, the error column."""


def _read_columns(entries: list[dict[str, str]]) -> tuple[Column, ...]:
    """Columns from the schema's ``{name, dtype, unit, description}`` tables (checked)."""
    cols = []
    for e in entries:
        if set(e) != {"name", "dtype", "unit", "description"} or e["dtype"] not in _FILL:
            raise ValueError(
                f"{COLUMNS_FILE.name}: column {e.get('name')!r} needs name, dtype in "
                f"{sorted(_FILL)}, unit and description"
            )
        cols.append(Column(e["name"], cast(DType, e["dtype"]), e["unit"], e["description"]))
    return tuple(cols)


def _load_schema() -> dict[str, Any]:
    with open(COLUMNS_FILE, "rb") as fh:
        return tomllib.load(fh)


_SCHEMA = _load_schema()


def _group(
    name: str, compute: Callable[[Batch], GroupResult], leading: tuple[Column, ...] = ()
) -> ObservableGroup:
    """Group ``name`` of the schema with its ``compute``; ``leading`` columns built in code come first."""
    entry = _SCHEMA["group"][name]
    return ObservableGroup(name, (*leading, *_read_columns(entry["columns"])), compute, entry["description"])


# ----------------------------------------------------------------------------- inputs
INPUT_COLUMNS: tuple[Column, ...] = _read_columns(_SCHEMA["inputs"]["columns"])
(ERROR_COLUMN,) = _read_columns(_SCHEMA["error"]["columns"])


# ----------------------------------------------------------------------------- derived
def _widths(b: Batch) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(g_aγγ, Γ_tot, Γ(a→χχ̄)) with g_aBB = 0, as in ALPModel."""
    g_agg = g_agg_from_gWW(b.g_aWW)
    y = C.Y_CHI_PER_G_ACHI_M_CHI * b.g_achi * b.m_chi
    w_chi = width_chi_kernel(y, b.m_chi, b.m_a)
    return g_agg, width_photons_kernel(g_agg, b.m_a) + w_chi, w_chi


def _br_inv(w_tot: FloatArray, w_chi: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w_tot > 0, w_chi / np.where(w_tot > 0, w_tot, 1.0), 0.0)


def _derived(b: Batch) -> GroupResult:
    g_agg, w_tot, w_chi = _widths(b)
    scenario = np.where(b.m_a > 2.0 * b.m_chi, "missing_energy", "displaced_diphoton")
    return GroupResult(
        {
            "g_agg": g_agg,
            "y_chi": C.Y_CHI_PER_G_ACHI_M_CHI * b.g_achi * b.m_chi,
            "scenario": scenario.astype(object),
            "width_total": w_tot,
            "br_inv": _br_inv(w_tot, w_chi),
            "ctau_m": ctau_kernel(w_tot),
        }
    )


_DERIVED = _group("derived", _derived)


# ----------------------------------------------------------------------------- flavour
def _br_bk_and_p_inv(b: Batch) -> tuple[FloatArray, FloatArray]:
    """(BR(B⁺→K⁺a), P_inv at Belle II): their product is the Belle II signal."""
    _, w_tot, w_chi = _widths(b)
    br_bk = np.asarray(br_B_to_K_a(b.m_a, b.g_aWW), dtype=float)
    return br_bk, p_invisible_kernel(b.m_a, _br_inv(w_tot, w_chi), ctau_kernel(w_tot))


def _flavour(b: Batch) -> GroupResult:
    br_bk, p_inv = _br_bk_and_p_inv(b)
    return GroupResult(
        {
            "br_B_to_K_a": br_bk,
            "br_K_to_pi_a": np.asarray(br_K_to_pi_a(b.m_a, b.g_aWW), dtype=float),
            "br_KL_to_pi0_a": np.asarray(br_KL_to_pi0_a(b.m_a, b.g_aWW), dtype=float),
            "p_inv_belle2": p_inv,
            "br_B_to_K_a_x_p_inv": br_bk * p_inv,
        }
    )


_FLAVOUR = _group("flavour", _flavour)


# ----------------------------------------------------------------------------- Belle II targets
_TARGETS = {"excess": "excess", "fit": "two_body_fit"}


def _belle2(b: Batch) -> GroupResult:
    br_bk, p_inv = _br_bk_and_p_inv(b)
    signal = br_bk * p_inv
    out: dict[str, np.ndarray] = {}
    for short, kind in _TARGETS.items():
        central, _, _ = belle2_target(b.m_a, kind)
        out[f"{short}_central"] = central
        for n in (1, 2):
            _, low, high = belle2_target(b.m_a, kind, n_sigma=float(n))
            out[f"in_{short}_{n}sigma"] = (signal >= low) & (signal <= high)  # NaN band → False
    return GroupResult(out)


_BELLE2 = _group("belle2", _belle2)


# ----------------------------------------------------------------------------- limits
def _limits(b: Batch) -> GroupResult:
    p = point_arrays(b.m_a, b.g_aWW, b.m_chi, b.g_achi)
    n = len(b)
    out: dict[str, np.ndarray] = {}
    measured_max = np.zeros(n)
    excluded, excluded_any = np.zeros(n, bool), np.zeros(n, bool)
    excluded_by = np.full(n, "", dtype=object)
    hard: list[tuple[str, str, np.ndarray]] = []
    for info in limit_catalogue():
        r = np.broadcast_to(np.asarray(ratio_arrays(info.key, p), dtype=float), (n,))
        out[f"ratio_{info.key}"] = r
        if info.role == "tension":  # a preferred band: its pull, never an exclusion
            out[f"pull_{info.key}"] = np.broadcast_to(tension_pull_arrays(info.key, p), (n,))
            continue
        hard.append((info.key, info.status, r))
    r_cmb = np.broadcast_to(_cmb_ratio(b), (n,))
    out[f"ratio_{CMB_VERDICT_KEY}"] = r_cmb
    hard.append((CMB_VERDICT_KEY, "measured", r_cmb))  # as physics.limits.verdicts
    for key, status, r in hard:
        hit = np.isfinite(r) & (r > 1.0)
        excluded_any |= hit
        if status == "measured":
            measured_max = np.fmax(measured_max, r)
            excluded |= hit
            excluded_by[hit] = excluded_by[hit] + key + ","
    out["ratio_max_measured"] = measured_max
    out["excluded"] = excluded
    out["excluded_by"] = np.array([s.rstrip(",") for s in excluded_by], dtype=object)
    out["excluded_incl_projections"] = excluded_any
    return GroupResult(out)


def _cmb_ratio(b: Batch) -> FloatArray:
    """p_ann / Planck 2018 limit (physics.cmb), from the models' own couplings."""
    g_agg = np.array([m.g_agg for m in b.models])
    y_chi = np.array([m.y_chi for m in b.models])
    return p_ann_ratio_kernel(b.m_a, b.m_chi, g_agg, y_chi)


def _catalogue_columns() -> tuple[Column, ...]:
    """One ratio (and, for a tension, pull) column per catalogued limit, then the CMB ratio."""
    cols: list[Column] = []
    for i in limit_catalogue():
        cols.append(
            Column(
                f"ratio_{i.key}",
                "float64",
                "1",
                f"prediction/limit, {i.label} ({i.status}); > 1 excluded, NaN not applicable"
                if i.role == "limit"
                else f"prediction/(2σ edge), {i.label}: a tension, not counted as excluded",
            )
        )
        if i.role == "tension":
            cols.append(Column(f"pull_{i.key}", "float64", "σ", f"pull of the prediction against {i.label}"))
    cols.append(
        Column(
            f"ratio_{CMB_VERDICT_KEY}",
            "float64",
            "1",
            f"p_ann/3.2e-28 cm³ s⁻¹ GeV⁻¹, {CMB_LABEL} (measured); > 1 excluded, NaN not applicable",
        )
    )
    return tuple(cols)


_LIMITS = _group("limits", _limits, leading=_catalogue_columns())


# ----------------------------------------------------------------------------- relic density
RELIC_METHODS = ("nbe", "cbe")


def _relic_point(model: ALPModel, opts: Mapping[str, Any]) -> dict[str, Any]:
    """Both Boltzmann treatments for one model; engine errors become an error message."""
    row: dict[str, Any] = {}
    errors: list[str] = []
    for method in RELIC_METHODS:
        try:
            res = omega_h2(model, method=method, **opts)
        except (ValueError, ArithmeticError, RuntimeError) as exc:
            errors.append(f"relic {method}: {type(exc).__name__}: {exc}")
            continue
        row[f"omega_h2_{method}"] = float(res.omega_h2)
        row[f"x_fo_{method}"] = float(getattr(res, "x_freeze_out", np.nan))
        row[f"relic_flags_{method}"] = _flags_text(res)
        if method == "cbe":
            t_kd = getattr(res, "T_kd", None)
            row["T_kd_cbe"] = np.nan if t_kd is None else float(t_kd)
    row["_error"] = "; ".join(errors)
    return row


def _flags_text(res: Any) -> str:
    """The engine's machine-readable flags, comma-separated ("" when clean)."""
    flags = getattr(res, "flags", ())
    return flags if isinstance(flags, str) else ",".join(str(f) for f in flags)


GRID_RELIC_OPTIONS = frozenset({"width"})
"""Relic options the batched solver (physics.omega_h2_points) takes; other options (rtol,
x_start, …) run ``omega_h2`` point by point."""


def _relic_batched(b: Batch) -> list[dict[str, Any]]:
    """Both treatments for every model by :func:`physics.omega_h2_points`: the dashboard's and the
    precomputation's code path, with tables shared by points of the same masses (a plane's rows)."""
    width = str(b.relic_options.get("width", "energy_dependent"))
    res = omega_h2_points(b.models, RELIC_METHODS, width=width)
    rows: list[dict[str, Any]] = []
    for i in range(len(b.models)):
        row: dict[str, Any] = {}
        errors: list[str] = []
        for method in RELIC_METHODS:
            r = res[method]
            if r.errors[i]:
                errors.append(f"relic {method}: {r.errors[i]}")
                continue
            row[f"omega_h2_{method}"] = float(r.omega_h2[i])
            row[f"x_fo_{method}"] = float(r.x_freeze_out[i])
            row[f"relic_flags_{method}"] = ",".join(r.flags[i])
            if method == "cbe":
                row["T_kd_cbe"] = float(r.T_kd[i])
        row["_error"] = "; ".join(errors)
        rows.append(row)
    return rows


def _relic(b: Batch) -> GroupResult:
    if set(b.relic_options) <= GRID_RELIC_OPTIONS:
        rows = _relic_batched(b)
    else:
        rows = [_relic_point(m, b.relic_options) for m in b.models]
    out: dict[str, np.ndarray] = {}
    for col in _RELIC.columns:
        if col.name == "omega_ratio_cbe_nbe":
            continue
        vals = [r.get(col.name, _FILL[col.dtype]) for r in rows]
        out[col.name] = np.array(vals, dtype=object if col.dtype == "str" else col.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["omega_ratio_cbe_nbe"] = out["omega_h2_cbe"] / out["omega_h2_nbe"]
    return GroupResult(out, [r["_error"] for r in rows])


def check_relic_options(options: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` now if ``physics.omega_h2`` rejects ``options`` (probe: one benchmark point).

    Without this, a misspelt keyword or value would turn every row into an error row.
    """
    if not options:
        return
    probe = ABSTRACT_CENTRE.model()
    try:
        omega_h2(probe, method="nbe", **options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"relic options {dict(options)} rejected by physics.omega_h2: {exc}") from exc


_RELIC = _group("relic", _relic)


def _relic_fbe(b: Batch) -> GroupResult:
    """The fBE for each model (slow: docs/relic.md#fbe); engine errors become an error message."""
    omega, x_fo, flags, errors = [], [], [], []
    for model in b.models:
        try:
            res = omega_h2(model, method="fbe", **b.relic_options)
        except (ValueError, ArithmeticError, RuntimeError) as exc:
            omega.append(np.nan)
            x_fo.append(np.nan)
            flags.append("")
            errors.append(f"relic fbe: {type(exc).__name__}: {exc}")
            continue
        omega.append(float(res.omega_h2))
        x_fo.append(float(getattr(res, "x_freeze_out", np.nan)))
        flags.append(_flags_text(res))
        errors.append("")
    out = {
        "omega_h2_fbe": np.array(omega, dtype=float),
        "x_fo_fbe": np.array(x_fo, dtype=float),
        "relic_flags_fbe": np.array(flags, dtype=object),
    }
    return GroupResult(out, errors)


_RELIC_FBE = _group("relic_fbe", _relic_fbe)


# ----------------------------------------------------------------------------- registry
OBSERVABLE_GROUPS: Mapping[str, ObservableGroup] = MappingProxyType(
    {g.name: g for g in (_DERIVED, _FLAVOUR, _BELLE2, _LIMITS, _RELIC, _RELIC_FBE)}
)
"""All observable groups, in column order (read-only)."""
if set(OBSERVABLE_GROUPS) != set(_SCHEMA["group"]):
    raise ValueError(
        f"{COLUMNS_FILE.name}: groups {sorted(_SCHEMA['group'])} ≠ registry {list(OBSERVABLE_GROUPS)}"
    )
OPT_IN_GROUPS: tuple[str, ...] = ("relic_fbe",)
"""Groups computed only when asked for by name (too slow for a default scan)."""


def resolve_groups(groups: tuple[str, ...] | None) -> tuple[str, ...]:
    """Validate a group list (``None``: every group but :data:`OPT_IN_GROUPS`), in registry order."""
    if groups is None:
        return tuple(g for g in OBSERVABLE_GROUPS if g not in OPT_IN_GROUPS)
    unknown = sorted(set(groups) - set(OBSERVABLE_GROUPS))
    if unknown:
        raise ValueError(f"unknown observable group(s) {unknown}; valid: {list(OBSERVABLE_GROUPS)}")
    return tuple(name for name in OBSERVABLE_GROUPS if name in groups)


def columns_for(groups: tuple[str, ...]) -> tuple[Column, ...]:
    """All output columns for ``groups``, in table order (inputs first, error last)."""
    cols = [c for g in groups for c in OBSERVABLE_GROUPS[g].columns]
    return (*INPUT_COLUMNS, *cols, ERROR_COLUMN)


# ----------------------------------------------------------------------------- evaluation
def _build_models(spec: ScanSpec, pts: Mapping[str, FloatArray]) -> tuple[list[ALPModel | None], list[str]]:
    """One ALPModel per point, or None and the ValueError message for an invalid point."""
    models: list[ALPModel | None] = []
    errors: list[str] = []
    second = pts[spec.mass_axis]
    for ma, m2, g, gc in zip(pts["m_a"], second, pts["g_aWW"], pts["g_achi"], strict=True):
        try:
            if spec.mass_axis == "delta":
                models.append(ALPModel.from_detuning(float(ma), float(m2), float(g), float(gc)))
            else:
                models.append(ALPModel(float(ma), float(m2), float(g), float(gc)))
            errors.append("")
        except ValueError as exc:
            models.append(None)
            errors.append(f"invalid model: {exc}")
    return models, errors


def _scatter(col: Column, n: int, valid: NDArray[np.bool_], values: np.ndarray | None) -> np.ndarray:
    """Full-length column: ``values`` at valid points, the dtype's fill value elsewhere."""
    dtype = object if col.dtype == "str" else col.dtype
    out = np.full(n, _FILL[col.dtype], dtype=dtype)
    if values is not None:
        out[valid] = values
    return out


def _join_errors(a: list[str], b: list[str]) -> list[str]:
    return [x if not y else (y if not x else f"{x}; {y}") for x, y in zip(a, b, strict=True)]


def evaluate_points(spec: ScanSpec, start: int, stop: int) -> pd.DataFrame:
    """Every observable of ``spec.observables`` for points ``start ≤ i < stop``.

    Invalid models (``ValueError`` from :class:`~physics.model.ALPModel`) give a row with NaN
    observables and the message in ``error``; they never abort the chunk.
    """
    groups = resolve_groups(spec.observables)
    pts = spec.points(start, stop)
    n = stop - start
    models, errors = _build_models(spec, pts)
    valid = np.array([m is not None for m in models], dtype=bool)
    ok = tuple(m for m in models if m is not None)
    batch = Batch(
        m_a=np.array([m.m_a for m in ok], dtype=float),
        m_chi=np.array([m.m_chi for m in ok], dtype=float),
        g_aWW=np.array([m.g_aWW for m in ok], dtype=float),
        g_achi=np.array([m.g_achi for m in ok], dtype=float),
        models=ok,
        relic_options=dict(spec.relic_options),
    )
    data: dict[str, np.ndarray] = {"point": np.arange(start, stop, dtype=np.int64)}
    for name in ("m_a", "m_chi", "delta", "g_aWW", "g_achi"):
        given = pts.get(name)
        data[name] = given if given is not None else _scatter(INPUT_COLUMNS[2], n, valid, None)
    other = "delta" if spec.mass_axis == "m_chi" else "m_chi"
    data[other][valid] = [getattr(m, other) for m in ok]
    for gname in groups:
        group = OBSERVABLE_GROUPS[gname]
        res = group.compute(batch) if len(batch) else None
        for col in group.columns:
            data[col.name] = _scatter(col, n, valid, None if res is None else res.columns[col.name])
        if res is not None and res.errors is not None:
            group_errors = _scatter(ERROR_COLUMN, n, valid, np.array(res.errors, dtype=object))
            errors = _join_errors(errors, list(group_errors))
    data["error"] = np.array(errors, dtype=object)
    return _frame(data, columns_for(groups))


def _frame(data: Mapping[str, np.ndarray], columns: tuple[Column, ...]) -> pd.DataFrame:
    """A DataFrame with the registry's dtypes (strings as pandas' string dtype)."""
    out = {}
    for col in columns:
        arr = data[col.name]
        out[col.name] = pd.Series(arr, dtype="str" if col.dtype == "str" else col.dtype)
    return pd.DataFrame(out)


@dataclass(frozen=True)
class ChunkResult:
    """What a worker sends back: the table, the worker's code version, wall and CPU time [s]."""

    index: int
    frame: pd.DataFrame
    code: dict[str, str]
    seconds: float
    cpu_seconds: float


def evaluate_chunk(spec_dict: dict[str, Any], index: int, start: int, stop: int) -> ChunkResult:
    """Task function for every backend: rebuild the spec, evaluate the point range, time it."""
    t0, c0 = time.perf_counter(), time.thread_time()
    code = code_version()  # the files as this process imported physics.provenance
    frame = evaluate_points(ScanSpec.from_dict(spec_dict), start, stop)
    return ChunkResult(index, frame, code, time.perf_counter() - t0, time.thread_time() - c0)
