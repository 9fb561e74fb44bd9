"""Slider-to-update latency of the dashboard under gunicorn (2 workers): cold and cached, p50/p95.

Not a test. Starts ``gunicorn -c gunicorn.conf.py --workers 2 app:server`` on a free port with
an empty cache directory, then measures:

1. server round trip of the synchronous slider callback (the exact request the browser sends
   when a slider is released), for m_a moves (the point moves: ``Patch``) and δ moves (the
   flavour background is recomputed and resent), each *cold* (never computed: empty cache)
   and *cached* (the same positions again);
2. with ``--browser`` (needs Chromium, found as by the browser tests): the time from a key
   press on the m_a slider to the new Ωh²(cBE) in the page, cold and cached, in headless Chromium.

    .venv/bin/python benchmarks/bench_latency.py [--n 40] [--browser]

Targets: p95 ≤ 500 ms cold, ≤ 100 ms cached. Results go to docs/performance.md ("## Dashboard").
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _machine import machine  # noqa: E402  (benchmarks/, the script's directory)

from callbacks.point import dm_key, scan_key  # noqa: E402
from dashboard.state import AppState, presets, round_sig, to_query, to_slider  # noqa: E402
from layouts import ids  # noqa: E402
from layouts.controls import control_values  # noqa: E402
from tests import _servers  # noqa: E402


@contextmanager
def gunicorn(workers: int = 2) -> Iterator[str]:
    """The app under gunicorn (tests/_servers.py) with a fresh cache directory; yields the base URL."""
    with tempfile.TemporaryDirectory(prefix="alp-bench-") as cache:
        with _servers.gunicorn(Path(cache), workers) as app:
            yield app.url


def main_callback(url: str) -> dict[str, Any]:
    """The synchronous callback's dependency entry (output spec string and inputs)."""
    deps = requests.get(f"{url}/_dash-dependencies", timeout=10).json()
    return next(d for d in deps if f"{ids.FLAVOUR_FIG}.figure" in d["output"])


def _outputs(spec: str) -> list[dict[str, str]]:
    parts = spec.strip(".").split("...")
    out = []
    for p in parts:
        cid, _, prop = p.rpartition(".")
        out.append({"id": cid, "property": prop})
    return out


def payload(dep: dict[str, Any], state: AppState, previous: AppState, trigger: str) -> dict[str, Any]:
    """The JSON body the browser posts when control ``trigger`` moved from ``previous`` to ``state``."""
    values = {**control_values(state), "search": to_query(previous)}
    inputs = []
    for item in dep["inputs"]:
        cid, prop = item["id"], item["property"]
        if cid.startswith("{"):  # the preset buttons (pattern-matching ALL)
            inputs.append(
                [{"id": {"name": p.key, "type": ids.PRESET}, "property": prop, "value": 0} for p in presets()]
            )
        elif cid == ids.URL:
            inputs.append({"id": cid, "property": prop, "value": values["search"]})
        else:
            inputs.append({"id": cid, "property": prop, "value": values[cid]})
    state_vals = {
        ids.STATE: previous.to_dict(),
        ids.DM_KEY: dm_key(previous),
        ids.SCAN_KEY: scan_key(previous),
        ids.VIABILITY_KEY: None,
    }
    shown = {ids.PAGE: f"theme-{previous.theme}", ids.FBE_OUT: None}
    return {
        "output": dep["output"],
        "outputs": _outputs(dep["output"]),
        "inputs": inputs,
        "state": [
            # beyond the three stores: what the page shows (no messages, the theme, no fBE result)
            {
                "id": s["id"],
                "property": s["property"],
                "value": state_vals.get(s["id"], shown.get(s["id"], "")),
            }
            for s in dep["state"]
        ],
        "changedPropIds": [f"{trigger}.value"],
    }


def time_moves(
    session: requests.Session, url: str, dep: dict[str, Any], states: list[AppState], trigger: str
) -> list[float]:
    """Post one slider move per consecutive pair of states; latencies in ms."""
    out = []
    for prev, new in itertools.pairwise(states):
        body = payload(dep, new, prev, trigger)
        t0 = time.perf_counter()
        r = session.post(f"{url}/_dash-update-component", json=body, timeout=60)
        dt = (time.perf_counter() - t0) * 1e3
        r.raise_for_status()
        if "omega-cbe" not in r.text and trigger == ids.slider(ids.M_A):
            raise RuntimeError("the response carries no relic numbers")
        out.append(dt)
    return out


def stats(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "max": max(ms),
        "mean": statistics.fmean(ms),
    }


def http_benchmark(url: str, n: int) -> dict[str, dict[str, float]]:
    dep = main_callback(url)
    session = requests.Session()
    base = AppState()
    # m_a moves along slider positions never visited: cold; then the same again: cached
    lo = to_slider(0.3)
    ma_states = [base] + [AppState(m_a=round_sig(10 ** (lo + 0.01 * k))) for k in range(n)]
    d_states = [base] + [AppState(delta=round_sig(10 ** (-3.5 + 0.03 * k))) for k in range(n)]
    res = {
        "m_a cold": stats(time_moves(session, url, dep, ma_states, ids.slider(ids.M_A))),
        "m_a cached": stats(time_moves(session, url, dep, ma_states, ids.slider(ids.M_A))),
        "δ cold": stats(time_moves(session, url, dep, d_states, ids.slider(ids.DELTA))),
        "δ cached": stats(time_moves(session, url, dep, d_states, ids.slider(ids.DELTA))),
    }
    return res


def browser_benchmark(url: str, n: int) -> dict[str, dict[str, float]]:
    """Key press on the m_a slider → new Ωh²(cBE) text, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {"browser cold": [], "browser cached": []}
    with sync_playwright() as p:
        chromium = str(_servers.find_chromium())
        browser = p.chromium.launch(executable_path=chromium, args=_servers.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/?ma=0.2")
        page.wait_for_selector("#omega-cbe")
        thumb = page.locator(f"#{ids.slider(ids.M_A)} [role=slider]")
        for label, key in (("browser cold", "ArrowRight"), ("browser cached", "ArrowLeft")):
            for _ in range(n):
                before = page.locator("#ma-input").input_value()
                thumb.focus()
                t0 = time.perf_counter()
                page.keyboard.press(key)
                page.wait_for_function(
                    "(b) => { const i = document.getElementById('ma-input'); const u = location.search;"
                    " return i.value !== b && u.includes('ma=' + i.value); }",
                    arg=before,
                    timeout=30_000,
                )
                out[label].append((time.perf_counter() - t0) * 1e3)
        browser.close()
    return {k: stats(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=40, help="slider moves per series")
    ap.add_argument("--browser", action="store_true", help="also time key press → DOM update in Chromium")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    args = ap.parse_args()
    with gunicorn(2) as url:
        results = http_benchmark(url, args.n)
        if args.browser and _servers.find_chromium() is not None:
            results.update(browser_benchmark(url, max(5, args.n // 4)))
    print(f"machine: {machine()}")
    print(f"{'series':<16}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, s in results.items():
        print(f"{name:<16}{s['n']:>4}{s['p50']:>9.1f}{s['p95']:>9.1f}{s['max']:>9.1f}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
