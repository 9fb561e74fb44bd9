"""Scan throughput: points per second on 1 and 2 local workers (median over repeats).

    .venv/bin/python benchmarks/bench_scan.py                # print a Markdown table
    .venv/bin/python benchmarks/bench_scan.py --write        # also update docs/performance.md "## Scans"

Two workloads: the flavour side (derived, flavour, Belle II, every limit; vectorised per chunk)
and the relic density (nBE + cBE per point). Each is
run end to end through :func:`physics.scan.run_scan` into a fresh directory (worker start-up,
Parquet writing and the final combine included), with local processes (1 and 2 workers), in
this process, and on a 2-worker ``dask.distributed.LocalCluster`` (cluster start-up excluded).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _machine import cpu_model  # (benchmarks/, the script's directory)

from physics.scan import Axis, ScanSpec, run_scan

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
HEADING = "## Scans"


def flavour_spec() -> ScanSpec:
    """200 000 points: 100 m_a × 5 δ × 40 g_aWW × 10 g_aχχ, flavour-side groups."""
    return ScanSpec(
        m_a=Axis.log(0.01, 4.7, 100),
        delta=Axis.lin(-0.5, 0.5, 5),
        g_aWW=Axis.log(1e-6, 1e-3, 40),
        g_achi=Axis.log(1e-4, 1.0, 10),
        observables=("derived", "flavour", "belle2", "limits"),
    )


def relic_spec() -> ScanSpec:
    """600 points near the resonance, every group including the relic density."""
    return ScanSpec(
        m_a=Axis.log(0.5, 4.5, 10),
        delta=Axis.of(0.001, 0.01, 0.05, 0.1, 0.3),
        g_aWW=Axis.fixed(8.4e-5),
        g_achi=Axis.log(1e-4, 1e-2, 12),
        observables=None,
    )


def _time_scan(spec: ScanSpec, chunk_size: int, **backend: object) -> tuple[float, float]:
    """(wall seconds of run_scan end to end, worker CPU seconds spent in the chunks)."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = run_scan(spec, Path(tmp) / "s", chunk_size=chunk_size, progress=False, **backend)  # type: ignore[arg-type]
        return time.perf_counter() - t0, res.cpu_seconds


def _one_point(spec: ScanSpec) -> ScanSpec:
    """A 1-point scan with the same observables: measures the fixed start-up cost."""
    axes = {name: Axis.fixed(float(a.nodes()[0])) for name, a in spec.axes().items()}
    return ScanSpec(**axes, observables=spec.observables)  # type: ignore[arg-type]


def _row(
    name: str, label: str, spec: ScanSpec, chunk: int, repeats: int, **backend: object
) -> tuple[str, ...]:
    """(workload, backend, points, chunk, points/s, spread, points per CPU-second, 1-point scan [s])."""
    _time_scan(_one_point(spec), 1, **backend)  # warm-up: data files, numba cache, worker imports
    runs = [_time_scan(spec, chunk, **backend) for _ in range(repeats)]
    rates = [spec.n_points / wall for wall, _ in runs]
    rate = statistics.median(rates)
    per_cpu = statistics.median(spec.n_points / cpu for _, cpu in runs)
    startup = statistics.median(_time_scan(_one_point(spec), 1, **backend)[0] for _ in range(repeats))
    row = (
        name,
        label,
        str(spec.n_points),
        str(chunk),
        f"{rate:,.0f}",
        f"{100 * (max(rates) - min(rates)) / rate:.0f} %",
        f"{per_cpu:,.0f}",
        f"{startup:.2f}",
    )
    print(" | ".join(row), flush=True)
    return row


def bench_workload(name: str, spec: ScanSpec, chunk: int, repeats: int) -> list[tuple[str, ...]]:
    """One row per backend: inline, 1 and 2 local processes, a 2-worker Dask LocalCluster."""
    from distributed import LocalCluster

    rows = [
        _row(name, "inline (this process)", spec, chunk, repeats, scheduler="inline"),
        _row(name, "local processes, 1 worker", spec, chunk, repeats, n_workers=1),
        _row(name, "local processes, 2 workers", spec, chunk, repeats, n_workers=2),
    ]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        rows.append(_row(name, "Dask LocalCluster, 2 workers", spec, chunk, repeats, scheduler=address))
    return rows


def _machine() -> str:
    """CPU model, logical CPUs, load average, Python and numpy versions."""
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{cpu_model()}, {os.cpu_count()} logical CPUs (1/5/15-min load average {load} at the end), "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def markdown(rows: list[tuple[str, ...]], repeats: int) -> str:
    head = (
        "| workload | backend | points | chunk | points/s (median, wall) | spread | points per CPU-s "
        "| 1-point scan [s] |\n|---|---|---|---|---|---|---|---|\n"
    )
    body = "\n".join("| " + " | ".join(r) + " |" for r in rows)
    return (
        f"{HEADING}\n\n"
        f"`benchmarks/bench_scan.py` ({time.strftime('%Y-%m-%d')}; median of {repeats} runs, end to end "
        "through `run_scan`: worker start-up, Parquet chunks and the final combine included; Dask "
        f"cluster start-up excluded). Machine: {_machine()}.\n\n"
        "*points/s*: wall clock, what a user waits for. *points per CPU-s*: points divided by the CPU "
        "time the workers spent inside chunks — a per-worker speed that other load on a shared machine "
        "barely changes; on N idle cores the wall rate approaches N times it once start-up (last "
        f"column) is amortised.\n\n{head}{body}\n\n"
        "Reading the table: the per-CPU speed measures the code, the wall rate the machine at that "
        "moment — when the load average exceeds the number of cores, extra workers cannot help. Local "
        "processes pay a start-up per run (spawn, imports, numba cache; last column), so short scans are "
        "faster inline or on an already running Dask cluster; for scans of minutes the start-up is "
        "negligible and the wall rate scales with the number of idle cores. On the flavour side most of "
        "the time goes into building and validating one `ALPModel` per point (the observables "
        "themselves are vectorised per chunk); with the relic density, the nBE + cBE integrations "
        "dominate.\n"
    )


def write_section(text: str, doc: Path = DOC) -> None:
    """Replace the "## Scans" section of docs/performance.md (or append it); nothing else."""
    old = doc.read_text() if doc.exists() else "# Performance\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == HEADING), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    doc.write_text(new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true", help=f"update the '{HEADING}' section of {DOC}")
    args = ap.parse_args()
    print(_machine())
    rows = bench_workload("flavour side", flavour_spec(), 5000, args.repeats)
    rows += bench_workload("with relic density", relic_spec(), 25, args.repeats)
    text = markdown(rows, args.repeats)
    print("\n" + text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
