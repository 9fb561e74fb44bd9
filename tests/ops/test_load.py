"""Load: locust drives the app under gunicorn (several workers) on loopback; no failure, no 5xx.

- ``test_quick_load`` (default suite, ~30 s): 5 users for 10 s.
- ``test_shared_link_load`` (``make test-load``, ~2 min): 50 users (spawned 10/s) for 60 s, the
  issue's scenario; asserts 0 failures and p95 ≤ 100 ms for cached slider updates, and writes
  ``var/load/report-*.md`` (the numbers in docs/reliability.md come from it).

Knobs (environment): ``LOAD_USERS``, ``LOAD_SECONDS``, ``LOAD_WORKERS`` (default 2, the shipped
gunicorn.conf.py), ``LOAD_JOBS`` (1: users also run the δ-scan background callback; 0: only the
synchronous callbacks), ``LOAD_P95_CACHED_MS`` (100). The scenario is ``tests/ops/load/locustfile.py``.
"""

from __future__ import annotations

import csv
import os
import platform
import resource
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests._servers import BIN, ROOT, gunicorn, stop_group

LOCUSTFILE = ROOT / "tests" / "ops" / "load" / "locustfile.py"
REPORT_DIR = ROOT / "var" / "load"
CALLBACK_NAMES = ("move slider", "open shared link")
BUSY_MACHINE_CORES = 0.5
"""Above this CPU use by other processes the latency goal is reported, not judged."""
CPU_USE: dict[str, float] = {}
"""Cores used during the last load run: the app (gunicorn + jobs), locust, everything else."""


def run_locust(url: str, users: int, rate: int, seconds: int, out: Path) -> subprocess.CompletedProcess:
    """Headless locust against ``url`` (loopback); stops by itself after ``seconds``."""
    assert url.startswith("http://127.0.0.1:"), "load is only ever sent to loopback"
    cmd = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(rate)]
    cmd += ["-t", f"{seconds}s", "--host", url, "--csv", str(out / "run"), "--only-summary"]
    cmd += ["--stop-timeout", "5", "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = proc.communicate(timeout=seconds + 90)
    except subprocess.TimeoutExpired:
        stop_group(proc, 5.0)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, output, "")


def read_stats(out: Path) -> dict[str, dict[str, float]]:
    """Per request name: requests, failures, p50/p95/p99/max [ms], req/s (from locust's CSV)."""
    rows = {}
    with (out / "run_stats.csv").open() as fh:
        for r in csv.DictReader(fh):
            rows[r["Name"]] = {
                "requests": int(r["Request Count"]),
                "failures": int(r["Failure Count"]),
                "p50": float(r["50%"]),
                "p95": float(r["95%"]),
                "p99": float(r["99%"]),
                "max": float(r["Max Response Time"]),
                "rps": float(r["Requests/s"]),
            }
    return rows


def read_failures(out: Path) -> list[dict[str, str]]:
    with (out / "run_failures.csv").open() as fh:
        return list(csv.DictReader(fh))


def read_exceptions(out: Path) -> list[dict[str, str]]:
    path = out / "run_exceptions.csv"
    if not path.exists():
        return []
    with path.open() as fh:
        return list(csv.DictReader(fh))


def report(stats: dict[str, dict[str, float]], title: str) -> str:
    lines = [
        f"### {title}",
        "",
        "| request | n | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in sorted(stats.items(), key=lambda kv: (kv[0] == "Aggregated", kv[0])):
        lines.append(
            f"| {name} | {s['requests']} | {s['failures']} | {s['p50']:.0f} | {s['p95']:.0f} | "
            f"{s['p99']:.0f} | {s['max']:.0f} | {s['rps']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load}"


def load_run(tmp_path: Path, users: int, rate: int, seconds: int, workers: int) -> tuple[dict, Path, str]:
    """Start gunicorn (fresh cache), run locust, check the server side; returns (stats, out, log)."""
    out = tmp_path / "locust"
    out.mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    with gunicorn(cache, workers=workers) as app:
        started, app_cpu0 = time.time(), app.cpu_seconds()
        machine0, locust0 = psutil.cpu_times(), resource.getrusage(resource.RUSAGE_CHILDREN)
        result = run_locust(app.url, users, rate, seconds, out)
        elapsed = time.time() - started
        app_cpu = app.cpu_seconds() - app_cpu0
        machine1, locust1 = psutil.cpu_times(), resource.getrusage(resource.RUSAGE_CHILDREN)
        assert app.proc.poll() is None, "gunicorn died under load"
        log = app.log_text()
    busy = (
        sum(machine1) - sum(machine0) - (machine1.idle - machine0.idle) - (machine1.iowait - machine0.iowait)
    )
    locust_cpu = (locust1.ru_utime + locust1.ru_stime) - (locust0.ru_utime + locust0.ru_stime)
    CPU_USE.update(
        app=app_cpu / elapsed,
        locust=locust_cpu / elapsed,
        others=max(busy - app_cpu - locust_cpu, 0) / elapsed,
    )
    assert (out / "run_stats.csv").exists(), result.stdout[-3000:]
    assert elapsed < seconds + 60, "locust did not stop by itself"
    stats = read_stats(out)
    failures = read_failures(out)
    if failures:  # the latency table shows where the failing requests sat
        print("\n" + report(stats, f"failed run: {users} users, {seconds} s"))
    server_errors = [f for f in failures if " 5" in f["Error"] or "HTTP 5" in f["Error"]]
    assert not server_errors, server_errors
    assert not failures, failures
    assert not read_exceptions(out), read_exceptions(out)  # the scenario itself never broke
    assert "Traceback" not in log and "Exception on /" not in log, log[-3000:]
    return stats, out, log


def test_quick_load(tmp_path: Path) -> None:
    stats, _, _ = load_run(tmp_path, users=5, rate=5, seconds=10, workers=2)
    callbacks = {n: s for n, s in stats.items() if n.startswith(CALLBACK_NAMES)}
    assert sum(s["requests"] for s in callbacks.values()) >= 10, stats
    assert any("[cold]" in n for n in callbacks) and any("[cached]" in n for n in callbacks), list(stats)


@pytest.mark.load
def test_shared_link_load(tmp_path: Path) -> None:
    users = int(os.environ.get("LOAD_USERS", "50"))
    seconds = int(os.environ.get("LOAD_SECONDS", "60"))
    workers = int(os.environ.get("LOAD_WORKERS", "2"))
    jobs = os.environ.get("LOAD_JOBS", "1") != "0"
    before = machine()
    stats, _, _ = load_run(tmp_path, users=users, rate=10, seconds=seconds, workers=workers)
    title = (
        f"{users} users (spawn 10/s), {seconds} s, gunicorn {workers} workers × 2 threads, "
        f"background jobs {'on' if jobs else 'off (LOAD_JOBS=0)'}, "
        f"{time.strftime('%Y-%m-%d %H:%M')} — {before}"
    )
    cpu = ", ".join(f"{k} {v:.2f}" for k, v in CPU_USE.items())
    text = report(stats, title) + f"\nCPU during the run (cores of {os.cpu_count()}): {cpu}\n"
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / f"report-{'jobs' if jobs else 'nojobs'}-{workers}w.md").write_text(text)
    print("\n" + text)
    cached = stats["move slider [cached]"]
    limit = float(os.environ.get("LOAD_P95_CACHED_MS", "100"))
    assert cached["requests"] >= 100
    if CPU_USE["others"] > BUSY_MACHINE_CORES:  # 0 failures and no 5xx were asserted above
        pytest.skip(
            f"latency goal not judged: other processes used {CPU_USE['others']:.2f} of {os.cpu_count()} "
            f"cores during the run (cached p95 {cached['p95']:.0f} ms); see {REPORT_DIR}"
        )
    assert cached["p95"] <= limit, f"p95 of cached slider updates {cached['p95']} ms > {limit} ms"
