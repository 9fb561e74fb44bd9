"""CPU time of one cached request, per kind, inside the server process (no network, no gunicorn).

Not a test. Builds the app (``app.create_app``) on a fresh file cache in a temporary
directory, posts every request once to fill the caches, then posts each again ``--n`` times
through Flask's test client and prints the median CPU time (``time.process_time``) and wall
time per request kind:

- ``m_a move``: the slider release the browser posts (the point moves; ``Patch`` of the markers),
- ``δ move``: the flavour background and the relic numbers change (figures resent),
- ``open link``: the page-load callback of a shared link (every output sent),
- ``δ scan start``: the start of a background job whose result is stored (no process forked),
- ``job poll``: a poll of that job (the stored figure is read and sent).

``--profile KIND`` prints the cProfile table of that kind instead (top functions by
cumulative time). Results: docs/reliability.md ("Where a cached request spends its CPU").

    .venv/bin/python benchmarks/bench_request_cpu.py [--n 200] [--profile "m_a move"]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _machine import machine  # noqa: E402  (benchmarks/, the script's directory)
from bench_latency import payload  # noqa: E402

from dashboard.state import AppState, round_sig, to_slider  # noqa: E402
from layouts import ids  # noqa: E402

UPDATE = "/_dash-update-component"


def build_requests(client: Any) -> dict[str, Callable[[int], Any]]:
    """Per kind, a function posting its ``i``-th request (cycling over a few cached ones)."""
    from tests.ops.load.dash_protocol import Protocol, end_id, scan_job

    page = client.get("/").get_data(as_text=True)
    eid = end_id(page)
    deps = client.get("/_dash-dependencies").get_json()
    layout = client.get("/_dash-layout").get_json()
    protocol = Protocol(deps, layout)
    main = protocol.main
    lo = to_slider(0.3)
    ma_states = [AppState()] + [AppState(m_a=round_sig(10 ** (lo + 0.01 * k))) for k in range(6)]
    d_states = [AppState()] + [AppState(delta=round_sig(10 ** (-3.0 + 0.05 * k))) for k in range(6)]
    ma_moves = [payload(main, b, a, ids.slider(ids.M_A)) for a, b in itertools.pairwise(ma_states)]
    d_moves = [payload(main, b, a, ids.slider(ids.DELTA)) for a, b in itertools.pairwise(d_states)]
    links = [protocol.main_payload(s, None, "", "url.search") for s in ma_states[1:]]
    scan = scan_job(protocol, AppState())
    params = {"endId": eid}

    def post(body: dict, **extra: str) -> Any:
        r = client.post(UPDATE, json=body, query_string={**params, **extra})
        assert r.status_code in (200, 204), (r.status_code, r.get_data(as_text=True)[:300])
        return r

    handles: dict[str, str] = {}

    def scan_start(i: int) -> Any:
        r = post(scan)
        handles.update(r.get_json())
        return r

    def scan_poll(i: int) -> Any:
        if not handles:
            scan_start(0)
        return post(scan, cacheKey=handles["cacheKey"], job=handles["job"])

    return {
        "m_a move": lambda i: post(ma_moves[i % len(ma_moves)]),
        "δ move": lambda i: post(d_moves[i % len(d_moves)]),
        "open link": lambda i: post(links[i % len(links)]),
        "δ scan start": scan_start,
        "job poll": scan_poll,
    }


def warm(kinds: dict[str, Callable[[int], Any]]) -> None:
    """Fill the caches: every request once, and the δ scan to its result."""
    for fn in kinds.values():
        for i in range(6):
            fn(i)
    deadline = time.time() + 300
    while time.time() < deadline:
        r = kinds["job poll"](0)
        if r.status_code == 200 and "response" in (r.get_json() or {}):
            return
        time.sleep(0.3)
    raise RuntimeError("the δ scan never finished")


def measure(fn: Callable[[int], Any], n: int) -> tuple[float, float]:
    """(median CPU ms, median wall ms) of ``n`` calls."""
    cpu, wall = [], []
    for i in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        fn(i)
        cpu.append((time.process_time() - c0) * 1e3)
        wall.append((time.perf_counter() - w0) * 1e3)
    return statistics.median(cpu), statistics.median(wall)


def profile(fn: Callable[[int], Any], n: int, top: int = 35) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for i in range(n):
        fn(i)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="requests per kind")
    ap.add_argument("--profile", metavar="KIND", help="print the cProfile table of this kind")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="alp-cpu-") as cache:
        os.environ["ALP_CACHE_DIR"] = cache
        os.environ["REDIS_URL"] = ""
        from app import create_app
        from dashboard.jobs import install_fork_hygiene

        install_fork_hygiene()
        client = create_app().server.test_client()
        kinds = build_requests(client)
        warm(kinds)
        if args.profile:
            print(profile(kinds[args.profile], args.n))
            return
        results = {name: measure(fn, args.n) for name, fn in kinds.items()}
    print(f"machine: {machine()}")
    print(f"{'request (cached)':<16}{'n':>5}{'CPU ms':>9}{'wall ms':>9}")
    for name, (cpu, wall) in results.items():
        print(f"{name:<16}{args.n:>5}{cpu:>9.2f}{wall:>9.2f}")


if __name__ == "__main__":
    main()
