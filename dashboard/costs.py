"""What the slow computations cost, as the benchmarks measure it: the one source for the times
the dashboard quotes (the fBE button, the fBE δ-scan curve).

The numbers are the medians and maxima of ``benchmarks/bench_relic.py`` (the fBE row of the table
in docs/performance.md#relic-engine, machine and load stated there; docs/relic.md's cost
paragraph quotes the same run). The benchmark prints them next to what it measures, and
``tests/dashboard/test_costs.py`` fails when the table in docs/performance.md and these constants
disagree, so a new benchmark run updates both.
"""

from __future__ import annotations

FBE_MEDIAN_MS = 137.0
"""Median fBE cost per point at the default settings, one core [ms] (benchmarks/bench_relic.py)."""
FBE_MAX_MS = 349.0
"""Largest fBE cost over the benchmark's 20 resonance-region points [ms] (same run)."""


def fbe_estimate(n_points: int = 1) -> str:
    """The expected wall time of ``n_points`` fBE solves on an idle core, e.g. "≈ 0.14 s"."""
    median_s = n_points * FBE_MEDIAN_MS / 1e3
    if n_points == 1:
        return f"≈ {median_s:.2g} s (up to {FBE_MAX_MS / 1e3:.2g} s) on an idle core"
    return f"≈ {median_s:.2g} s for {n_points} points on an idle core"
