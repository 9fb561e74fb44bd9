"""Relic grid benchmark: one cBE point against the 28 × 28 DM plane (issue 13's budget: the cBE
plane in ≤ 200 × one cBE point, both measured in this run).

    .venv/bin/python benchmarks/bench_grid.py              # medians of 5 planes
    .venv/bin/python benchmarks/bench_grid.py --reps 3 --point-reps 50
    .venv/bin/python benchmarks/bench_grid.py --browser 8     # δ moves in Chromium (gunicorn)

Rows (wall-clock and CPU-time medians; single thread, after one warm-up of every path):
- one cBE point: ``physics.omega_h2`` at the dashboard's default point (m_a = 2 GeV, δ = 0.024,
  g_aWW = 8.4e-5, g_aχχ = 1e-3), and the median over 40 nodes of the plane itself;
- the 28 × 28 plane (m_a 0.05–5 GeV × g_aχχ 1e-6–1 GeV⁻¹, δ = 0.024 and δ = 0.0311, g_aWW =
  8.4e-5) by ``physics.omega_h2_grid`` for the cBE, the nBE, and both at once (what the
  dashboard's DM plane computes);
- the same plane point by point (``omega_h2`` in a loop, once: the "before");
- the DM panel's 7 × 7 preview of a changed plane (``callbacks.preview.dm_preview_job``: Ωh²,
  overlays and figure; no cache, so every call computes).
The ratio plane/point is the number the budget is about. ``--browser N`` instead presses the δ
slider N times in headless Chromium (gunicorn, 2 workers, empty cache) and reports the time to
the DM panel's first new picture (the preview) and to the full plane. The load average is printed before and
after: on a shared machine wall times grow with it, CPU times much less.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._machine import machine  # noqa: E402
from physics import ALPModel, omega_h2, omega_h2_grids  # noqa: E402
from physics.benchmark_points import ABSTRACT_CENTRE  # noqa: E402
from physics.scan.precompute import DM_PLANE_G_RANGE, DM_PLANE_M_RANGE, DM_PLANE_NODES  # noqa: E402

G_AWW = ABSTRACT_CENTRE.g_aWW


def timed(fn: Callable[[], object], reps: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``reps`` calls."""
    wall, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


STATUS_JS = "() => (document.getElementById('dm-status') || {}).textContent || ''"


def browser_first_picture(n: int) -> list[tuple[float, float, bool]]:
    """In headless Chromium against gunicorn (2 workers, empty cache, the full 28 × 28 plane): for
    n key presses on the δ slider (each a new δ, not precomputed), the times [ms] from the key press
    to the DM panel's first new picture and to its full plane, and whether the first was the
    preview."""
    from playwright.sync_api import sync_playwright

    from layouts import ids
    from tests import _servers

    out: list[tuple[float, float, bool]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        _servers.gunicorn(Path(tmp), workers=2) as app,
        sync_playwright() as p,
    ):
        chromium = str(_servers.find_chromium())
        browser = p.chromium.launch(executable_path=chromium, args=_servers.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{app.url}/?delta=0.0311")
        page.wait_for_function(f"({STATUS_JS})().includes('28×28 grid')", timeout=120_000)
        thumb = page.locator(f"#{ids.slider(ids.DELTA)} [role=slider]")
        for _ in range(n):
            before = page.evaluate(STATUS_JS)
            thumb.focus()
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"(b) => ({STATUS_JS})() !== b", arg=before, timeout=120_000)
            first = (time.perf_counter() - t0) * 1e3
            was_preview = "preview" in page.evaluate(STATUS_JS)
            page.wait_for_function(
                f"(b) => {{ const s = ({STATUS_JS})(); return s !== b && s.includes('28×28 grid')"
                " && !s.includes('preview'); }",
                arg=before,
                timeout=120_000,
            )
            out.append((first, (time.perf_counter() - t0) * 1e3, was_preview))
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5, help="planes per row (median)")
    ap.add_argument("--point-reps", type=int, default=100, help="calls for the one-point median")
    ap.add_argument("--no-loop", action="store_true", help="skip the point-by-point plane")
    ap.add_argument("--browser", type=int, default=0, metavar="N", help="also N δ moves in Chromium")
    args = ap.parse_args()
    if args.browser:
        moves = browser_first_picture(args.browser)
        print(machine())
        print("| δ move | first picture [ms] | full 28×28 plane [ms] | first was the preview |")
        print("| --- | --- | --- | --- |")
        for k, (first, full, prev) in enumerate(moves, start=1):
            print(f"| {k} | {first:.0f} | {full:.0f} | {prev} |")
        print(
            f"median first picture {statistics.median(m[0] for m in moves):.0f} ms, "
            f"median full plane {statistics.median(m[1] for m in moves):.0f} ms"
        )
        print(machine())
        return
    print(machine())
    n = DM_PLANE_NODES
    m = np.geomspace(*DM_PLANE_M_RANGE, n)
    g = np.geomspace(*DM_PLANE_G_RANGE, n)
    point = ABSTRACT_CENTRE.model()
    # warm-up: JIT caches, tables, the dashboard module
    omega_h2(point, "cbe")
    omega_h2_grids(m[:3], g[:3], delta=0.024, g_aWW=G_AWW)
    from callbacks.point import dm_key
    from callbacks.preview import dm_preview_job
    from dashboard.state import AppState

    preview_state = AppState(delta=0.0311)  # no precomputed plane: the preview is drawn

    def preview() -> None:
        dm_preview_job(dm_key(preview_state), preview_state.to_dict())

    preview()
    rows: list[tuple[str, float, float]] = []
    p_wall, p_cpu = timed(lambda: omega_h2(point, "cbe"), args.point_reps)
    rows.append(("one cBE point (default point)", p_wall, p_cpu))
    rng = np.random.default_rng(13)
    nodes = [(float(m[i]), float(g[j])) for i, j in rng.integers(0, n, size=(40, 2))]
    per_node = [
        timed(lambda a=a, b=b: omega_h2(ALPModel.from_detuning(a, 0.024, G_AWW, b), "cbe"), 3)
        for a, b in nodes
    ]
    node_wall, node_cpu = (statistics.median(v) for v in zip(*per_node, strict=True))
    rows.append(("one cBE point (median of 40 plane nodes)", node_wall, node_cpu))
    for delta in (0.024, 0.0311):
        for label, methods in (("cBE", ("cbe",)), ("nBE", ("nbe",)), ("nBE + cBE", ("nbe", "cbe"))):
            w, c = timed(
                lambda d=delta, k=methods: omega_h2_grids(m, g, delta=d, g_aWW=G_AWW, methods=k), args.reps
            )
            rows.append((f"{n}×{n} plane, {label}, δ = {delta:g} (omega_h2_grid)", w, c))
    if not args.no_loop:

        def loop() -> None:
            for a in m:
                for b in g:
                    omega_h2(ALPModel.from_detuning(float(a), 0.024, G_AWW, float(b)), "cbe")

        rows.append((f"{n}×{n} plane, cBE, δ = 0.024, point by point (before)", *timed(loop, 1)))
    w, c = timed(preview, 3 * args.reps)
    rows.append(("DM panel preview 7×7 (nBE + cBE + overlays + figure), δ = 0.0311", w, c))
    print()
    print("| workload | median wall [ms] | median CPU [ms] |")
    print("| --- | --- | --- |")
    for label, w, c in rows:
        print(f"| {label} | {1e3 * w:.1f} | {1e3 * c:.1f} |")
    plane = next(r for r in rows if r[0].startswith(f"{n}×{n} plane, cBE, δ = 0.024"))
    print()
    for what, w, c in (("default point", p_wall, p_cpu), ("plane nodes", node_wall, node_cpu)):
        print(f"ratio cBE plane / one cBE point ({what}): wall {plane[1] / w:.0f}, CPU {plane[2] / c:.0f}")
    print("budget: ≤ 200")
    print(machine())


if __name__ == "__main__":
    main()
