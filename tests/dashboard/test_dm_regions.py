"""The DM plane's overlays against the physics they stand for, node by node.

The jointly viable region (dashboard.dm_regions, vectorised) must agree with
:func:`physics.viability` evaluated point by point at every node of a small plane, criterion by
criterion, for several settings (targets, n_σ, r_max, BaBar as a limit, methods); the CMB region
with :func:`physics.p_ann` and the Planck 2018 bound typed here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

from dashboard import cache as physics_cache
from dashboard import dm_regions, relic_data
from dashboard.state import AppState
from layouts.figures import dm_plane_figure
from physics import ALPModel, p_ann, viability

P_ANN_PLANCK = 3.2e-28  # cm³ s⁻¹ GeV⁻¹, Planck 2018 (arXiv:1807.06209), 95 % CL
PREFIX = {"belle2": "belle2", "relic": "relic", "limits": "limit:", "cmb": "cmb", "scenario": "scenario"}
EDGE = 0.01
"""Nodes whose margin is within this of 0 are skipped (the plane stores log10 Ωh² to 3 decimals)."""


@pytest.fixture(scope="module", autouse=True)
def no_cache() -> Iterator[None]:
    saved = physics_cache.active_cache()
    physics_cache.use_cache(None)
    yield
    physics_cache.use_cache(saved)


@pytest.fixture(scope="module")
def planes() -> dict[float, dict]:
    """6×6 planes (m_a 0.05–5 GeV, g_aχχ 1e-6–1 GeV⁻¹) at both signs of δ, computed live."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(relic_data, "DM_N_M", 6)
        mp.setattr(relic_data, "DM_N_G", 6)
        return {d: relic_data._dm_plane.uncached(d, 8.4e-5, "energy_dependent") for d in (0.024, -0.01)}


SETTINGS = [
    dict(target="excess", method="cbe", n_sigma=1.0, r_max=1.0, babar="tension", cww="alpinist_gW"),
    dict(target="two_body_fit", method="cbe", n_sigma=2.0, r_max=1.0, babar="tension", cww="alpinist_gW"),
    dict(target="excess", method="nbe", n_sigma=1.0, r_max=0.3, babar="limit", cww="alpha0_sW2"),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"{s['target']}-{s['method']}-{s['babar']}")
@pytest.mark.parametrize("delta", [0.024, -0.01])
def test_every_node_agrees_with_physics_viability(planes: dict, delta: float, settings: dict) -> None:
    plane = planes[delta]
    margins = dm_regions.criterion_margins(plane, **settings)
    joint = np.min([margins[k] for k in dm_regions.CRITERIA], axis=0)
    checked, viable = 0, 0
    for i, g in enumerate(plane["g"]):
        for j, m in enumerate(plane["m"]):
            try:
                model = ALPModel.from_detuning(m, delta, 8.4e-5, g)
            except ValueError:  # outside the model's domain: no relic number on the plane
                assert joint[i, j] < 0
                continue
            v = viability(
                model,
                settings["method"],
                target=settings["target"],
                n_sigma=settings["n_sigma"],
                r_max_m=settings["r_max"],
                babar_as_limit=settings["babar"] == "limit",
                cww_mapping=settings["cww"],
                relic_options={"width": "energy_dependent"},
            )
            for crit, prefix in PREFIX.items():
                margin = margins[crit][i, j]
                if abs(margin) < EDGE or (crit == "scenario" and delta > 0 and margins["belle2"][i, j] < 0):
                    continue  # rounding at the edge; physics names "scenario" only inside the band
                failed = any(r.startswith(prefix) for r in v.reasons)
                assert failed == (margin < 0), (m, g, crit, margin, v.reasons)
            if abs(joint[i, j]) >= EDGE:
                assert v.viable == (joint[i, j] >= 0), (m, g, v.reasons)
                checked += 1
                viable += v.viable
    assert checked > 20
    if delta > 0 and settings["target"] == "excess" and settings["babar"] == "tension":
        assert viable > 0, "the abstract's plane has viable nodes"
    if delta < 0:
        assert viable == 0  # a → χχ̄ closed: never missing energy


def test_cmb_region_is_p_ann_above_planck(planes: dict) -> None:
    """Small detuning: p_ann grows as 1/δ²; the overlay's ratio is physics.p_ann / 3.2e-28."""
    plane = {**planes[0.024], "delta": 1e-4}
    r = dm_regions.regions(plane, **SETTINGS[0])
    ratio = np.array(r["log_cmb_ratio"], dtype=float)
    for i, g in enumerate(plane["g"]):
        for j, m in enumerate(plane["m"]):
            try:
                model = ALPModel.from_detuning(m, 1e-4, 8.4e-5, g)
                expected = math.log10(p_ann(model) / P_ANN_PLANCK)
            except ValueError:
                continue
            if abs(expected) < 3:
                assert ratio[i, j] == pytest.approx(expected, abs=2e-3)
    assert np.nanmax(ratio) > 0, "δ = 1e-4 at g_aχχ ≥ 1e-3 is CMB-excluded (docs/physics.md#cmb)"


def test_babar_tension_shades_nothing_unless_counted_as_a_limit(planes: dict) -> None:
    plane = planes[0.024]
    M, G = np.meshgrid(plane["m"], plane["g"])
    as_tension = dm_regions.limits_log_ratio(M, G, 0.024, 8.4e-5, babar_as_limit=False, cww="alpinist_gW")
    as_limit = dm_regions.limits_log_ratio(M, G, 0.024, 8.4e-5, babar_as_limit=True, cww="alpinist_gW")
    assert np.all(as_limit >= as_tension)
    # the abstract's point: BaBar's pull ≈ 2.6 > 2 excludes it only as a limit
    m, g = np.array([[2.0]]), np.array([[1e-3]])
    tension = dm_regions.limits_log_ratio(m, g, 0.024, 8.4e-5, babar_as_limit=False, cww="alpinist_gW")
    limit = dm_regions.limits_log_ratio(m, g, 0.024, 8.4e-5, babar_as_limit=True, cww="alpinist_gW")
    assert tension[0, 0] < 0 < limit[0, 0]


def test_the_figure_draws_both_overlays_and_says_which_method(planes: dict) -> None:
    plane = relic_data.with_regions(planes[0.024], AppState(method="fbe"))
    fig = dm_plane_figure(plane, (2.0, 1e-3), "light")
    names = [t.get("name", "") for t in fig["data"]]
    assert any(n.startswith("CMB-excluded") for n in names)
    viable = next(t for t in fig["data"] if t.get("name", "").startswith("jointly viable"))
    assert "cbe" in viable["name"] and plane["method_note"].startswith("fbe has no plane")
    assert viable["z"] == plane["viable_margin"]
    import plotly.graph_objects as go

    go.Figure(fig)
