"""Accuracy of the default nBE and cBE over the dashboard's slider domain (docs/relic.md#accuracy).

    .venv/bin/python benchmarks/relic_accuracy.py               # 400 random points, summary
    .venv/bin/python benchmarks/relic_accuracy.py --points 100 --show 20

Points are drawn (fixed seed) log-uniformly over the slider ranges of callbacks/state.py:
m_a ∈ [0.05, 5] GeV, |δ| ∈ [1e-4, 1] with either sign (δ ≥ −0.99), g_aWW ∈ [1e-7, 1e-2] GeV⁻¹,
g_aχχ ∈ [1e-6, 1] GeV⁻¹, plus the corners of the resonant benchmark region. For each point that
reaches chemical equilibrium the default ``omega_h2`` is compared with a converged run of the
same solver (rtol 1e-8, freeze_tol 1e-7, 8× the default table density, half the start x). The
goal is |default/converged − 1| ≤ 1e-3 or the flag ``accuracy_not_verified``; printed: the
largest deviation among unflagged points, the flagged share, and the worst points.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from physics import ALPModel, omega_h2  # noqa: E402
from physics.relic import _default_per_decade, _model_view  # noqa: E402

GOAL = 1e-3
RANGES = {"m_a": (0.05, 5.0), "abs_delta": (1e-4, 1.0), "g_aWW": (1e-7, 1e-2), "g_achi": (1e-6, 1.0)}


def draw(n: int, seed: int = 9) -> list[tuple[float, float, float, float]]:
    rng = np.random.default_rng(seed)

    def logu(lo: float, hi: float) -> float:
        return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))

    pts = []
    while len(pts) < n:
        d = rng.choice([-1.0, 1.0]) * logu(*RANGES["abs_delta"])
        pts.append((logu(*RANGES["m_a"]), max(d, -0.99), logu(*RANGES["g_aWW"]), logu(*RANGES["g_achi"])))
    return pts


def converged(model: ALPModel, method: str, x_start: float) -> float:
    pd = 8 * _default_per_decade(_model_view(model, "energy_dependent"))
    kw = dict(rtol=1e-8, freeze_tol=1e-7, per_decade=pd, x_start=0.5 * x_start)
    return omega_h2(model, method, **kw).omega_h2  # type: ignore[arg-type]


def main() -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=fmt)
    parser.add_argument("--points", type=int, default=400)
    parser.add_argument("--show", type=int, default=12)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    rows = []
    n_computed = 0
    for pt in draw(args.points, args.seed):
        try:
            model = ALPModel.from_detuning(*pt)
        except ValueError:
            continue
        for method in ("nbe", "cbe"):
            res = omega_h2(model, method)
            if not math.isfinite(res.omega_h2):
                continue
            n_computed += 1
            ref = converged(model, method, res.extra["x_start"])
            dev = res.omega_h2 / ref - 1.0
            flagged = "accuracy_not_verified" in res.flags
            rows.append((abs(dev), dev, method, pt, flagged, res.omega_h2, res.flags))
    ok = [r for r in rows if not r[4]]
    flagged = [r for r in rows if r[4]]
    worst = max((r[0] for r in ok), default=0.0)
    print(f"{n_computed} computed (nBE + cBE) of {2 * args.points} runs; flagged: {len(flagged)}")
    print(f"largest |default/converged − 1| without the flag: {worst:.2e} (goal {GOAL:g})")
    bad = [r for r in ok if r[0] > GOAL]
    print(f"unflagged points above the goal: {len(bad)}")
    print("\nworst points (|dev|, method, m_a, delta, g_aWW, g_achi, flagged, Omega h^2, flags):")
    for r in sorted(rows, reverse=True)[: args.show]:
        m_a, d, gw, gc = r[3]
        print(
            f"{r[1]:+.2e} {r[2]} m_a={m_a:.3g} δ={d:+.3g} g_aWW={gw:.2e} g_achi={gc:.2e} "
            f"{'FLAGGED' if r[4] else ''} Ωh²={r[5]:.3g} {','.join(r[6])}"
        )


if __name__ == "__main__":
    main()
