"""Callback functions called directly (no browser): state resolution, outputs, Patch, messages."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import pytest
from dash import Patch, no_update
from dash.exceptions import PreventUpdate

from callbacks import background, export, point
from callbacks.point import OUTPUT_KEYS, update
from dashboard import relic_data
from dashboard.state import AppState
from layouts import figures, ids
from layouts.controls import CONTROL_FIELDS, control_values
from physics.scan import precompute as grids
from tests._page import first_load, values_for

pytestmark = pytest.mark.usefixtures("no_cache")


def test_first_load_with_a_shared_link_restores_every_control() -> None:
    link = "?ma=0.5&delta=-0.2&gww=3e-05&gchi=0.01&target=two_body_fit&width=constant&theme=talk"
    out = first_load(link)
    assert set(out) == set(OUTPUT_KEYS)
    assert out["state"] == AppState(0.5, -0.2, 3e-5, 0.01, "two_body_fit", "constant", "talk").to_dict()
    assert out["state"]["r_max"] == 1.0 and out["state"]["babar"] == "tension"  # a link from before them
    assert out[f"ctl:{ids.text(ids.M_A)}"] == "0.5"
    assert out[f"ctl:{ids.DELTA_SIGN}"] == -1
    assert out[f"ctl:{ids.TARGET}"] == "two_body_fit"
    assert out["page_class"] == "theme-talk"
    assert out["notice"] == ""
    assert out["search"].startswith(link + "&method=cbe&")  # the new fields join the link
    go.Figure(out["flavour_fig"])  # a full, schema-valid figure on first load


def test_bad_link_shows_a_notice_and_uses_defaults() -> None:
    out = first_load("?ma=nan&gww=1e9&junk=1")
    assert out["state"]["m_a"] == AppState().m_a and out["state"]["g_aWW"] == AppState().g_aWW
    assert "Shared link" in out["notice"] and "m_a" in out["notice"] and "junk" in out["notice"]


def test_link_outside_the_model_domain_falls_back_to_defaults() -> None:
    # y_χ = g_aχχ m_χ > 4π for g_aχχ = 1 and m_χ ≈ 25 GeV: physics rejects it
    out = first_load("?ma=5&delta=-0.99&gchi=1")
    assert out["state"] == AppState().to_dict()


def test_slider_move_patches_the_point_and_keeps_the_background() -> None:
    start = first_load()
    prev = start["state"]
    out = update(
        ids.slider(ids.M_A),
        values_for(AppState(), **{ids.slider(ids.M_A): 0.0}),
        prev,
        start["dm_key"],
        start["scan_key"],
    )
    assert out["state"]["m_a"] == 1.0
    assert out["search"].startswith("?ma=1&")
    assert isinstance(out["flavour_fig"], Patch)  # only the ★ annotation is sent …
    ops = out["flavour_fig"].to_plotly_json()["operations"]
    assert [op["location"] for op in ops] == [["layout", "annotations", 0]]
    assert ops[0]["params"]["value"]["x"] == 0.0  # … at log10(m_a / GeV)
    assert isinstance(out["dm_point"], Patch) and isinstance(out["scan_point"], Patch)
    assert out[f"ctl:{ids.text(ids.M_A)}"] == "1"  # the typed box follows the slider
    assert out[f"ctl:{ids.text(ids.M_CHI)}"] == "0.4941"  # m_χ follows m_a at fixed δ
    untouched = [k for k in control_values(AppState()) if k not in (ids.text(ids.M_A), ids.text(ids.M_CHI))]
    assert all(out[f"ctl:{k}"] is no_update for k in untouched)  # nothing else re-renders
    assert out["dm_key"] is no_update  # m_a does not change the DM plane …
    assert out["scan_key"] != start["scan_key"]  # … but it changes the δ scan
    assert out["relic"] is not no_update and out["fbe_out"] == ""


def test_delta_change_resends_the_flavour_figure_and_restarts_the_dm_plane() -> None:
    start = first_load()
    vals = values_for(AppState(), **{ids.text(ids.DELTA): "-0.3"})
    out = update(ids.text(ids.DELTA), vals, start["state"], start["dm_key"], start["scan_key"])
    assert out["state"]["delta"] == -0.3
    assert out[f"ctl:{ids.DELTA_SIGN}"] == -1
    fig = go.Figure(out["flavour_fig"])
    assert fig.layout.annotations[0].name == "current point"
    assert out["dm_key"]["delta"] == -0.3


ADVANCED_BAD = {
    ids.R_MAX: [
        *[("0", "> 0"), ("-1", "> 0"), ("nan", "finite"), ("inf", "finite"), ("1e400", "finite")],
        *[("abc", "not a number"), ("", "enter a number"), ("500", "between")],
    ],
    ids.N_SIGMA: [("0", "> 0"), ("-2", "> 0"), ("nan", "finite"), ("9", "between")],
}
"""Typed values of the advanced section's numbers that must be refused, and the message's key words."""


@pytest.mark.parametrize(
    ("control", "typed", "fragment"),
    [
        (ids.G_AWW, "nan", "finite"),
        (ids.G_AWW, "-1e-4", "between"),
        (ids.M_A, "abc", "not a number"),
        (ids.M_A, "", "enter a number"),
        (ids.G_ACHI, "1e5", "between"),
        (ids.DELTA, "-1.5", "−0.99"),
        *((control, typed, fragment) for control, cases in ADVANCED_BAD.items() for typed, fragment in cases),
    ],
)
def test_bad_typed_value_gives_inline_message_and_keeps_the_result(
    control: str, typed: str, fragment: str
) -> None:
    start = first_load()
    vals = values_for(AppState(), **{ids.text(control): typed})
    out = update(ids.text(control), vals, start["state"], start["dm_key"], start["scan_key"])
    assert fragment in out[f"msg:{control}"]
    kept = ("state", "search", "flavour_fig", "relic", "evolution_fig", "dm_key", "scan_key", "verdicts")
    for key in (*kept, "viability", "in_force"):
        assert out[key] is no_update, key


def test_non_perturbative_point_is_refused_with_a_message() -> None:
    start = first_load("?ma=5&delta=-0.99")
    vals = values_for(AppState.from_dict(start["state"]), **{ids.text(ids.G_ACHI): "0.9"})
    out = update(ids.text(ids.G_ACHI), vals, start["state"], start["dm_key"], start["scan_key"])
    assert "4π" in out[f"msg:{ids.G_ACHI}"] and "previous result kept" in out[f"msg:{ids.G_ACHI}"]
    assert out["state"] is no_update
    assert (
        out[f"ctl:{ids.text(ids.G_ACHI)}"]
        == control_values(AppState.from_dict(start["state"]))[ids.text(ids.G_ACHI)]
    )


def test_typed_m_chi_sets_delta_and_clears_messages() -> None:
    start = first_load()
    out = update(ids.text(ids.M_CHI), values_for(AppState(), **{ids.text(ids.M_CHI): "0.9"}), start["state"])
    assert out["state"]["delta"] == pytest.approx(4 / (4 * 0.81) - 1, rel=1e-3)
    assert all(out[f"msg:{c}"] == "" for c in CONTROL_FIELDS)


def test_preset_sets_physics_but_keeps_display_choices() -> None:
    start = first_load("?theme=talk&target=two_body_fit")
    out = update({"type": ids.PRESET, "name": "displaced"}, values_for(AppState()), start["state"])
    assert out["state"]["m_a"] == 0.1 and out["state"]["delta"] == -0.3
    assert out["state"]["theme"] == "talk" and out["state"]["target"] == "two_body_fit"
    assert "excluded by" in str(out["scenario"])  # K⁺→π⁺X excludes this point


def test_sign_toggle_flips_delta() -> None:
    start = first_load()
    out = update(ids.DELTA_SIGN, values_for(AppState(), **{ids.DELTA_SIGN: -1}), start["state"])
    assert out["state"]["delta"] == -AppState().delta


def test_theme_switch_resends_figures() -> None:
    start = first_load()
    out = update(ids.THEME, values_for(AppState(), **{ids.THEME: "talk"}), start["state"], start["dm_key"])
    assert out["page_class"] == "theme-talk"
    assert isinstance(out["flavour_fig"], dict)
    assert out["flavour_fig"]["layout"]["font"]["size"] > 15
    assert out["dm_key"]["theme"] == "talk"


def test_relic_numbers_and_viability_colours() -> None:
    out = first_load()
    html_text = str(out["relic"])
    assert "omega-nbe" in html_text and "omega-cbe" in html_text and "omega-ratio" in html_text
    pair = relic_data.relic_pair(AppState())
    assert relic_data.relic_status(pair["cbe"]["omega_h2"]) == "viable"  # the preset's point
    assert pair["ratio"] == pytest.approx(pair["cbe"]["omega_h2"] / pair["nbe"]["omega_h2"])
    go.Figure(out["evolution_fig"])


def test_relic_status_classes() -> None:
    assert relic_data.relic_status(0.12) == "viable"
    assert relic_data.relic_status(0.05) == "under"
    assert relic_data.relic_status(1.0) == "over"
    assert relic_data.relic_status(None) == "unknown"


def test_a_failing_relic_solve_is_shown_not_faked(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise FloatingPointError("overflow")

    monkeypatch.setattr(relic_data, "_omega", broken)
    out = first_load()
    assert "relic density failed: FloatingPointError" in str(out["relic"])
    assert "omega-cbe" not in str(out["relic"])  # no number at all, never a made-up one


def test_dm_plane_job_reports_progress_and_builds_the_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relic_data, "DM_N_M", 4)
    monkeypatch.setattr(relic_data, "DM_N_G", 3)
    seen: list[tuple[str, str]] = []
    key = point.dm_key(AppState())
    expected = {"delta": 0.024, "g_aWW": 8.4e-5, "width": "energy_dependent", "theme": "light"}
    assert expected.items() <= key.items()
    fig, status = background.dm_plane_job(key, AppState().to_dict(), seen.append)
    assert seen[-1] == ("4", "4") and len(seen) == 4  # one report per m_a row (rows share tables)
    star = fig["layout"]["annotations"][figures.POINT_ANNOTATION]
    assert star["visible"] and star["x"] == pytest.approx(math.log10(AppState().m_a))
    assert star["y"] == pytest.approx(math.log10(AppState().g_achi))
    assert len(fig["data"][3]["z"]) == 3 and len(fig["data"][3]["z"][0]) == 4
    go.Figure(fig)
    assert "grid" in status
    with pytest.raises(PreventUpdate):
        background.dm_plane_job(None, None)


def test_delta_scan_job_has_both_signs_and_the_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relic_data, "SCAN_N", 5)
    key = {"m_a": 2.0, "g_aWW": 8.4e-5, "g_achi": 1e-3, "width": "energy_dependent", "theme": "light"}
    seen: list[tuple[str, str]] = []
    fig, status = background.delta_scan_job(key, AppState().to_dict(), seen.append)
    assert seen[-1] == ("10", "10")
    pos = fig["data"][0]["y"]
    assert len(pos) == 5 and all(r is not None and r > 0 for r in pos)
    star = fig["layout"]["annotations"][figures.POINT_ANNOTATION]
    assert star["visible"] and star["x"] == pytest.approx(math.log10(AppState().delta))
    assert status.startswith("max ratio")
    go.Figure(fig)


def test_fbe_job_reports_a_failure_instead_of_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise FloatingPointError("overflow")

    monkeypatch.setattr(relic_data, "_relic_point", boom)
    assert "fBE failed" in str(background.fbe_job(AppState().to_dict()))


def test_csv_export_contains_numbers_and_curves() -> None:
    payload = export.export_csv(1, AppState().to_dict())
    text = payload["content"]
    assert payload["filename"] == "alp_dm_explorer.csv"
    lines = text.splitlines()
    assert lines[0] == "section,series,x_name,x,y_name,y"
    sections = {line.split(",")[0] for line in lines[1:]}
    assert {"parameter", "derived", "verdict", "relic", "belle2_band", "limit_curve", "evolution"} <= sections
    assert any(line.startswith("relic,cbe:omega_h2,") for line in lines)
    with pytest.raises(PreventUpdate):
        export.export_csv(0, None)


def test_flavour_figure_is_valid_in_both_scenarios() -> None:
    for link in ("", "?ma=0.1&delta=-0.3&gww=1e-4"):
        out = first_load(link)
        fig = go.Figure(out["flavour_fig"])
        names = [t.name for t in fig.data]
        assert any(n and n.startswith("Belle II") for n in names)
        star = fig.layout.annotations[figures.POINT_ANNOTATION]
        assert star.text == "★" and star.x == pytest.approx(math.log10(out["state"]["m_a"]))
        scenario = "missing" if out["state"]["delta"] > 0 else "displaced"
        beams = [t for t in fig.data if "beam dump" in (t.name or "").lower()]
        hidden = [t.visible == "legendonly" for t in beams]
        assert all(hidden) if scenario == "missing" else not any(hidden)


def test_point_hover_lists_every_experiment() -> None:
    out = first_load("?ma=0.1&delta=-0.3&gww=1e-4")
    hover = go.Figure(out["flavour_fig"]).layout.annotations[0].hovertext
    assert "NA62 2025" in hover and "✗" in hover and "BaBar" in hover


def test_fbe_job_gives_a_number() -> None:
    out = str(background.fbe_job(AppState().to_dict()))
    assert "Ωh² (fBE) = 0.1" in out and "m_a = 2 GeV" in out


def test_an_unexpected_physics_failure_is_a_notice_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    start = first_load()

    def broken(*args: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(point, "flavour_background", broken)
    vals = values_for(AppState(), **{ids.text(ids.G_ACHI): "0.002"})
    out = update(ids.text(ids.G_ACHI), vals, start["state"], start["dm_key"], start["scan_key"])
    assert "internal error" in out["notice"] and "previous result kept" in out["notice"]
    assert out["state"] is no_update and out["flavour_fig"] is no_update
    assert first_load()["state"] is no_update  # even on first load: a notice, no exception


def test_one_failing_grid_node_leaves_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    from physics import relic_grid

    monkeypatch.setattr(relic_data, "SCAN_N", 3)
    monkeypatch.setattr(relic_data, "DM_N_M", 3)
    monkeypatch.setattr(relic_data, "DM_N_G", 2)
    real = relic_grid._be_result
    calls = {"n": 0}

    def flaky(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise FloatingPointError("overflow at one node")
        return real(*args, **kw)

    monkeypatch.setattr(relic_grid, "_be_result", flaky)
    scan = relic_data.delta_scan(AppState())
    assert scan["ratio_pos"][0] is None and scan["ratio_pos"][1] is not None
    calls["n"] = 0
    plane = relic_data.dm_plane(AppState(delta=0.0311))  # not precomputed: the grid solver runs
    nbe = plane["log_omega_nbe"]
    assert nbe[0][0] is None and sum(v is not None for row in nbe for v in row) == 5


def test_precomputed_dm_plane_is_used_only_when_it_matches_exactly() -> None:
    import numpy as np

    m = np.geomspace(*relic_data.DM_M_RANGE, grids.DM_PLANE_NODES)
    g = np.geomspace(*relic_data.DM_G_RANGE, grids.DM_PLANE_NODES)
    assert relic_data.precomputed_plane(0.025, 8.4e-5, "energy_dependent", m, g) is None  # δ not stored
    assert relic_data.precomputed_plane(0.024, 8.4e-5, "constant", m, g) is None  # other width
    assert relic_data.precomputed_plane(0.024, 8.4e-5, "energy_dependent", m[:5], g) is None  # other axes
    pre = relic_data.precomputed_plane(0.024, 8.4e-5, "energy_dependent", m, g)
    assert pre is not None, f"data/precomputed is missing or stale: run `{grids.COMMAND}` (make precompute)"
    live = relic_data._plane_rows(m[::13], g[::13], 0.024, 8.4e-5, "energy_dependent", None)
    for k in ("nbe", "cbe"):
        np.testing.assert_allclose(pre[k][::13, ::13], live[k], rtol=1e-6)


def test_outputs_equal_to_what_the_page_shows_are_not_resent() -> None:
    start = first_load()
    vals = values_for(AppState(), **{ids.slider(ids.M_A): 0.0})
    shown = {k: "" for k in point.SHOWN_KEYS} | {"page_class": "theme-light", "fbe_out": None}
    out = update(ids.slider(ids.M_A), vals, start["state"], start["dm_key"], start["scan_key"], shown)
    assert all(out[k] is no_update for k in point.SHOWN_KEYS)
    shown |= {f"msg:{ids.G_AWW}": "old message", "fbe_out": "Ωh² (fBE) = 0.13"}
    out = update(ids.slider(ids.M_A), vals, start["state"], start["dm_key"], start["scan_key"], shown)
    assert out[f"msg:{ids.G_AWW}"] == "" and out["fbe_out"] == ""  # cleared because they showed something


def test_verdict_table_is_sent_only_while_its_section_is_open() -> None:
    start = first_load()
    new = AppState(m_a=2.5)
    vals = values_for(new)
    closed = update(
        ids.slider(ids.M_A), vals, start["state"], start["dm_key"], start["scan_key"], verdicts_open=False
    )
    opened = update(ids.slider(ids.M_A), vals, start["state"], start["dm_key"], start["scan_key"])
    assert closed["verdicts"] is no_update and opened["verdicts"] is not no_update
    assert all(str(closed[k]) == str(opened[k]) for k in OUTPUT_KEYS if k != "verdicts")
    # opening the section (an odd number of clicks on its summary) fills it for the current state
    table = point.verdicts_on_open(1, opened["state"])
    assert str(table) == str(opened["verdicts"])
    assert point.verdicts_on_open(2, opened["state"]) is no_update  # closed again
    assert point.verdicts_on_open(None, opened["state"]) is no_update
