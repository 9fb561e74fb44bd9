"""Named benchmark points of the model: the one source for the dashboard's preset buttons,
its default state, the paper reproduction and the scans' probe point.

Masses in GeV, couplings in GeV⁻¹; δ = (m_a² − 4m_χ²)/(4m_χ²) (docs/physics.md#model).
The numbers quoted in the descriptions come from ``python -m physics.reproduce`` and
``tests/dashboard/test_state.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import ALPModel


@dataclass(frozen=True)
class BenchmarkPoint:
    """A named parameter point (m_a, δ, g_aWW, g_aχχ)."""

    key: str
    label: str
    description: str
    m_a: float
    delta: float
    g_aWW: float
    g_achi: float

    def model(self) -> ALPModel:
        """The :class:`~physics.model.ALPModel` of this point."""
        return ALPModel.from_detuning(self.m_a, self.delta, self.g_aWW, self.g_achi)


ABSTRACT_CENTRE = BenchmarkPoint(
    "abstract",
    "Abstract's centre (m_a = 2 GeV)",
    "Centre of the abstract's missing-energy region: m_a = 2 GeV, g_aWW = 8.4e-5 GeV⁻¹, "
    "g_aχχ = 1e-3 GeV⁻¹, δ = 0.024 (cBE gives Ωh² ≈ 0.12). Inside the m-independent "
    "Belle II excess band, but above BaBar's two-body B→KX fit (docs/reproduction).",
    m_a=2.0,
    delta=0.024,
    g_aWW=8.4e-5,
    g_achi=1e-3,
)
"""g_aWW in the middle of the abstract's Belle II band (7.13–9.60)×10⁻⁵ GeV⁻¹ (arXiv:2504.00383)."""

VIABLE_TWO_BODY = BenchmarkPoint(
    "viable",
    "Viable: two-body fit (m_a = 2 GeV)",
    "m_a = 2 GeV, g_aWW = 6.4e-5 GeV⁻¹ (BR(B→Ka) = 8.8e-6, the centre of the Belle II "
    "two-body fit), g_aχχ = 1e-3 GeV⁻¹, δ = 0.0125 (cBE gives Ωh² = 0.12, nBE 0.067); "
    "allowed by every measured limit.",
    m_a=2.0,
    delta=0.0125,
    g_aWW=6.4e-5,
    g_achi=1e-3,
)

DISPLACED_DIPHOTON = BenchmarkPoint(
    "displaced",
    "Displaced diphoton (m_a = 0.1 GeV)",
    "m_a = 0.1 GeV with m_χ > m_a/2 (δ = −0.3): a → γγ only, long-lived; "
    "g_aWW = 1e-4 GeV⁻¹ is excluded by K⁺→π⁺X.",
    m_a=0.1,
    delta=-0.3,
    g_aWW=1e-4,
    g_achi=1e-3,
)

BENCHMARK_POINTS: tuple[BenchmarkPoint, ...] = (ABSTRACT_CENTRE, VIABLE_TWO_BODY, DISPLACED_DIPHOTON)


def benchmark_point(key: str) -> BenchmarkPoint:
    """The benchmark point named ``key``; ``ValueError`` listing the valid keys otherwise."""
    for point in BENCHMARK_POINTS:
        if point.key == key:
            return point
    raise ValueError(f"key: unknown benchmark point {key!r}; valid: {[p.key for p in BENCHMARK_POINTS]}")
