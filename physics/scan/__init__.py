"""Parameter scans: evaluate a grid or random sample of model points into one Parquet table.

>>> from physics.scan import Axis, ScanSpec, run_scan, load_scan
>>> spec = ScanSpec(m_a=Axis.log(0.1, 4.5, 30), delta=Axis.fixed(0.05),
...                 g_aWW=Axis.log(1e-5, 1e-3, 30), g_achi=Axis.fixed(1e-2))
>>> df = load_scan(run_scan(spec, "scans/bk_plane"))           # doctest: +SKIP

A layer on top of the physics core (which never imports it):

- :mod:`physics.scan.spec`: axes, grid or random sampling, validation, hashing;
- :mod:`physics.scan.observables`: the column registry and the chunk evaluator;
- :mod:`physics.scan.backends`: in-process, local processes or a Dask cluster;
- :mod:`physics.scan.runner`: :func:`run_scan`, resume, :func:`load_scan`;
- :mod:`physics.scan.precompute`: the dashboard's precomputed grids (``data/precomputed/``);
- :mod:`physics.scan.viable`: the viable-region workload (:func:`run_viable`);
- :mod:`physics.scan.cli`: ``python -m physics.scan run|viable|precompute|status|columns``.
"""

from .observables import Column, columns_for
from .precompute import PrecomputedGrid, load_precomputed, precomputed_grids
from .runner import CHUNK_DIR, MANIFEST, ScanResult, default_chunk_size, load_scan, run_scan, scan_status
from .spec import Axis, ScanSpec
from .viable import ViableSpec, load_viable, run_viable

__all__ = [
    "CHUNK_DIR",
    "MANIFEST",
    "Axis",
    "Column",
    "PrecomputedGrid",
    "ScanResult",
    "ScanSpec",
    "ViableSpec",
    "columns_for",
    "default_chunk_size",
    "load_precomputed",
    "load_scan",
    "load_viable",
    "precomputed_grids",
    "run_scan",
    "run_viable",
    "scan_status",
]
