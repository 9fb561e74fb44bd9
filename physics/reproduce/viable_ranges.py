"""The viable ranges per relic method for the reproduction report (arXiv:2504.00383).

Each method's projection (:func:`physics.projection.projection_node` at every node of a stated
grid in m_a × g_aχχ; docs/physics.md#viable-region) is computed node by node, in parallel
worker processes if asked, with a progress bar. The grids are :data:`VIABLE_GRIDS`; the fBE grid
is coarser (a node costs ~10 fBE solves, seeded by the cBE δ*), and this is recorded in the
report's settings.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..projection import DEFAULT_FRACTIONS, ViableProjection, empty_columns, node_arrays, projection_node
from ..relic import METHODS
from ..targets import DEFAULT_TARGET

M_A_RANGE = (0.1, 4.8)
"""The reproduction's m_a range [GeV] (the abstract's upper end; the lower end of the paper's plots)."""
G_ACHI_RANGE = (1e-6, 1.0)
"""g_aχχ range [GeV⁻¹], wide around the abstract's 7.12e-5 – 7.73e-3."""


FAST_FBE = {"rtol": 1e-3, "fbe_options": {"cells": 0.5, "fine_cells": 4.0}}
"""fBE settings of the reproduction's viable ranges: ~5× faster than the defaults, Ωh² within
0.07–0.23 % of them at m_a = 0.2–4 GeV near the pole (measured when chosen; the relic tolerance
is 10 %), so δ* moves by well under a percent."""


def _grid(n_m: int, per_decade: int, fractions: tuple[float, ...], options: dict[str, Any]) -> dict[str, Any]:
    decades = round(np.log10(G_ACHI_RANGE[1] / G_ACHI_RANGE[0]))
    return {
        "m_a": np.linspace(*M_A_RANGE, n_m).tolist(),
        "g_achi": np.geomspace(*G_ACHI_RANGE, decades * per_decade + 1).tolist(),
        "fractions": list(fractions),
        "options": options,
    }


VIABLE_GRIDS: dict[str, dict[str, dict[str, Any]]] = {
    "full": {
        "nbe": _grid(24, 3, DEFAULT_FRACTIONS, {}),
        "cbe": _grid(24, 3, DEFAULT_FRACTIONS, {}),
        "fbe": _grid(12, 2, DEFAULT_FRACTIONS, FAST_FBE),
    },
    "quick": {
        "nbe": {"m_a": [0.3, 2.0, 4.8], "g_achi": [1e-6, 1e-3, 1e-1], "fractions": [0.0, 1.0], "options": {}},
        "cbe": {"m_a": [0.3, 2.0, 4.8], "g_achi": [1e-6, 1e-3, 1e-1], "fractions": [0.0, 1.0], "options": {}},
        "fbe": {"m_a": [2.0], "g_achi": [1e-6, 1e-3], "fractions": [0.5], "options": FAST_FBE},
    },
}
"""Grids of the viable projections: m_a [GeV] (linear, both ends of :data:`M_A_RANGE`), g_aχχ
[GeV⁻¹] (log, 3 or 2 nodes per decade), band positions of g_aWW (0 lower edge, 1 upper), and the
relic options of the δ* search (:data:`FAST_FBE` for the fBE)."""


def _node_task(
    method: str,
    i: int,
    j: int,
    m_a: float,
    g_achi: float,
    fractions: tuple[float, ...],
    target: str,
    options: dict[str, Any],
) -> tuple[str, int, int, dict[str, Any]]:
    node = projection_node(m_a, g_achi, method, target=target, fractions=fractions, **options)
    return method, i, j, node_arrays(node, len(fractions))


def viable_projections(
    grids: dict[str, dict[str, Any]],
    *,
    target: str = DEFAULT_TARGET,
    workers: int = 1,
    progress: bool = False,
    on_node: Callable[[int, int], None] | None = None,
) -> dict[str, ViableProjection]:
    """One :class:`ViableProjection` per method of ``grids`` ({method: {"m_a", "g_achi",
    "fractions"}}); ``workers`` > 1 runs the nodes in that many spawned processes (the slow
    fBE nodes first); ``progress`` shows a tqdm bar on stderr; ``on_node(done, total)``."""
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    unknown = [m for m in grids if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; valid: {METHODS}")
    tasks = []
    for method in sorted(grids, key=lambda m: m != "fbe"):  # longest first
        g = grids[method]
        fr = tuple(float(f) for f in g["fractions"])
        tasks += [
            (method, i, j, float(m), float(c), fr, target, dict(g.get("options", {})))
            for i, m in enumerate(g["m_a"])
            for j, c in enumerate(g["g_achi"])
        ]
    cols = {
        m: empty_columns((len(g["m_a"]), len(g["g_achi"]), len(g["fractions"]))) for m, g in grids.items()
    }
    from tqdm import tqdm

    with tqdm(
        total=len(tasks), unit="node", desc="viable ranges", disable=not progress, file=sys.stderr
    ) as bar:

        def store(out: tuple[str, int, int, dict[str, Any]]) -> None:
            method, i, j, arrays = out
            for k, v in arrays.items():
                cols[method][k][i, j, :] = v
            bar.update(1)
            if on_node is not None:
                on_node(bar.n, len(tasks))

        if workers == 1:
            for t in tasks:
                store(_node_task(*t))
        else:
            ctx = multiprocessing.get_context("spawn")
            with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = [pool.submit(_node_task, *t) for t in tasks]
                for fut in cf.as_completed(futures):
                    store(fut.result())
    out: dict[str, ViableProjection] = {}
    for method, g in grids.items():
        c = cols[method]
        settings = {"method": method, "target": target, "grid": g}
        out[method] = ViableProjection.from_columns(
            g["m_a"], g["g_achi"], g["fractions"], c, method, settings
        )
    return out
