"""Reproduce the results of arXiv:2504.00383 from the physics API (the paper's report).

``python -m physics.reproduce [--out docs/reproduction] [--workers N] [--quick]`` writes
``report.json`` (every number), ``report.md`` (generated from it) and the figures (PDF, SVG, PNG)
into ``docs/reproduction/``. A layer on top of the physics core, which never imports it: the
computations are in :mod:`physics.reproduce.paper` (the viable ranges in
:mod:`physics.reproduce.viable_ranges`), the report in :mod:`physics.reproduce.report`, the
figures in :mod:`physics.reproduce.figures`.
"""

from .paper import (
    ABSTRACT,
    CouplingBand,
    DisplacedDiphotonScan,
    RatioScan,
    RelicSolutions,
    Reproduction,
    band_range,
    displaced_diphoton_scan,
    fbe_over_nbe,
    g_achi_for_relic,
    g_aWW_band,
    missing_energy_flavour_window,
    ratio_maxima,
    ratio_scan,
    relic_solutions,
    run,
)
from .report import build_report, main, report_markdown
from .viable_ranges import VIABLE_GRIDS, viable_projections

__all__ = [
    "ABSTRACT",
    "VIABLE_GRIDS",
    "CouplingBand",
    "DisplacedDiphotonScan",
    "RatioScan",
    "RelicSolutions",
    "Reproduction",
    "band_range",
    "build_report",
    "displaced_diphoton_scan",
    "fbe_over_nbe",
    "g_aWW_band",
    "g_achi_for_relic",
    "main",
    "missing_energy_flavour_window",
    "ratio_maxima",
    "ratio_scan",
    "relic_solutions",
    "report_markdown",
    "run",
    "viable_projections",
]
