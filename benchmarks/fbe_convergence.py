"""Refinement study of the fBE (docs/relic.md#fbe-accuracy): default settings versus refined ones.

    .venv/bin/python benchmarks/fbe_convergence.py                 # the docs table (≈ 15–30 min)
    .venv/bin/python benchmarks/fbe_convergence.py --quick         # 6 points
    .venv/bin/python benchmarks/fbe_convergence.py --points "2,1e-3,8e-5,1e-3" "4.8,-1e-2,8e-5,1e-2"

For each point (m_a [GeV], δ, g_aWW, g_aχχ [GeV⁻¹]) it runs ``omega_h2(model, "fbe")`` at the
default settings and with one refinement at a time — doubled cells, ten times tighter rtol,
an earlier start (x₀/3), a wider momentum range (more e-folds of the equilibrium tail) — and a
"converged" run with all of them and three times the cells. Printed: Ωh²(fBE)/Ωh²(cBE) at the
default, each refinement's change relative to the default, and the default's deviation from the
converged run (the accuracy goal is |default/converged − 1| ≤ 0.5 %).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from physics import ALPModel, omega_h2  # noqa: E402

# m_a, δ, g_aWW, g_aχχ: the goal domain (m_a 0.6–4.8 GeV, |δ| 1e-4–1, g_aχχ 1e-4–1e-2)
POINTS = [
    (2.0, 1e-4, 8e-5, 1e-3),
    (2.0, 3e-4, 8e-5, 1e-3),
    (2.0, 1e-3, 8e-5, 1e-3),
    (2.0, 1e-2, 8e-5, 1e-3),
    (2.0, 0.1, 8e-5, 1e-3),
    (2.0, 0.3, 8e-5, 1e-3),
    (2.0, 1.0, 8e-5, 1e-3),
    (0.6, 1e-4, 9e-5, 1e-4),
    (0.6, 1e-2, 9e-5, 1e-4),
    (0.6, 0.3, 9e-5, 1e-4),
    (0.6, -1e-3, 9e-5, 1e-2),
    (0.6, 1e-3, 9e-5, 1e-2),
    (4.8, 1e-4, 7e-5, 1e-2),
    (4.8, 1e-3, 7e-5, 1e-2),
    (4.8, -1e-4, 7e-5, 1e-2),
    (4.8, -1e-2, 7e-5, 1e-2),
    (4.8, -0.1, 7e-5, 1e-2),
    (4.8, 0.1, 7e-5, 1e-2),
    (4.8, 1.0, 7e-5, 1e-2),
    (1.0, 1e-3, 8e-5, 1e-4),
    (1.0, -1e-3, 8e-5, 8e-3),
    (3.0, 3e-3, 1e-4, 3e-3),
]
QUICK = [POINTS[i] for i in (0, 2, 5, 10, 14, 18)]

REFINEMENTS = {
    "cells x2": {"fbe_options": {"cells": 2.0}},
    "rtol /10": {"rtol": 1e-5},
    "start x0/3": "start",
    "range +": {"fbe_options": {"tail": 25.0, "top": 40.0}},
}
CONVERGED = {"rtol": 1e-5, "fbe_options": {"cells": 3.0, "tail": 25.0, "top": 40.0}}


def run(model: ALPModel, **kw: object) -> tuple[float, float, object]:
    t0 = time.perf_counter()
    res = omega_h2(model, "fbe", **kw)  # type: ignore[arg-type]
    return res.omega_h2, time.perf_counter() - t0, res


def study(points: list[tuple[float, float, float, float]]) -> None:
    heads = ["m_a", "delta", "g_achi", "fBE/cBE", *REFINEMENTS, "conv.", "default/conv-1", "cells", "t [s]"]
    print(" | ".join(heads))
    print(" | ".join("---" for _ in heads))
    worst = 0.0
    for m_a, d, gw, gc in points:
        model = ALPModel.from_detuning(m_a, d, gw, gc)
        cbe = omega_h2(model, "cbe").omega_h2
        base, t_base, res = run(model)
        if not math.isfinite(base):
            print(f"{m_a} | {d:g} | {gc:g} | not computed ({', '.join(res.flags)})")
            continue
        cols = []
        for ref in REFINEMENTS.values():
            if ref == "start":
                kw = {"x_start": res.extra["x_start"] / 3.0}
            else:
                kw = dict(ref)  # type: ignore[arg-type]
            val, _, _ = run(model, **kw)
            cols.append(f"{val / base - 1:+.1e}")
        conv_kw = dict(CONVERGED, x_start=res.extra["x_start"] / 3.0)
        conv, _, _ = run(model, **conv_kw)
        dev = base / conv - 1.0
        worst = max(worst, abs(dev))
        print(
            f"{m_a:g} | {d:g} | {gc:g} | {base / cbe:.4f} | "
            + " | ".join(cols)
            + f" | {conv / cbe:.4f} | {dev:+.1e} | {res.extra['n_cells']} | {t_base:.2f}"
            + (f" | flags: {', '.join(res.flags)}" if res.flags else ""),
            flush=True,
        )
    print(f"\nlargest |default/converged − 1| = {worst:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--points", nargs="*", help='points "m_a,delta,g_aWW,g_achi"')
    args = parser.parse_args()
    if args.points:
        pts = [tuple(float(v) for v in p.split(",")) for p in args.points]
    else:
        pts = QUICK if args.quick else POINTS
    omega_h2(ALPModel.from_detuning(2.0, 0.01, 8e-5, 1e-3), "fbe")  # JIT warm-up
    study(pts)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
