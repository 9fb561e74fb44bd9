"""The paper's projections: viable (m_a, g_aχχ) nodes, δ*(m_a) (docs/physics.md#viable-region).

Physics checked: the benchmark point of physics.benchmark_points is viable at its node and its
δ* lies near the benchmark's δ; tiny g_aχχ (BR(a→χχ̄) ≪ 1) cannot produce the missing-energy
signal ("belle2"); every returned δ* really gives Ωh² = 0.120 by omega_h2; the mask agrees with
viability() at the returned points. Grids are kept small (seconds).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from physics import (
    ALPModel,
    ViableProjection,
    br_a_invisible,
    delta_star,
    omega_h2,
    projection_node,
    viability,
    viable_projection,
)
from physics.benchmark_points import VIABLE_TWO_BODY
from physics.projection import reason_key

PLANCK = 0.120  # Planck 2018 Ωh², typed here on purpose
B = VIABLE_TWO_BODY


@pytest.fixture(scope="module")
def bench_node():
    return projection_node(B.m_a, B.g_achi, "cbe", target="two_body_fit")


@pytest.fixture(scope="module")
def small_grid() -> ViableProjection:
    return viable_projection([1.0, 2.0], [1e-6, 1e-3, 1e-2], method="cbe", target="two_body_fit")


def test_benchmark_node_is_viable_near_the_benchmark_delta(bench_node) -> None:
    assert bench_node.viable and bench_node.reason == ""
    central = bench_node.candidates[1]  # the band's centre, g_aWW ≈ the benchmark's 6.4e-5
    assert central.g_aWW == pytest.approx(B.g_aWW, rel=0.03)
    assert central.viable and central.delta == pytest.approx(B.delta, rel=0.1)
    lo, hi = bench_node.delta_range()
    assert 0 < lo <= central.delta <= hi < 0.1


def test_delta_star_gives_the_planck_abundance(bench_node) -> None:
    for c in bench_node.candidates:
        assert math.isfinite(c.delta)
        model = ALPModel.from_detuning(B.m_a, c.delta, c.g_aWW, B.g_achi)
        assert omega_h2(model, method="cbe").omega_h2 == pytest.approx(PLANCK, rel=1e-3)
        assert c.omega_h2 == pytest.approx(PLANCK, rel=1e-3)


def test_mask_agrees_with_viability_at_the_returned_points(bench_node, small_grid) -> None:
    for c in bench_node.candidates:
        v = viability(ALPModel.from_detuning(B.m_a, c.delta, c.g_aWW, B.g_achi), "cbe", target="two_body_fit")
        assert v.viable == c.viable
        assert v.reasons == c.reasons
    p = small_grid
    for i, j, w in np.argwhere(np.isfinite(p.delta)):
        model = ALPModel.from_detuning(p.m_a[i], p.delta[i, j, w], p.g_aWW[i, j, w], p.g_achi[j])
        v = viability(model, "cbe", target="two_body_fit")
        assert v.viable == bool(p.viable_candidates[i, j, w])


def test_tiny_g_achi_fails_belle2() -> None:
    g = 1e-6
    # the ALP then decays to photons: BR(a→χχ̄) ≪ 1 at any δ* near the pole
    assert br_a_invisible(ALPModel.from_detuning(2.0, 0.1, 8e-5, g)) < 1e-2
    node = projection_node(2.0, g, "cbe")
    assert not node.viable
    assert reason_key(node.reason) == "belle2"


def test_grid_mask_and_reasons(small_grid) -> None:
    p = small_grid
    assert p.viable.shape == (2, 3) and p.delta.shape == (2, 3, 3)
    assert not p.viable[:, 0].any()  # g_aχχ = 1e-6: no missing-energy signal
    assert p.viable[1, 1]  # the benchmark node
    assert all(reason_key(r) == "belle2" for r in p.node_reason[:, 0])
    assert np.all((p.node_reason == "") == p.viable)
    lo, hi = p.delta_range_per_m_a()
    assert np.all(lo[p.viable.any(axis=1)] > 0) and np.all(hi >= lo)


def test_summary_ranges_and_ends(small_grid) -> None:
    s = small_grid.summary()
    assert s["n_points"] == int(small_grid.viable.sum())
    assert s["g_achi"][0] == 1e-3  # the first viable g_aχχ; below it "belle2" sets the end
    assert s["ends"]["g_achi"][0] == "belle2"
    assert s["ends"]["g_aWW"] == ["belle2", "belle2"]  # the band's edges
    assert s["delta"][0] <= s["delta"][1]
    for q in ("m_a", "delta", "g_aWW", "g_achi"):
        assert all(isinstance(e, str) and e for e in s["ends"][q])


def test_json_round_trip(small_grid) -> None:
    text = json.dumps(small_grid.to_dict())
    back = ViableProjection.from_dict(json.loads(text))
    np.testing.assert_array_equal(back.viable, small_grid.viable)
    np.testing.assert_array_equal(back.reason, small_grid.reason)
    np.testing.assert_allclose(back.delta_lo, small_grid.delta_lo, equal_nan=True)
    assert back.settings == small_grid.settings and back.method == "cbe"
    with pytest.raises(ValueError):
        ViableProjection.from_dict({"shape": [1]})


def test_delta_star_finds_both_signs() -> None:
    res = delta_star(2.0, 1e-3, 1e-2, "cbe")
    assert any(d < 0 for d in res.roots) and any(d > 0 for d in res.roots)
    pos = delta_star(2.0, 1e-3, 1e-2, "cbe", signs="positive")
    assert pos.roots == tuple(d for d in res.roots if d > 0)
    with pytest.raises(ValueError, match="signs"):
        delta_star(2.0, 1e-3, 1e-2, "cbe", signs="up")


def test_fbe_node_seeded_by_the_cbe() -> None:
    node = projection_node(B.m_a, B.g_achi, "fbe", target="two_body_fit", fractions=(0.5,))
    (c,) = node.candidates
    assert c.viable
    cbe = projection_node(B.m_a, B.g_achi, "cbe", target="two_body_fit", fractions=(0.5,)).candidates[0]
    assert 0.5 < c.delta / cbe.delta < 2.0
    model = ALPModel.from_detuning(B.m_a, c.delta, c.g_aWW, B.g_achi)
    assert omega_h2(model, method="fbe").omega_h2 == pytest.approx(PLANCK, rel=1e-2)


def test_explicit_couplings_replace_the_band() -> None:
    p = viable_projection([2.0], [1e-3], g_aWW=[B.g_aWW, 1e-3], target="two_body_fit")
    assert p.g_aWW[0, 0, 0] == B.g_aWW and p.viable_candidates[0, 0, 0]
    assert not p.viable_candidates[0, 0, 1]  # g_aWW = 1e-3: far above the Belle II band


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"m_a": [], "g_achi": [1e-3]}, "m_a"),
        ({"m_a": [2.0, float("nan")], "g_achi": [1e-3]}, "m_a"),
        ({"m_a": [2.0], "g_achi": [np.inf]}, "g_achi"),
        ({"m_a": [2.0], "g_achi": [1e-3], "method": "xbe"}, "method"),
        ({"m_a": [2.0], "g_achi": [1e-3], "target": "nope"}, "target"),
        ({"m_a": [2.0], "g_achi": [1e-3], "fractions": (1.5,)}, "fractions"),
        ({"m_a": [2.0], "g_achi": [1e-3], "n_sigma": 0.0}, "n_sigma"),
    ],
)
def test_bad_input_is_a_value_error(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        viable_projection(**kwargs)


def test_node_bad_input() -> None:
    with pytest.raises(ValueError, match="method"):
        projection_node(2.0, 1e-3, "xbe")
    with pytest.raises(ValueError, match="fbe_seed"):
        projection_node(2.0, 1e-3, "fbe", fbe_seed="nbe")
    with pytest.raises(ValueError, match="g_achi"):
        projection_node(2.0, -1.0)
