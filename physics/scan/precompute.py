"""Small precomputed grids for the dashboard's heavy planes (versioned in data/precomputed/).

Each grid is an ordinary scan (:func:`physics.scan.run_scan`) reduced to the columns the
dashboard draws, stored as ``<name>.parquet`` (zstd) with a ``<name>.json`` sidecar: the spec,
the code version, the git commit, the date and the command that regenerates it::

    python -m physics.scan precompute                 # all grids
    python -m physics.scan precompute --only dm_plane --workers 2

The grids are written to ``data/precomputed/`` under the current directory (run the command
from the repository root, as ``make precompute`` does) or to ``--out``. A scratch scan directory
under the system temporary directory (keyed by the spec hash) makes an interrupted regeneration
resume. This module is also the one source of the axes of the dashboard's live DM plane and δ scan
(:data:`DM_PLANE_M_RANGE` …), so that a precomputed grid and a live one are the same plane.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..benchmark_points import ABSTRACT_CENTRE
from ..provenance import code_version
from .observables import OBSERVABLE_GROUPS, columns_for, resolve_groups
from .runner import load_scan, run_scan, scan_status
from .spec import Axis, ScanSpec

PRECOMPUTED_DIR = Path("data") / "precomputed"
"""Default directory of the grids, relative to the current directory (the repository root)."""
COMMAND = "python -m physics.scan precompute"

G_AWW_BENCHMARK = ABSTRACT_CENTRE.g_aWW
"""g_aWW [GeV⁻¹] of every grid: the abstract's centre (physics.benchmark_points)."""

DM_PLANE_M_RANGE = (0.05, 5.0)
"""m_a axis of the DM plane [GeV] (log nodes)."""
DM_PLANE_G_RANGE = (1e-6, 1.0)
"""g_aχχ axis of the DM plane [GeV⁻¹] (log nodes)."""
DM_PLANE_NODES = 28
"""Nodes per axis of the DM plane."""
DM_PLANE_DELTAS = (-0.01, 0.001, 0.01, 0.024, 0.1, 0.3)
"""Detunings with a precomputed DM plane (the abstract's centre 0.024 among them)."""
DELTA_SCAN_ABS_RANGE = (1e-4, 0.99)
"""|δ| axis of the cBE/nBE scan (log nodes, both signs)."""
DELTA_SCAN_NODES = 25
"""Nodes of the |δ| axis per sign."""

_RELIC_COLS = (
    "omega_h2_nbe",
    "omega_h2_cbe",
    "omega_ratio_cbe_nbe",
    "x_fo_nbe",
    "x_fo_cbe",
    "T_kd_cbe",
    "relic_flags_nbe",
    "relic_flags_cbe",
)
_INPUT_COLS = ("point", "m_a", "m_chi", "delta", "g_aWW", "g_achi")
_FBE_COLS = ("omega_h2_fbe", "x_fo_fbe", "relic_flags_fbe")


@dataclass(frozen=True)
class PrecomputedGrid:
    """A named grid: the scan spec, the columns kept, and what the dashboard uses it for."""

    name: str
    title: str
    spec: ScanSpec
    columns: tuple[str, ...]
    chunk_size: int = 50


def _signed_detunings(lo: float, hi: float, n: int) -> tuple[float, ...]:
    """δ = ±geomspace(lo, hi, n), ascending: both sides of the resonance."""
    mags = np.geomspace(lo, hi, n)
    return tuple(float(v) for v in np.concatenate([-mags[::-1], mags]))


RELIC_WIDTH = "energy_dependent"
"""Propagator width treatment of the precomputed grids (the dashboard's default)."""


def precomputed_grids() -> tuple[PrecomputedGrid, ...]:
    """Definitions of every precomputed grid (the single source for the command and the docs).

    Axes are the dashboard's live ones (module constants above) at g_aWW = 8.4e-5 GeV⁻¹.
    """
    groups = ("derived", "flavour", "belle2", "limits", "relic")
    relic = (("width", RELIC_WIDTH),)
    return (
        PrecomputedGrid(
            name="dm_plane",
            title="Ωh² (nBE, cBE) and the flavour verdict in the (m_a, g_aχχ) plane at six detunings",
            spec=ScanSpec(
                m_a=Axis.log(*DM_PLANE_M_RANGE, DM_PLANE_NODES),
                delta=Axis.of(*DM_PLANE_DELTAS),
                g_aWW=Axis.fixed(G_AWW_BENCHMARK),
                g_achi=Axis.log(*DM_PLANE_G_RANGE, DM_PLANE_NODES),
                observables=groups,
                relic_options=relic,
            ),
            columns=(
                *_INPUT_COLS,
                "br_inv",
                "br_B_to_K_a_x_p_inv",
                "in_excess_1sigma",
                "in_fit_1sigma",
                "ratio_max_measured",
                "excluded",
                *_RELIC_COLS,
                "error",
            ),
            chunk_size=2 * DM_PLANE_NODES,  # whole g_aχχ rows: their points share the relic tables
        ),
        PrecomputedGrid(
            name="cbe_nbe_ratio",
            title=(
                "Ωh²(cBE)/Ωh²(nBE) and Ωh²(fBE)/Ωh²(nBE) versus the detuning δ (both signs) at "
                "benchmark masses and couplings"
            ),
            spec=ScanSpec(
                m_a=Axis.of(0.6, 2.0, 4.5),
                delta=Axis.of(*_signed_detunings(*DELTA_SCAN_ABS_RANGE, DELTA_SCAN_NODES)),
                g_aWW=Axis.fixed(G_AWW_BENCHMARK),
                g_achi=Axis.of(1e-4, 1e-3, 7e-3),
                observables=(*groups, "relic_fbe"),
                relic_options=relic,
            ),
            columns=(*_INPUT_COLS, *_RELIC_COLS, *_FBE_COLS, "error"),
            chunk_size=10,
        ),
    )


def grid_definition(name: str) -> PrecomputedGrid:
    """The definition of grid ``name``; ``KeyError`` listing the valid names otherwise."""
    for g in precomputed_grids():
        if g.name == name:
            return g
    raise KeyError(f"unknown precomputed grid {name!r}; valid: {[g.name for g in precomputed_grids()]}")


def _git_commit() -> str:
    """The checkout's commit (of the current directory; "unknown" outside a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def _sidecar(
    grid: PrecomputedGrid, df: pd.DataFrame, code: dict[str, str], seconds: float, backend: str
) -> dict[str, Any]:
    units = {c.name: c.unit for c in columns_for(tuple(OBSERVABLE_GROUPS))}
    return {
        "name": grid.name,
        "title": grid.title,
        "command": f"{COMMAND} --only {grid.name}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": grid.spec.to_dict(),
        "spec_sha256": grid.spec.digest(),
        "shape": list(grid.spec.shape),
        "n_points": len(df),
        "n_errors": int((df["error"] != "").sum()),
        "columns": {c: units.get(c, "") for c in grid.columns},
        "code": code,
        "git": _git_commit(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "compute_seconds": round(seconds, 1),
        "backend": backend,
    }


def _drop_stale_scratch(scratch: Path) -> None:
    """Delete a scratch scan left by an interrupted run of older physics code (it cannot resume)."""
    if not (scratch / "manifest.json").is_file():
        return
    recorded = scan_status(scratch)["code"]
    if recorded is not None and recorded != code_version(cached=False):
        shutil.rmtree(scratch)


def build_grid(
    grid: PrecomputedGrid,
    out_dir: Path = PRECOMPUTED_DIR,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Run ``grid``'s scan and write ``<name>.parquet`` + ``<name>.json`` into ``out_dir``."""
    spec = grid.spec.with_observables(resolve_groups(grid.spec.observables))  # fails clearly before work
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.gettempdir()) / "physics-precompute" / f"{grid.name}-{spec.digest()[:12]}"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    _drop_stale_scratch(scratch)
    t0 = time.perf_counter()
    run_scan(
        spec, scratch, scheduler=scheduler, n_workers=n_workers, chunk_size=grid.chunk_size, progress=progress
    )
    seconds = time.perf_counter() - t0
    full = load_scan(scratch)
    df = full[list(grid.columns)]
    target = out_dir / f"{grid.name}.parquet"
    df.to_parquet(target, index=False, compression="zstd")
    sidecar = _sidecar(grid, df, full.attrs["scan"]["code"], seconds, scheduler or "local processes")
    (out_dir / f"{grid.name}.json").write_text(json.dumps(sidecar, indent=1, ensure_ascii=False) + "\n")
    shutil.rmtree(scratch)
    return target


def load_precomputed(name: str, directory: str | Path | None = None) -> pd.DataFrame:
    """A precomputed grid as a DataFrame; ``df.attrs["precomputed"]`` holds its JSON sidecar.

    Raises ``FileNotFoundError`` (with the regeneration command) if the files are missing.
    """
    folder = Path(directory) if directory is not None else PRECOMPUTED_DIR
    grid_definition(name)  # KeyError for an unknown name
    table, meta = folder / f"{name}.parquet", folder / f"{name}.json"
    if not (table.is_file() and meta.is_file()):
        raise FileNotFoundError(
            f"precomputed grid {name!r} not found in {folder}; run: {COMMAND} --only {name}"
        )
    df = pd.read_parquet(table)
    df.attrs["precomputed"] = json.loads(meta.read_text())
    return df


def cli_precompute(ns: argparse.Namespace) -> int:
    """``python -m physics.scan precompute``: list or (re)build grids."""
    grids = precomputed_grids()
    if ns.list:
        for g in grids:
            print(f"{g.name:16s} {g.spec.n_points:6d} points  {g.title}")
        return 0
    names = ns.only or [g.name for g in grids]
    chosen = [grid_definition(n) for n in names]
    out = Path(ns.out) if ns.out else PRECOMPUTED_DIR
    for g in chosen:
        resolve_groups(g.spec.observables)  # every grid checked before the first starts
    for g in chosen:
        path = build_grid(g, out, scheduler=ns.scheduler, n_workers=ns.workers, progress=not ns.no_progress)
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0
