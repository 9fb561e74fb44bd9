"""The "viable" workload: the paper's projections over its domain, as a resumable scan.

``python -m physics.scan viable OUT_DIR [--m-a 0.1:4.8:48] [--g-achi 1e-6:1:25:log]
[--methods nbe,cbe,fbe] [--target excess] ...`` evaluates :func:`physics.projection.projection_node`
at every (method, m_a, g_aχχ) node — g_aWW inside the Belle II band, δ* solved for
Ωh² = 0.120, then Belle II ∧ limits ∧ CMB ∧ scenario (docs/physics.md#viable-region) — on the
same backends as :func:`physics.scan.run_scan` (local processes, inline, or a Dask cluster),
with a progress bar, chunk files and resume (docs/scans.md#viable-region-workload).

Output: ``scan.parquet`` with one row per (method, m_a, g_aχχ, band position) and
``projection-<method>.json`` (:meth:`physics.projection.ViableProjection.to_dict`, loadable
with :func:`load_viable`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..constants import OMEGA_H2_RELATIVE_TOLERANCE
from ..projection import DEFAULT_FRACTIONS, NODE_COLUMNS, ViableProjection, node_arrays, projection_node
from ..provenance import code_version
from ..relic import METHODS
from ..targets import DEFAULT_TARGET, TARGET_CHOICES
from . import runner as R
from .backends import check_count, validate_scheduler, validate_workers
from .observables import ChunkResult
from .spec import Axis

WORKLOAD = "viable"
PROJECTION_FILE = "projection-{method}.json"
DEFAULT_M_A = Axis.lin(0.1, 4.8, 48)
"""The paper's mass range [GeV] (arXiv:2504.00383: viable m_a up to 4.8 GeV), 0.1 GeV steps."""
DEFAULT_G_ACHI = Axis.log(1e-6, 1.0, 25)
"""g_aχχ [GeV⁻¹], 4 nodes per decade, around the abstract's 7.12e-5 – 7.73e-3."""
NODES_PER_CHUNK = {"nbe": 16, "cbe": 16, "fbe": 2}
"""Nodes per task (a few seconds to a minute of work each)."""
COLUMNS = (
    "method",
    "i_m_a",
    "i_g_achi",
    "slot",
    "m_a",
    "g_achi",
    "fraction",
    "g_aWW",
    "delta",
    "delta_lo",
    "delta_hi",
    "viable",
    "reason",
    "n_reasons",
)


@dataclass(frozen=True)
class ViableSpec:
    """What the workload computes: nodes m_a × g_aχχ per method, the Belle II target and band
    positions, the relic tolerance (docs/scans.md#viable-region-workload)."""

    m_a: Axis = DEFAULT_M_A
    g_achi: Axis = DEFAULT_G_ACHI
    methods: tuple[str, ...] = ("nbe", "cbe", "fbe")
    target: str = DEFAULT_TARGET
    n_sigma: float = 1.0
    relic_tolerance: float = OMEGA_H2_RELATIVE_TOLERANCE
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS
    workload: str = field(default=WORKLOAD)

    def __post_init__(self) -> None:
        for name in ("m_a", "g_achi"):
            axis = getattr(self, name)
            if not isinstance(axis, Axis):
                raise ValueError(f"{name} must be an Axis, got {type(axis).__name__}")
            axis.validate(name, "grid")
            if float(np.min(axis.nodes())) <= 0:
                raise ValueError(f"{name} must be > 0")
        if (
            not self.methods
            or any(m not in METHODS for m in self.methods)
            or len(set(self.methods)) != len(self.methods)
        ):
            raise ValueError(f"methods must be distinct names from {METHODS}, got {self.methods!r}")
        if self.target not in TARGET_CHOICES:
            raise ValueError(f"target must be one of {TARGET_CHOICES}, got {self.target!r}")
        for name in ("n_sigma", "relic_tolerance"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not (0 < v < math.inf):
                raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
        if not self.fractions or not all(0.0 <= f <= 1.0 for f in self.fractions):
            raise ValueError(f"fractions must be numbers in [0, 1], got {self.fractions!r}")
        if self.workload != WORKLOAD:
            raise ValueError(f"not a {WORKLOAD} spec: {self.workload!r}")

    @property
    def shape(self) -> tuple[int, int]:
        return (self.m_a.size(), self.g_achi.size())

    @property
    def n_nodes(self) -> int:
        return len(self.methods) * self.shape[0] * self.shape[1]

    @property
    def n_points(self) -> int:
        """Rows of the table: one per node and band position."""
        return self.n_nodes * len(self.fractions)

    def node(self, k: int) -> tuple[str, int, int]:
        """(method, i_m_a, i_g_achi) of node index ``k`` (method slowest, g_aχχ fastest)."""
        n_m, n_g = self.shape
        meth, rest = divmod(k, n_m * n_g)
        i, j = divmod(rest, n_g)
        return self.methods[meth], i, j

    def to_dict(self) -> dict[str, Any]:
        return {
            "workload": WORKLOAD,
            "m_a": self.m_a.to_dict(),
            "g_achi": self.g_achi.to_dict(),
            "methods": list(self.methods),
            "target": self.target,
            "n_sigma": float(self.n_sigma),
            "relic_tolerance": float(self.relic_tolerance),
            "fractions": [float(f) for f in self.fractions],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ViableSpec:
        return cls(
            m_a=Axis.from_dict(d["m_a"]),
            g_achi=Axis.from_dict(d["g_achi"]),
            methods=tuple(d["methods"]),
            target=d["target"],
            n_sigma=float(d["n_sigma"]),
            relic_tolerance=float(d["relic_tolerance"]),
            fractions=tuple(float(f) for f in d["fractions"]),
        )

    def digest(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def evaluate_nodes(spec: ViableSpec, start: int, stop: int) -> pd.DataFrame:
    """Rows for the nodes ``start`` … ``stop`` − 1 (:data:`COLUMNS`)."""
    ma, ga = spec.m_a.nodes(), spec.g_achi.nodes()
    rows: list[dict[str, Any]] = []
    for k in range(start, stop):
        method, i, j = spec.node(k)
        node = projection_node(
            float(ma[i]),
            float(ga[j]),
            method,
            target=spec.target,
            n_sigma=spec.n_sigma,
            relic_tolerance=spec.relic_tolerance,
            fractions=spec.fractions,
        )
        cols = node_arrays(node, len(spec.fractions))
        for w, f in enumerate(spec.fractions):
            rows.append(
                {
                    "method": method,
                    "i_m_a": i,
                    "i_g_achi": j,
                    "slot": w,
                    "m_a": float(ma[i]),
                    "g_achi": float(ga[j]),
                    "fraction": f,
                    **{key: cols[key][w] for key in NODE_COLUMNS},
                    "viable": bool(math.isfinite(cols["delta_lo"][w])),
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype(
        {"g_aWW": float, "delta": float, "delta_lo": float, "delta_hi": float, "n_reasons": int}
    )


def evaluate_viable_chunk(spec_dict: dict[str, Any], index: int, start: int, stop: int) -> ChunkResult:
    """Task function for every backend (like :func:`physics.scan.observables.evaluate_chunk`)."""
    t0, c0 = time.perf_counter(), time.thread_time()
    code = code_version()
    frame = evaluate_nodes(ViableSpec.from_dict(spec_dict), start, stop)
    return ChunkResult(index, frame, code, time.perf_counter() - t0, time.thread_time() - c0)


def _chunk_plan(spec: ViableSpec, nodes_per_chunk: int | None) -> list[list[int]]:
    """[[index, start, stop]] in node indices; chunks never mix methods."""
    plan: list[list[int]] = []
    per_method = spec.shape[0] * spec.shape[1]
    for k, method in enumerate(spec.methods):
        size = nodes_per_chunk or NODES_PER_CHUNK[method]
        for s in range(k * per_method, (k + 1) * per_method, size):
            plan.append([len(plan), s, min(s + size, (k + 1) * per_method)])
    return plan


def _manifest(spec: ViableSpec, nodes_per_chunk: int | None) -> dict[str, Any]:
    return {
        "format": R.MANIFEST_FORMAT,
        "workload": WORKLOAD,
        "spec": spec.to_dict(),
        "spec_sha256": spec.digest(),
        "code": None,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_points": spec.n_points,
        "shape": [len(spec.methods), *spec.shape, len(spec.fractions)],
        "chunk_size": nodes_per_chunk,
        "chunks": _chunk_plan(spec, nodes_per_chunk),
        "columns": list(COLUMNS),
        "complete": False,
    }


def projections_from_table(df: pd.DataFrame, spec: ViableSpec) -> dict[str, ViableProjection]:
    """The :class:`ViableProjection` of every method from the workload's table."""
    n_m, n_g = spec.shape
    n_w = len(spec.fractions)
    out: dict[str, ViableProjection] = {}
    for method in spec.methods:
        sub = df[df["method"] == method].sort_values(["i_m_a", "i_g_achi", "slot"])
        if len(sub) != n_m * n_g * n_w:
            raise ValueError(f"the table holds {len(sub)} rows for {method}, expected {n_m * n_g * n_w}")

        cols = {k: sub[k].to_numpy().reshape(n_m, n_g, n_w) for k in NODE_COLUMNS}
        settings = {**spec.to_dict(), "method": method, "source": "python -m physics.scan viable"}
        out[method] = ViableProjection.from_columns(
            spec.m_a.nodes(), spec.g_achi.nodes(), spec.fractions, cols, method, settings
        )
    return out


def run_viable(
    spec: ViableSpec,
    out_dir: str | os.PathLike[str],
    scheduler: str | None = None,
    n_workers: int | None = None,
    nodes_per_chunk: int | None = None,
    resume: bool = True,
    progress: bool = True,
    max_chunks: int | None = None,
    connect_timeout_s: float = 30.0,
) -> R.ScanResult:
    """Run (or resume) the viable workload into ``out_dir``; options as :func:`run_scan`
    (``nodes_per_chunk``: nodes per task, default :data:`NODES_PER_CHUNK`). Writes
    ``scan.parquet`` and one ``projection-<method>.json`` per method when complete.
    ``ValueError`` before any work for a bad spec, option, directory, or a directory holding
    another scan or other physics code.
    """
    t0 = time.perf_counter()
    if not isinstance(spec, ViableSpec):
        raise ValueError(f"spec must be a ViableSpec, got {type(spec).__name__}")
    run = R._Run(
        validate_scheduler(scheduler), validate_workers(n_workers), bool(progress), float(connect_timeout_s)
    )
    nodes_per_chunk = check_count("nodes_per_chunk", nodes_per_chunk)
    check_count("max_chunks", max_chunks, minimum=0)
    path = R._check_out_dir(out_dir)
    manifest = _manifest(spec, nodes_per_chunk)
    old = R._resumed(path, spec, nodes_per_chunk, resume, run.scheduler in (None, "inline"))  # type: ignore[arg-type]
    if old is not None:
        manifest = old

    def write_projections(done: Path) -> None:
        """One ``projection-<method>.json`` per method from the combined table."""
        table = pd.read_parquet(done / R.TABLE)
        for method, proj in projections_from_table(table, spec).items():
            R._write_json(done / PROJECTION_FILE.format(method=method), proj.to_dict())

    work = R._Workload(evaluate_viable_chunk, "row", WORKLOAD, len(spec.fractions), write_projections)
    return R._run_in_dir(run, spec, path, manifest, resume=resume, max_chunks=max_chunks, t0=t0, work=work)


def load_viable(out_dir: str | os.PathLike[str], method: str) -> ViableProjection:
    """The :class:`ViableProjection` of ``method`` written by a finished viable workload."""
    file = Path(out_dir) / PROJECTION_FILE.format(method=method)
    if not file.exists():
        raise FileNotFoundError(f"no finished viable projection for {method!r} in {out_dir} ({file.name})")
    return ViableProjection.from_dict(json.loads(file.read_text()))
