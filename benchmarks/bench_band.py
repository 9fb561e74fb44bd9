"""Benchmark of the g_aWW band (physics.g_aWW_band) for the flavour plane.

    .venv/bin/python benchmarks/bench_band.py [--n-masses 200] [--repeat 30]

Target (issue 10): ≤ 50 ms for 200 masses with theory=True. Prints the median (and the 10 %/90 %
quantiles) over ``--repeat`` calls after one warm-up call, for the missing-energy (δ = 0.024)
and the long-lived photon-only (δ = −0.1) cases, with and without the theory errors, plus the
load average (the machine is shared: compare medians taken under similar load).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from physics import g_aWW_band  # noqa: E402


def time_band(m: np.ndarray, delta: float, theory: bool, repeat: int) -> list[float]:
    g_aWW_band(m, delta, 1e-3, theory=theory)  # warm-up (data files, caches)
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        g_aWW_band(m, delta, 1e-3, theory=theory)
        out.append(1e3 * (time.perf_counter() - t0))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-masses", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    m = np.geomspace(0.01, 4.78, args.n_masses)
    print(f"g_aWW_band, {args.n_masses} masses in [0.01, 4.78] GeV, {args.repeat} calls each")
    for delta in (0.024, -0.1):
        for theory in (False, True):
            t = time_band(m, delta, theory, args.repeat)
            q10, q90 = np.quantile(t, [0.1, 0.9])
            print(f"  delta = {delta:+.3f}, theory = {theory!s:5}: median {statistics.median(t):6.1f} ms "
                  f"(10–90 %: {q10:.1f}–{q90:.1f})")
    print("load average (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
