"""The dashboard's time estimates are the benchmark's numbers (one source: dashboard/costs.py,
checked against the fBE row docs/performance.md records from benchmarks/bench_relic.py)."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard import costs
from layouts.panels import relic_panel

ROOT = Path(__file__).resolve().parents[2]


def test_fbe_estimate_is_the_benchmarked_median_and_max() -> None:
    text = (ROOT / "docs" / "performance.md").read_text()
    section = text[text.index("## Relic engine") :]
    row = next(line for line in section.splitlines() if line.startswith("| fBE"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    median = float(cells[1])
    lo, hi = (float(v) for v in re.split(r"[–-]", cells[2]))
    assert costs.FBE_MEDIAN_MS == median and costs.FBE_MAX_MS == hi and lo < median < hi


def test_the_fbe_button_quotes_it() -> None:
    assert costs.fbe_estimate() in str(relic_panel())
    assert f"{costs.FBE_MEDIAN_MS / 1e3:.2g} s" in costs.fbe_estimate()
