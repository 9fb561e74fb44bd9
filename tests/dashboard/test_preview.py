"""The DM plane's first picture (callbacks/preview.py): a coarse plane from the same solver,
drawn at once for a changed plane, never when the full plane is already there."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go
import pytest
from dash.exceptions import PreventUpdate
from flask import Flask

from callbacks import point, preview
from dashboard import cache as physics_cache
from dashboard import relic_data
from dashboard.state import AppState
from physics import ALPModel, omega_h2

NOT_PRECOMPUTED = 0.0311  # a δ with no precomputed plane: the full plane takes seconds


@pytest.fixture
def fresh_cache(tmp_path: Path) -> Iterator[None]:
    """A file cache of its own, so "already computed" means computed in this test."""
    saved = physics_cache.active_cache()
    physics_cache.make_cache(Flask(__name__), {"ALP_CACHE_DIR": str(tmp_path)})
    yield
    physics_cache.use_cache(saved)


@pytest.mark.usefixtures("fresh_cache")
def test_a_changed_plane_gets_a_coarse_preview_from_the_same_solver() -> None:
    state = AppState(delta=NOT_PRECOMPUTED)
    fig, status = preview.dm_preview_job(point.dm_key(state), state.to_dict())
    n = relic_data.DM_PREVIEW_NODES
    contour = fig["data"][3]
    assert len(contour["z"]) == n and all(len(row) == n for row in contour["z"])
    assert len(contour["x"]) == n and len(contour["y"]) == n
    assert f"{n}×{n} grid" in status and "preview" in status and "refining" in status
    go.Figure(fig)
    # the preview's numbers are omega_h2's at its nodes (checked at two of them)
    plane = relic_data.dm_plane_preview(state)
    assert plane is not None
    for i, j in ((3, 2), (5, 4)):  # (g index, m index)
        model = ALPModel.from_detuning(plane["m"][j], NOT_PRECOMPUTED, state.g_aWW, plane["g"][i])
        want = math.log10(omega_h2(model, "cbe").omega_h2)
        assert plane["log_omega_cbe"][i][j] == pytest.approx(want, abs=2e-3)  # 4 significant axis digits


@pytest.mark.usefixtures("fresh_cache")
def test_no_preview_when_the_full_plane_is_there_or_precomputed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relic_data, "DM_N_M", 4)
    monkeypatch.setattr(relic_data, "DM_N_G", 3)
    state = AppState(delta=NOT_PRECOMPUTED)
    assert relic_data.dm_plane_preview(state) is not None
    relic_data.dm_plane(state)  # what the background job does
    assert relic_data.dm_plane_preview(state) is None
    with pytest.raises(PreventUpdate):
        preview.dm_preview_job(point.dm_key(state), state.to_dict())
    monkeypatch.setattr(relic_data, "DM_N_M", relic_data.grids.DM_PLANE_NODES)
    monkeypatch.setattr(relic_data, "DM_N_G", relic_data.grids.DM_PLANE_NODES)
    assert relic_data.dm_plane_preview(AppState()) is None  # the default plane is precomputed


def test_a_malformed_key_draws_nothing() -> None:
    for key in (None, {}, {"delta": "nan"}, {"delta": -2.0, "g_aWW": 8.4e-5}):
        with pytest.raises(PreventUpdate):
            preview.dm_preview_job(key, AppState().to_dict())
