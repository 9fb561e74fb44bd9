"""How fast the app steps aside when something is wrong (medians; the tests check only *that* it does).

    .venv/bin/python benchmarks/bench_faults.py [--repeats 5]

- terminating a background job (``JobManager.terminate_job``: SIGKILL without waiting; target ≤ 0.5 s);
- the physics cache falling back to files when ``REDIS_URL`` points at a closed port (target ≤ 2 s);
- ``run_scan`` refusing an unreachable Dask scheduler with ``connect_timeout_s=1`` (target ≤ 20 s).

Results go to docs/performance.md ("## Faults"), with the load average printed here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard import cache as physics_cache  # noqa: E402
from dashboard.jobs import JobManager  # noqa: E402
from physics.scan import Axis, ScanSpec, run_scan  # noqa: E402
from tests._servers import free_port  # noqa: E402


def terminate_job() -> float:
    import diskcache

    manager = JobManager(diskcache.Cache())
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    t0 = time.perf_counter()
    manager.terminate_job(proc.pid)
    dt = time.perf_counter() - t0
    proc.wait(timeout=5)
    return dt


def redis_fallback() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "ALP_CACHE_DIR": tmp}
        t0 = time.perf_counter()
        assert physics_cache.cache_config(env)["CACHE_TYPE"] == "FileSystemCache"
        return time.perf_counter() - t0


def unreachable_scheduler() -> float:
    one = {"m_a": 1.0, "delta": 0.1, "g_aWW": 1e-4, "g_achi": 1e-3}
    spec = ScanSpec(**{name: Axis.fixed(v) for name, v in one.items()})  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        options = {"scheduler": "tcp://127.0.0.1:9", "connect_timeout_s": 1.0, "progress": False}
        t0 = time.perf_counter()
        try:
            run_scan(spec, Path(tmp) / "s", **options)  # type: ignore[arg-type]
        except ConnectionError:
            return time.perf_counter() - t0
    raise RuntimeError("the scan reached a scheduler on port 9")


CASES: dict[str, tuple[Callable[[], float], float]] = {
    "terminate a background job": (terminate_job, 0.5),
    "Redis on a closed port → file cache": (redis_fallback, 2.0),
    "unreachable Dask scheduler (1 s timeout)": (unreachable_scheduler, 20.0),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}; medians of {args.repeats} runs")
    print(f"{'case':<44}{'median s':>10}{'max s':>8}{'target s':>10}")
    for name, (fn, target) in CASES.items():
        times = [fn() for _ in range(args.repeats)]
        print(f"{name:<44}{statistics.median(times):>10.3f}{max(times):>8.3f}{target:>10.1f}")


if __name__ == "__main__":
    main()
