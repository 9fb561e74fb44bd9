"""The paper's projections panel: data shaping (dashboard/projection_data.py), its figure
(layouts/projection_figure.py), its callbacks (callbacks/projections.py) and its slide export.

Most tests use a hand-made :class:`physics.ViableProjection` (the physics is tested in
tests/physics/test_projection.py); one runs the real solver on a 1 × 2 grid.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from dash.exceptions import PreventUpdate
from flask import Flask
from flask_caching import Cache

from callbacks import projections as cb
from callbacks import slides
from dashboard import cache as physics_cache
from dashboard import projection_data as P
from dashboard.state import AppState, to_query
from layouts import build_layout, ids
from layouts.panels import BACKGROUND_PANELS, PROJECTION_PANEL
from layouts.projection_figure import delta_range, projection_figure
from layouts.theme import PALETTE, SLIDE_SIZE, sizes
from physics import ViableProjection

NAN = math.nan


def fake_projection(method: str = "cbe") -> ViableProjection:
    """3 m_a × 2 g_aχχ nodes, 2 band positions: viable at (m_a=1, g=1e-2) with δ* = 0.02 and at
    (m_a=2, g=1e-2) with δ* from 0.01 to 0.03 (one band edge) and −0.005 (the other)."""
    shape = (3, 2, 2)
    delta_lo = np.full(shape, NAN)
    delta_hi = np.full(shape, NAN)
    delta_lo[0, 1, 0] = delta_hi[0, 1, 0] = 0.02
    delta_lo[1, 1, 0], delta_hi[1, 1, 0] = 0.01, 0.03
    delta_lo[1, 1, 1] = delta_hi[1, 1, 1] = -0.005
    ok = np.isfinite(delta_lo)
    reason = np.where(ok, "", "relic: no solution of Ωh² = 0.120")
    reason[2] = "belle2: no g_aWW reaches the target"
    return ViableProjection(
        m_a=np.array([1.0, 2.0, 3.0]),
        g_achi=np.array([1e-4, 1e-2]),
        fractions=np.array([0.0, 1.0]),
        g_aWW=np.full(shape, 1e-4),
        delta=np.where(ok, delta_lo, 0.5),
        delta_lo=delta_lo,
        delta_hi=delta_hi,
        reason=reason,
        n_reasons=np.where(ok, 0, 1),
        method=method,
    )


def fake_data(methods: tuple[str, ...] = ("nbe", "cbe")) -> dict[str, Any]:
    return {
        "methods": {m: fake_projection(m).to_dict() for m in methods},
        "mode": "band",
        "g_aWW": None,
        "target": "excess",
        "n_sigma": 1.0,
        "width": "energy_dependent",
    }


@pytest.fixture
def memory_cache() -> Iterator[Cache]:
    """An in-memory physics cache (the active one restored afterwards)."""
    saved = physics_cache.active_cache()
    cache = Cache(Flask(__name__), config={"CACHE_TYPE": "SimpleCache"})
    physics_cache.use_cache(cache)
    yield cache
    physics_cache.use_cache(saved)


@pytest.fixture
def fake_solver(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``viable_projection`` replaced by the hand-made projection; records every call."""
    calls: list[dict[str, Any]] = []

    def solver(m_a: Any, g_achi: Any, *, method: str, progress: Any = None, **kw: Any) -> ViableProjection:
        calls.append({"m_a": list(m_a), "g_achi": list(g_achi), "method": method, **kw})
        n = len(m_a) * len(g_achi)
        for i in range(n):
            if progress is not None:
                progress(i + 1, n)
        return fake_projection(method)

    monkeypatch.setattr(P, "viable_projection", solver)
    monkeypatch.setattr(P, "PROJECTION_GRID", {"nbe": (2, 2), "cbe": (2, 2), "fbe": (1, 2)})
    return calls


# ----------------------------------------------------------------------------- data shaping
def test_the_view_draws_exactly_the_viable_nodes_and_counts_the_failures() -> None:
    view = P.method_view(fake_projection().to_dict())
    assert view["n_viable"] == 2 and view["n_nodes"] == 6
    assert list(zip(view["nodes"]["m_a"], view["nodes"]["g_achi"], strict=True)) == [(1.0, 1e-2), (2.0, 1e-2)]
    assert view["nodes"]["delta"] == [0.02, 0.01]  # the smallest viable δ* of each node
    assert view["reasons"] == {"relic": 2, "belle2": 2}
    assert view["summary"]["n_points"] == 2


def test_the_g_band_spans_the_viable_cells_and_nothing_beyond() -> None:
    band = P.method_view(fake_projection().to_dict())["band"]
    xs = [x for x in band["x"] if x is not None]
    ys = [y for y in band["y"] if y is not None]
    assert min(xs) == pytest.approx(0.5) and max(xs) == pytest.approx(2.5)  # cells of m_a = 1 and 2
    assert min(ys) == pytest.approx(1e-3) and max(ys) == pytest.approx(1e-1)  # the cell of g = 1e-2 (log)
    assert band["x"][0] == band["x"][-1] and band["y"][0] == band["y"][-1]  # closed


def test_delta_ranges_are_split_by_sign() -> None:
    delta = P.method_view(fake_projection().to_dict())["delta"]
    assert delta["pos"]["lo"] == [0.02, 0.01, None] and delta["pos"]["hi"] == [0.02, 0.03, None]
    assert delta["neg"]["lo"] == [None, 0.005, None] and delta["neg"]["hi"] == [None, 0.005, None]


def test_step_band_separates_runs() -> None:
    nan = np.nan
    xs, _ys = P.step_band(
        np.array([0.0, 1.0, 2.0, 3.0]),
        np.array([1.0, 2.0, 3.0, 4.0]),
        np.array([1, nan, 1, 1]),
        np.array([2, nan, 3, 2]),
    )
    assert xs.count(None) == 1
    first = xs[: xs.index(None)]
    assert min(first) == 0.0 and max(first) == 1.0
    second = xs[xs.index(None) + 1 :]
    assert min(second) == 2.0 and max(second) == 4.0


@pytest.mark.parametrize(
    ("methods", "mode", "fragment"),
    [
        ([], "band", "at least one"),
        (["xbe"], "band", "unknown method"),
        ("cbe", "band", "list"),
        (["cbe"], "sideways", "mode"),
    ],
)
def test_bad_choices_are_value_errors(methods: Any, mode: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        P.check_options(methods, mode)


def test_methods_come_in_the_engines_order() -> None:
    assert P.check_options(["fbe", "nbe"], "band") == (("nbe", "fbe"), "band")


def test_grid_size_env_override() -> None:
    assert P.grid_size("cbe", {}) == P.PROJECTION_GRID["cbe"]
    assert P.grid_size("fbe", {P.GRID_ENV: "3,2"}) == (3, 2)
    assert P.grid_size("cbe", {P.GRID_ENV: "0,2"}) == P.PROJECTION_GRID["cbe"]
    assert P.grid_size("cbe", {P.GRID_ENV: "many"}) == P.PROJECTION_GRID["cbe"]
    m, g = P.grid_axes(3, 4)
    assert m[0] == P.M_A_RANGE[0] and m[-1] == P.M_A_RANGE[1]
    assert g[0] == P.G_ACHI_RANGE[0] and g[-1] == P.G_ACHI_RANGE[1]


def test_projections_report_progress_and_are_cached_per_method(
    memory_cache: Cache, fake_solver: list[dict[str, Any]]
) -> None:
    state = AppState(target="excess", n_sigma=2.0)
    seen: list[tuple[int, int]] = []
    data = P.projections(state, ["cbe", "nbe"], "band", lambda d, t: seen.append((d, t)))
    assert list(data["methods"]) == ["nbe", "cbe"]
    assert seen[-1] == (8, 8) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert {c["method"] for c in fake_solver} == {"nbe", "cbe"}
    assert all(c["target"] == "excess" and c["n_sigma"] == 2.0 and c["g_aWW"] is None for c in fake_solver)
    assert all(c["width"] == state.width for c in fake_solver)

    P.projections(state, ["cbe", "fbe"], "band")  # cBE from the cache, only the fBE solved
    assert [c["method"] for c in fake_solver] == ["nbe", "cbe", "fbe"]
    assert P.cached_projections(state)["methods"].keys() == {"nbe", "cbe", "fbe"}

    P.projections(AppState(g_aWW=2e-4), ["cbe"], "current")  # a fixed g_aWW is another projection
    assert fake_solver[-1]["g_aWW"] == [2e-4]


@pytest.mark.usefixtures("no_cache")
def test_a_real_projection_on_a_tiny_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real solver on 1 × 2 nodes at m_a = 2.45 GeV: g_aχχ = 1e-3 GeV⁻¹ is viable by the cBE
    (δ* ≈ 0.016–0.04, inside the abstract's range), 1e-6 GeV⁻¹ is not (BR(a → χχ̄) too small
    for the Belle II signal)."""
    monkeypatch.setattr(P, "grid_axes", lambda n_m, n_g: (np.array([2.45]), np.array([1e-6, 1e-3])))
    monkeypatch.setattr(P, "PROJECTION_GRID", {**P.PROJECTION_GRID, "cbe": (1, 2)})
    view = P.projection_view(P.projections(AppState(), ["cbe"], "band"))["methods"]["cbe"]
    assert view["nodes"]["g_achi"] == [1e-3]
    assert 1e-3 < view["nodes"]["delta"][0] < 0.1
    assert view["reasons"] == {"belle2": 1}


# ----------------------------------------------------------------------------- figure
def test_the_figure_has_a_band_per_method_and_markers_where_the_projection_is_viable() -> None:
    view = P.projection_view(fake_data(("nbe", "cbe", "fbe")))
    fig = projection_figure(view, None, "light")
    bands = [t for t in fig["data"] if t.get("yaxis") == "y2" and t.get("fill") == "toself"]
    assert [t["legendgroup"] for t in bands] == ["nbe", "cbe", "fbe"]
    assert [t["line"]["color"] for t in bands] == [PALETTE[m] for m in ("nbe", "cbe", "fbe")]
    assert all(t.get("showlegend", True) for t in bands)
    proj = fake_projection()
    want = {
        (float(proj.m_a[i]), float(proj.g_achi[j])) for i, j in zip(*np.nonzero(proj.viable), strict=True)
    }
    for method in ("nbe", "cbe", "fbe"):
        (nodes,) = [
            t
            for t in fig["data"]
            if t["legendgroup"] == method and t.get("yaxis") == "y2" and t["mode"] == "markers"
        ]
        assert set(zip(nodes["x"], nodes["y"], strict=True)) == want
        deltas = [t for t in fig["data"] if t["legendgroup"] == method and "yaxis" not in t and t.get("fill")]
        assert [t["line"]["dash"] for t in deltas] == ["solid", "dash"]  # δ > 0 and δ < 0


def test_the_figure_has_units_on_every_axis_and_the_m_a_axis_shared() -> None:
    layout = projection_figure(None, None, "light", "press the button")["layout"]
    assert "[GeV]" in layout["xaxis"]["title"]["text"]
    assert "[GeV⁻¹]" in layout["yaxis2"]["title"]["text"]
    assert "δ" in layout["yaxis"]["title"]["text"]  # dimensionless
    assert layout["xaxis2"]["matches"] == "x" and layout["xaxis2"]["showticklabels"] is False
    assert layout["annotations"][0]["text"] == "press the button"
    assert layout["yaxis"]["range"] == [-6, 1]


def test_the_delta_axis_follows_the_solutions() -> None:
    view = P.projection_view(fake_data(("cbe",)))
    lo, hi = delta_range(view["methods"])
    assert lo <= math.log10(0.005) and hi >= math.log10(0.03) and hi - lo >= 2


def test_presentation_mode_draws_larger() -> None:
    view = P.projection_view(fake_data(("cbe",)))
    light, talk = projection_figure(view, None, "light"), projection_figure(view, None, "talk")
    assert talk["layout"]["font"]["size"] == sizes("talk")["font"] > light["layout"]["font"]["size"]
    assert talk["data"][0]["line"]["width"] > light["data"][0]["line"]["width"]


def test_nothing_viable_is_said() -> None:
    data = fake_data(("cbe",))
    raw = data["methods"]["cbe"]
    raw["delta_lo"] = [None] * len(raw["delta_lo"])
    raw["delta_hi"] = [None] * len(raw["delta_hi"])
    fig = projection_figure(P.projection_view(data), None, "light")
    assert "No viable node" in fig["layout"]["annotations"][0]["text"]


# ----------------------------------------------------------------------------- callbacks
def test_the_panel_is_a_background_panel_with_cancel() -> None:
    assert PROJECTION_PANEL in BACKGROUND_PANELS
    assert PROJECTION_PANEL.cancel == ids.PROJ_CANCEL
    layout = str(build_layout())
    for cid in (
        ids.PROJ.key,
        ids.PROJ.fig,
        ids.PROJ.progress,
        ids.PROJ_START,
        ids.PROJ_CANCEL,
        ids.PROJ_METHODS,
    ):
        assert f"'{cid}'" in layout


def test_the_key_waits_for_the_button_and_ignores_g_aWW_in_the_band_mode() -> None:
    state = AppState(g_aWW=3e-4, theme="talk").to_dict()
    assert cb.projection_key(state, 0, ["cbe"], "band") is None
    key = cb.projection_key(state, 1, ["cbe"], "band")
    assert key["methods"] == ["cbe"] and key["theme"] == "talk" and "g_aWW" not in key
    moved = cb.projection_key({**state, "g_aWW": 5e-4}, 1, ["cbe"], "band")
    assert moved == key  # the g_aWW slider does not restart a band projection
    assert cb.projection_key(state, 1, ["cbe"], "current")["g_aWW"] == 3e-4
    assert cb.projection_key(state, 2, ["cbe"], "band") != key  # pressed again (after a Cancel)
    assert cb.projection_key(state, 1, ["fbe", "nbe"], "band")["methods"] == ["nbe", "fbe"]


def test_the_job_draws_the_projection_with_progress(memory_cache: Cache, fake_solver: list) -> None:
    key = cb.projection_key(AppState(theme="talk").to_dict(), 1, ["nbe", "cbe"], "band")
    progress: list[tuple[str, str]] = []
    fig, status = cb.projection_job(key, AppState().to_dict(), progress.append)
    assert {t["legendgroup"] for t in fig["data"]} == {"nbe", "cbe"}
    assert fig["layout"]["font"]["size"] == sizes("talk")["font"]
    assert progress[-1] == ("8", "8")
    assert "nBE: 2 of 6 nodes viable" in status and "cBE: 2 of 6 nodes viable" in status
    assert "relic 2" in status and "excess" in status and "cached" in status


@pytest.mark.parametrize(
    ("n_clicks", "methods", "mode"),
    [("1", ["cbe"], "band"), (True, ["cbe"], "band"), (1, "cbe", "band"), (1, [3, None], "band"), (1, {}, 7)],
)
def test_a_forged_request_never_breaks_the_key_or_the_job(
    n_clicks: Any, methods: Any, mode: Any, fake_solver: list
) -> None:
    key = cb.projection_key({"nonsense": 1}, n_clicks, methods, mode)
    if key is not None:
        fig, status = cb.projection_job(key, None)
        assert "not computed" in fig["layout"]["annotations"][0]["text"] and status == ""
    assert fake_solver == []


def test_a_bad_key_gives_the_reason_not_an_exception(fake_solver: list) -> None:
    key = cb.projection_key(AppState().to_dict(), 1, [], "band")
    fig, status = cb.projection_job(key, None)
    assert "at least one" in fig["layout"]["annotations"][0]["text"] and status == ""
    fig, _ = cb.projection_job({**key, "methods": ["cbe"], "target": "nonsense"}, None)
    assert "not computed" in fig["layout"]["annotations"][0]["text"]
    with pytest.raises(PreventUpdate):
        cb.projection_job(None, None)
    assert fake_solver == []


def test_the_idle_figure_follows_the_theme_until_the_first_press() -> None:
    fig = cb.idle_figure("talk", 0)
    assert fig["layout"]["font"]["size"] == sizes("talk")["font"]
    assert fig["layout"]["annotations"][0]["text"].replace("<br>", " ") == PROJECTION_PANEL.placeholder
    with pytest.raises(PreventUpdate):
        cb.idle_figure("talk", 1)


def test_the_callbacks_are_registered_with_a_cancel() -> None:
    import app as app_module

    callbacks = app_module.create_app().callback_map
    (job,) = [v for k, v in callbacks.items() if k.startswith(f"..{ids.PROJ.fig}.figure")]
    assert ids.PROJ.key in str(job["inputs"])
    assert ids.PROJ_CANCEL in str(job.get("background", {}).get("cancel", ""))
    assert any(k == f"{ids.PROJ.key}.data" for k in callbacks)


# ----------------------------------------------------------------------------- slide export
def test_the_slide_export_needs_the_computed_panel(memory_cache: Cache) -> None:
    response = slides.slide_response("projections.pdf", to_query(AppState())[1:])
    assert response.status_code == 409
    assert "projections" in response.get_data(as_text=True)


def test_the_slide_is_the_presentation_figure_at_16_9(
    memory_cache: Cache, fake_solver: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    P.projections(AppState(), ["cbe"], "band")
    drawn: list[tuple[dict, str, int, int]] = []

    def render(figure: dict, fmt: str, width: int, height: int) -> bytes:
        drawn.append((figure, fmt, width, height))
        return b"<svg/>"

    monkeypatch.setattr(slides, "render", render)
    response = slides.slide_response("projections.svg", to_query(AppState(theme="light"))[1:])
    assert response.status_code == 200
    assert 'filename="projections_16x9.svg"' in response.headers["Content-Disposition"]
    figure, fmt, width, height = drawn[0]
    assert (fmt, (width, height)) == ("svg", SLIDE_SIZE)
    assert figure["layout"]["font"]["size"] == sizes("talk")["font"]
    assert {t["legendgroup"] for t in figure["data"]} == {"cbe"}
    assert "Belle II target: excess" in figure["layout"]["title"]["text"]
    assert "m_a =" not in figure["layout"]["title"]["text"]  # the grid spans m_a: no point in the caption


def test_the_real_svg_slide_is_16_9_with_readable_text(
    memory_cache: Cache, fake_solver: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """plotly's exporter (Kaleido and the installed Chromium): required like the browser tests."""
    import re

    from tests._servers import find_chromium

    if find_chromium() is None:
        if os.environ.get("ALP_SKIP_BROWSER") == "1":
            pytest.skip("no Chromium (ALP_SKIP_BROWSER=1)")
        pytest.fail("no Chromium found: the slide export needs it (scripts/system_deps.sh installs it)")
    P.projections(AppState(), ["nbe", "cbe"], "band")
    response = slides.slide_response("projections.svg", to_query(AppState())[1:])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    svg = response.get_data(as_text=True)
    assert re.search(r'viewBox="0 0 1600 900"', svg)
    sizes_px = [float(v) for v in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    assert sizes_px and min(sizes_px) >= 18  # ≥ 10 pt when the slide fills a 13.33-inch screen
    assert "m_a [GeV]" in svg and "g_aχχ [GeV⁻¹]" in svg
