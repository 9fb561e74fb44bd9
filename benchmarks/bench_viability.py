"""Speed of δ* (delta_star), of the viability verdict of one point, and of one node of the
viable projection (physics.projection_node), cBE by default.

    .venv/bin/python benchmarks/bench_viability.py              # all three, median ms
    .venv/bin/python benchmarks/bench_viability.py --only delta_star
    .venv/bin/python benchmarks/bench_viability.py --only projection_node --method fbe --n 3

Goals (issue 11): delta_star ≤ 100 ms per call, viability of one point ≤ 20 ms (cBE).
Single core (thread pools limited to 1), after one warm-up call of each (JIT compilation and
caches). Points: m_a ∈ [0.6, 4.5] GeV, g_aWW ∈ [7e-5, 9.6e-5] GeV⁻¹, g_aχχ ∈ [7e-5, 8e-3] GeV⁻¹
(log), fixed seed; viability is timed at each point's δ* (or δ = 0.02 without a solution);
projection_node at each point's (m_a, g_aχχ) with g_aWW at the lower edge, centre and upper edge
of the Belle II band (three δ* solves plus the band corrections; no goal: the scan and the
reproduction budget it).
Prints the medians, the spread and the load average (timings on a shared machine are noisy).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from physics import ALPModel, delta_star, projection_node, viability  # noqa: E402


def sample(n: int, seed: int = 11) -> list[tuple[float, float, float]]:
    rng = np.random.default_rng(seed)
    return [
        (
            float(rng.uniform(0.6, 4.5)),
            float(rng.uniform(7e-5, 9.6e-5)),
            float(10 ** rng.uniform(math.log10(7e-5), math.log10(8e-3))),
        )
        for _ in range(n)
    ]


def timed(fn, *args, **kwargs) -> tuple[tuple[float, float], object]:  # type: ignore[no-untyped-def]
    """((wall ms, CPU ms), result): the CPU time of this process barely depends on other load."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return (1e3 * (time.perf_counter() - t0), 1e3 * (time.process_time() - c0)), out


def report(name: str, times: list[tuple[float, float]], goal: float | None) -> None:
    ms = [t[0] for t in times]
    med = statistics.median(ms)
    cpu = statistics.median(t[1] for t in times)
    q = np.percentile(ms, [10, 90])
    spread = f"(p10 {q[0]:.1f}, p90 {q[1]:.1f})"
    line = f"{name:<15} n={len(ms):3d}  median {med:7.1f} ms {spread}, CPU {cpu:7.1f} ms"
    if goal is None:
        print(line)
        return
    mark = "✔" if med <= goal else "✘"
    print(f"{line}  goal ≤ {goal:g} ms {mark}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="number of points (default 20)")
    ap.add_argument("--method", default="cbe", choices=("nbe", "cbe", "fbe"))
    ap.add_argument("--only", choices=("delta_star", "viability", "projection_node"))
    args = ap.parse_args()
    points = sample(args.n)
    delta_star(*points[0], method=args.method)  # warm-up
    roots: list[float] = []
    if args.only == "projection_node":
        projection_node(points[0][0], points[0][2], args.method)  # warm-up
        times = [timed(projection_node, m_a, gc, args.method)[0] for m_a, _, gc in points]
        report("projection_node", times, None)
        print(f"method {args.method}; load average (1, 5, 15 min): {os.getloadavg()}")
        return
    if args.only != "viability":
        ms = []
        for p in points:
            t, res = timed(delta_star, *p, method=args.method)
            ms.append(t)
            roots.append(next((d for d in res.roots if d > 0), 0.02))  # type: ignore[attr-defined]
        report("delta_star", ms, 100.0)
    if args.only != "delta_star":
        roots = roots or [0.02] * len(points)
        models = [
            ALPModel.from_detuning(m_a, d, gw, gc) for (m_a, gw, gc), d in zip(points, roots, strict=True)
        ]
        viability(models[0], args.method)  # warm-up
        report("viability", [timed(viability, m, args.method)[0] for m in models], 20.0)
    if args.only is None:
        times = [timed(projection_node, m_a, gc, args.method)[0] for m_a, _, gc in points]
        report("projection_node", times, None)
    print(f"method {args.method}; load average (1, 5, 15 min): {os.getloadavg()}")


if __name__ == "__main__":
    main()
