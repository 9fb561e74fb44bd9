"""Relic-engine benchmark (speed and accuracy) and the cBE/nBE/fBE scan.

    .venv/bin/python benchmarks/bench_relic.py            # median ms per point + accuracy
    .venv/bin/python benchmarks/bench_relic.py --scan     # Ωh² (nBE, cBE, fBE) versus δ

Timing: single core (numba threading is not used; BLAS is limited to one thread below), after
one warm-up call per method (JIT compilation and caches), over ≥ 20 resonance-region points
(m_a ∈ [0.6, 4.8] GeV, |δ| ∈ [1e-4, 1], both signs, g_aWW ∈ [7e-5, 1e-4] GeV⁻¹,
g_aχχ ∈ [1e-4, 1e-2] GeV⁻¹, drawn with a fixed seed). Points that never reach chemical
equilibrium (flagged, not computed) are replaced by new draws so that every timing is a solve.
The load average of the machine is printed before and after (timings on a shared machine vary).

Accuracy (same points): each default result against a converged run of the same method —
nBE/cBE: rtol 1e-8, freeze_tol 1e-7, 8× the table density, half the start x; fBE: 3× the cells,
rtol/10, a third of the start x, 10 more e-folds of momentum range (benchmarks/fbe_convergence.py
has the per-refinement table).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.costs import FBE_MAX_MS, FBE_MEDIAN_MS  # noqa: E402
from physics import omega_h2  # noqa: E402
from physics.model import ALPModel  # noqa: E402
from physics.relic import _default_per_decade, _model_view  # noqa: E402

FLAG = "accuracy_not_verified"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def sample_points(n: int, seed: int = 20250400) -> list[ALPModel]:
    """n resonance-region points that reach chemical equilibrium."""
    rng = np.random.default_rng(seed)
    out: list[ALPModel] = []
    while len(out) < n:
        m_a = rng.uniform(0.6, 4.8)
        delta = rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-4, 0)
        delta = max(delta, -0.9)
        model = ALPModel.from_detuning(m_a, delta, rng.uniform(7e-5, 1e-4), 10 ** rng.uniform(-4.0, -2.0))
        if math.isfinite(omega_h2(model, "nbe").omega_h2):
            out.append(model)
    return out


def converged(model: ALPModel, method: str, res: object) -> float:
    """Ωh² of the same method at refined settings (module docstring)."""
    x0 = res.extra["x_start"]  # type: ignore[attr-defined]
    if method == "fbe":
        opts = {"cells": 3.0, "tail": 25.0, "top": 35.0}
        return omega_h2(model, "fbe", rtol=1e-5, x_start=x0 / 3, fbe_options=opts).omega_h2
    pd = 8 * _default_per_decade(_model_view(model, "energy_dependent"))
    return omega_h2(model, method, rtol=1e-8, freeze_tol=1e-7, per_decade=pd, x_start=x0 / 2).omega_h2


def bench(n_points: int, n_fbe: int, accuracy: bool) -> None:
    points = sample_points(n_points)
    print(f"machine: {platform.platform()} | {cpu_name()} | python {platform.python_version()}")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"points: {len(points)} resonance-region parameter points (fBE: first {n_fbe})")
    for method, subset in (("nbe", points), ("cbe", points), ("fbe", points[:n_fbe])):
        omega_h2(subset[0], method)  # warm-up (JIT, caches)
        times, results = [], []
        for model in subset:
            t0 = time.perf_counter()
            res = omega_h2(model, method)
            times.append(time.perf_counter() - t0)
            assert math.isfinite(res.omega_h2), res.message
            results.append(res)
        med = statistics.median(times)
        lo, hi = 1e3 * min(times), 1e3 * max(times)
        line = f"{method}: median {1e3 * med:8.2f} ms/point   (min {lo:.2f}, max {hi:.2f})"
        if accuracy:  # points flagged accuracy_not_verified are counted, not averaged in
            pairs = [(m, r) for m, r in zip(subset, results, strict=True) if FLAG not in r.flags]
            devs = [abs(r.omega_h2 / converged(m, method, r) - 1.0) for m, r in pairs]
            line += (
                f"   |default/converged − 1| (unflagged): median {statistics.median(devs):.1e}, "
                f"max {max(devs):.1e}; flagged {FLAG}: {len(subset) - len(pairs)}"
            )
        print(line, flush=True)
        if method == "fbe":  # the dashboard quotes dashboard/costs.py: keep it this run's numbers
            print(
                f"   dashboard/costs.py quotes median {FBE_MEDIAN_MS:g} ms, max {FBE_MAX_MS:g} ms "
                "(update it with docs/performance.md when a new run is recorded)"
            )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def scan() -> None:
    """Ωh² and the cBE/nBE, fBE/cBE ratios versus δ for the benchmark couplings."""
    configs = [(2.0, 8e-5, 1e-3), (2.0, 9e-5, 8e-3), (1.0, 8e-5, 1e-4), (4.0, 7e-5, 3e-3)]
    deltas = [
        -0.3,
        -0.1,
        -0.03,
        -1e-2,
        -3e-3,
        -1e-3,
        -1e-4,
        1e-4,
        1e-3,
        3e-3,
        1e-2,
        0.03,
        0.1,
        0.2,
        0.3,
        0.5,
        1.0,
    ]
    for m_a, g_w, g_c in configs:
        print(f"\nm_a = {m_a} GeV, g_aWW = {g_w:g} GeV^-1, g_achi = {g_c:g} GeV^-1")
        heads = ("delta", "Omega_nBE", "Omega_cBE", "Omega_fBE", "cBE/nBE", "fBE/cBE", "x_f", "x_kd")
        widths = (8, 11, 11, 11, 8, 8, 5, 5)
        print(" ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
        for d in deltas:
            model = ALPModel.from_detuning(m_a, d, g_w, g_c)
            n, c = omega_h2(model, "nbe"), omega_h2(model, "cbe")
            if not math.isfinite(n.omega_h2):
                print(f"{d:8.0e}   never in chemical equilibrium (freeze-in regime): not computed")
                continue
            f = omega_h2(model, "fbe")
            flags = sorted(set(n.flags) | set(c.flags) | set(f.flags))
            print(
                f"{d:8.0e} {n.omega_h2:11.4e} {c.omega_h2:11.4e} {f.omega_h2:11.4e} "
                f"{c.omega_h2 / n.omega_h2:8.3f} {f.omega_h2 / c.omega_h2:8.3f} {n.x_freeze_out:5.1f} "
                f"{c.extra['x_kd']:5.2f}" + (f"  [{', '.join(flags)}]" if flags else "")
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=24)
    parser.add_argument("--fbe-points", type=int, default=20)
    parser.add_argument("--scan", action="store_true", help="print the δ scan instead of timing")
    parser.add_argument("--no-accuracy", action="store_true", help="timings only")
    args = parser.parse_args()
    if args.scan:
        scan()
    else:
        bench(args.points, args.fbe_points, not args.no_accuracy)


if __name__ == "__main__":
    main()
