"""Named benchmark points of the model: the one source for the dashboard's preset buttons,
its default state, the paper reproduction and the scans' probe point.

The points (numbers, labels, descriptions and where each comes from) are data, in
``physics/data/benchmark_points.toml``; this module reads them once and names them.
Masses in GeV, couplings in GeV⁻¹; δ = (m_a² − 4m_χ²)/(4m_χ²) (docs/physics.md#model).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from .model import ALPModel

DATA_FILE = Path(__file__).resolve().parent / "data" / "benchmark_points.toml"


@dataclass(frozen=True)
class BenchmarkPoint:
    """A named parameter point (m_a, δ, g_aWW, g_aχχ) and where its numbers come from."""

    key: str
    label: str
    description: str
    m_a: float
    delta: float
    g_aWW: float
    g_achi: float
    source: str = ""

    def model(self) -> ALPModel:
        """The :class:`~physics.model.ALPModel` of this point."""
        return ALPModel.from_detuning(self.m_a, self.delta, self.g_aWW, self.g_achi)


_FLOATS = ("m_a", "delta", "g_aWW", "g_achi")


def _load(path: Path = DATA_FILE) -> dict[str, BenchmarkPoint]:
    """The points of ``path`` by key, in file order; ``ValueError`` on a missing or unknown field."""
    with open(path, "rb") as fh:
        entries = tomllib.load(fh)["point"]
    names = {f.name for f in fields(BenchmarkPoint)}
    points: dict[str, BenchmarkPoint] = {}
    for entry in entries:
        key = entry.get("key")
        if set(entry) != names:
            raise ValueError(f"{path.name}: point {key!r} needs exactly the fields {sorted(names)}")
        if key in points:
            raise ValueError(f"{path.name}: point {key!r} twice")
        points[key] = BenchmarkPoint(**{k: float(v) if k in _FLOATS else v for k, v in entry.items()})
    return points


_POINTS = _load()

ABSTRACT_CENTRE = _POINTS["abstract"]
"""The dashboard's default point: g_aWW in the middle of the abstract's Belle II band (arXiv:2504.00383)."""
VIABLE_TWO_BODY = _POINTS["viable"]
"""At the centre of the Belle II two-body fit, Ωh²(cBE) = 0.12, allowed by every measured limit."""
DISPLACED_DIPHOTON = _POINTS["displaced"]
"""m_χ > m_a/2: a → γγ only, long-lived."""

BENCHMARK_POINTS: tuple[BenchmarkPoint, ...] = tuple(_POINTS.values())


def benchmark_point(key: str) -> BenchmarkPoint:
    """The benchmark point named ``key``; ``ValueError`` listing the valid keys otherwise."""
    for point in BENCHMARK_POINTS:
        if point.key == key:
            return point
    raise ValueError(f"key: unknown benchmark point {key!r}; valid: {[p.key for p in BENCHMARK_POINTS]}")
