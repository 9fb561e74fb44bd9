"""The δ-scan panel's fBE/nBE curve: precomputed at the default couplings, on demand elsewhere.

Expected values are physics.omega_h2 by the fBE and the nBE at the same nodes, evaluated here.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from callbacks import background, fbe_scan
from callbacks.point import scan_key
from dashboard import relic_data
from dashboard.state import AppState
from layouts.figures import delta_scan_figure
from physics import ALPModel, omega_h2
from physics.scan import precompute as grids

pytestmark = pytest.mark.usefixtures("no_cache")


def fbe_traces(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if str(t.get("name", "")).startswith("fBE/nBE")]


def test_default_couplings_read_the_fbe_curve_from_the_precomputed_grid() -> None:
    state = AppState()
    nodes = np.geomspace(*relic_data.SCAN_ABS_DELTA, relic_data.SCAN_N)
    pre = relic_data.precomputed_scan(state.m_a, state.g_aWW, state.g_achi, state.width, nodes)
    assert pre is not None, f"data/precomputed is missing or stale: run `{grids.COMMAND}`"
    for k in (3, 17):  # two nodes of δ > 0 checked against the engine
        model = ALPModel.from_detuning(state.m_a, float(nodes[k]), state.g_aWW, state.g_achi)
        fbe, nbe = omega_h2(model, "fbe").omega_h2, omega_h2(model, "nbe").omega_h2
        assert pre["omega_fbe_pos"][k] == pytest.approx(fbe, rel=1e-9)
        assert pre["ratio_fbe_pos"][k] == pytest.approx(fbe / nbe, rel=1e-9)
    # the panel's own job draws it at once, and says where it comes from
    fig, status = background.delta_scan_job(scan_key(state), state.to_dict())
    assert "fBE/nBE precomputed" in status
    assert all(t["y"] and t["showlegend"] for t in fbe_traces(fig))
    # off the grid there is no precomputed curve
    assert relic_data.precomputed_scan(2.0, 8.4e-5, 2e-3, state.width, nodes) is None
    assert relic_data.precomputed_scan(2.0, 8.4e-5, 1e-3, "constant", nodes) is None


def test_fbe_curve_on_demand_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relic_data, "SCAN_N", 3)
    state = AppState(g_achi=2e-3)  # off the precomputed grid
    fig, status = background.delta_scan_job(scan_key(state), state.to_dict())
    assert "on demand" in status and not any(t["y"] for t in fbe_traces(fig))
    assert not any(t["showlegend"] for t in fbe_traces(fig))
    seen: list = []
    fig, status = fbe_scan.fbe_scan_job(state.to_dict(), seen.append)
    assert seen[-1] == ("6", "6") and len(seen) == 6 and "computed" in status
    pos = next(t for t in fbe_traces(fig) if "δ > 0" in t["name"])
    d = pos["x"][1]
    model = ALPModel.from_detuning(2.0, d, 8.4e-5, 2e-3)
    assert pos["y"][1] == pytest.approx(
        omega_h2(model, "fbe").omega_h2 / omega_h2(model, "nbe").omega_h2, rel=1e-3
    )
    go.Figure(fig)


def test_empty_scan_figure_keeps_the_fbe_traces_hidden() -> None:
    fig = delta_scan_figure(None, None, "light", "computing…")
    assert len(fbe_traces(fig)) == 2 and not any(t["showlegend"] for t in fbe_traces(fig))
    go.Figure(fig)
