"""δ*: every detuning with Ωh² = 0.120 (physics.viable.delta_star).

Each root is checked with the relic engine itself (omega_h2 at the root, and a sign change of
Ωh² − 0.120 around it); 0.120 is the Planck 2018 value (arXiv:1807.06209), typed here.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from physics import ALPModel, DeltaStar, delta_star, omega_h2, viability_at_delta_star

PLANCK = 0.120
BENCH = (2.0, 8.4e-5, 1e-3)  # m_a [GeV], g_aWW, g_aχχ [GeV⁻¹]
REPO = Path(__file__).resolve().parents[2]


def omega(m_a: float, delta: float, g_aww: float, g_achi: float, **kw: object) -> float:
    return omega_h2(ALPModel.from_detuning(m_a, delta, g_aww, g_achi), **kw).omega_h2


def assert_is_root(m_a: float, g_aww: float, g_achi: float, d: float, **kw: object) -> None:
    assert abs(omega(m_a, d, g_aww, g_achi, **kw) / PLANCK - 1.0) < 1e-3
    below, above = (omega(m_a, d * f, g_aww, g_achi, **kw) - PLANCK for f in (0.98, 1.02))
    assert below * above < 0, (d, below, above)


@pytest.mark.parametrize("method", ["cbe", "nbe"])
def test_benchmark_root_by_cbe_and_nbe(method: str) -> None:
    res = delta_star(*BENCH, method=method)
    assert isinstance(res, DeltaStar) and res.method == method
    assert len(res.roots) == 1 and len(res.root_flags) == 1
    assert_is_root(*BENCH, res.roots[0], method=method)
    # the dashboard's benchmark: cBE gives Ωh² ≈ 0.12 at δ ≈ 0.024 (docs/relic.md §8)
    if method == "cbe":
        assert res.roots[0] == pytest.approx(0.024, rel=0.02)
    else:  # the nBE's Ωh² is lower there (0.077), so its root sits further from the pole
        assert res.roots[0] > 0.03


def test_roots_on_both_sides_are_sorted_and_verified() -> None:
    m_a, g_aww, g_achi = 2.0, 8.4e-5, 8e-3
    res = delta_star(m_a, g_aww, g_achi)
    assert len(res.roots) == 2 and res.roots[0] < 0 < res.roots[1]
    assert list(res.roots) == sorted(res.roots)
    for d in res.roots:
        assert_is_root(m_a, g_aww, g_achi, d)
    assert res.domain == ((-0.75, -1e-6), (1e-6, 10.0))
    assert all(isinstance(f, tuple) for f in res.root_flags)


def test_a_denser_grid_finds_the_same_roots() -> None:
    coarse = delta_star(2.0, 8.4e-5, 8e-3)
    dense = delta_star(2.0, 8.4e-5, 8e-3, points_per_decade=3)
    assert len(dense.roots) == len(coarse.roots)
    for a, b in zip(coarse.roots, dense.roots, strict=True):
        assert a == pytest.approx(b, rel=1e-3)


def test_relic_options_reach_the_engine() -> None:
    res = delta_star(*BENCH, width="constant", rtol=1e-6)
    assert len(res.roots) == 1
    assert_is_root(*BENCH, res.roots[0], width="constant", rtol=1e-6)


def test_samples_are_what_the_engine_gives() -> None:
    res = delta_star(*BENCH, abs_delta_min=1e-3, abs_delta_max=0.1)
    d, om = next((d, om) for d, om in res.samples if d > 0 and math.isfinite(om))
    assert om == pytest.approx(omega(BENCH[0], d, *BENCH[1:]), rel=1e-12)


def test_no_solution_returns_empty_and_viability_says_why() -> None:
    # a tiny photon coupling: Ωh² ≫ 0.12 (or no number) at every δ
    none = delta_star(2.0, 1e-7, 1e-3)
    assert none.roots == () and len(none) == 0
    # the benchmark's root (δ ≈ 0.024) lies outside a search restricted to |δ| ≤ 1e-3
    restricted = delta_star(*BENCH, abs_delta_max=1e-3)
    assert restricted.roots == () and restricted.domain == ((-1e-3, -1e-6), (1e-6, 1e-3))
    (verdict,) = viability_at_delta_star(*BENCH, abs_delta_max=1e-3)
    assert not verdict.viable and verdict.reasons[0].startswith("relic: no solution")
    assert math.isnan(verdict.omega_h2) and math.isnan(verdict.delta)


def test_detunings_outside_the_model_domain_are_skipped() -> None:
    # g_aχχ = 10 GeV⁻¹: y_χ = g_aχχ m_χ > 4π for m_χ > 1.26 GeV, i.e. δ < −0.37 at m_a = 2 GeV
    res = delta_star(2.0, 8.4e-5, 10.0)
    assert "outside_model_domain" in res.flags
    for d in res.roots:
        assert_is_root(2.0, 8.4e-5, 10.0, d)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (BENCH, {"method": "xbe"}, "method"),
        ((2.0, 8.4e-5, 0.0), {}, "g_achi"),
        ((2.0, 0.0, 1e-3), {}, "g_aWW"),
        ((-2.0, 8.4e-5, 1e-3), {}, "m_a"),
        ((math.nan, 8.4e-5, 1e-3), {}, "m_a"),
        ((2.0, 10.0, 1e-3), {}, "g_aWW"),  # g_aWW·m_a > 4π
        (BENCH, {"abs_delta_min": 0.1, "abs_delta_max": 0.01}, "abs_delta_max"),
        (BENCH, {"points_per_decade": 0}, "points_per_decade"),
        (BENCH, {"colour": "red"}, "unknown option"),
        (BENCH, {"width": "running"}, "width"),
    ],
)
def test_bad_input_is_a_value_error(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        delta_star(*args, **kwargs)


def test_planck_value_has_one_source_in_physics() -> None:
    """No numeric literal 0.12 in physics/ outside constants.py (one source for each fact)."""
    offenders = []
    for path in (REPO / "physics").rglob("*.py"):
        if path.name == "constants.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and type(node.value) is float and node.value == 0.12:
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders
