"""The dashboard side of issues 10 and 11: advanced options, tension row, band parts, signature,
viability banner (nBE/cBE/fBE), target labels, conventions in force, CSV — called directly.

Expected numbers come from the physics package's public functions evaluated here (p_invisible_belle2,
scenario, viability, tension_band_in_plane, g_aWW_band) or from its label tables, not from the
dashboard code under test.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import no_update

from callbacks import export, verdict
from callbacks.point import update, viability_key
from dashboard import cache as physics_cache
from dashboard.state import AppState, parse_query
from layouts import ids
from physics import ALPModel, g_aWW_band, p_invisible_belle2, scenario, viability
from physics.decays import SCENARIO_LABELS
from physics.limits import CWW_MAPPING_LABELS
from physics.targets import TARGET_HELP, TARGET_LABELS
from tests._page import first_load, values_for

pytestmark = pytest.mark.usefixtures("no_cache")


def move(start: dict[str, Any], trigger: str, value: Any, **keys: Any) -> dict[str, Any]:
    """The callback's answer when control ``trigger`` takes ``value`` on the page of ``start``."""
    values = values_for(AppState.from_dict(start["state"]), **{trigger: value})
    return update(trigger, values, start["state"], None, None, None, keys.get("prev_viability_key"))


def flavour_trace(fig: dict, prefix: str) -> dict:
    return next(t for t in fig["data"] if str(t.get("name", "")).startswith(prefix))


# ----------------------------------------------------------------------------- Belle II radius
def test_r_max_moves_the_band_and_the_point() -> None:
    link = "?ma=0.3&delta=-0.3&gww=1e-05&gchi=0.001"  # a long-lived photon-only ALP (cτ ≈ 27 cm)
    start = first_load(link)
    out = move(start, ids.text(ids.R_MAX), "0.3")
    assert out["state"]["r_max"] == 0.3 and "rmax=0.3" in out["search"]
    assert out[f"msg:{ids.R_MAX}"] == ""
    model = ALPModel.from_detuning(0.3, -0.3, 1e-5, 1e-3)
    derived = str(out["derived"])
    assert f"{p_invisible_belle2(model, r_max_m=0.3):.3g}" in derived  # P_inv at the new radius …
    assert f"{p_invisible_belle2(model, r_max_m=1.0):.3g}" in str(start["derived"])  # … and before
    assert isinstance(out["flavour_fig"], dict), "the band depends on r_max: the figure is resent"
    top = flavour_trace(out["flavour_fig"], "Belle II B→Kνν̄")  # the experimental band's top edge
    m = top["x"]
    k = min(range(len(m)), key=lambda i: abs(math.log(m[i] / 0.07)))  # a long-lived ALP escapes here
    expected = {
        r: float(g_aWW_band([m[k]], -0.3, 1e-3, theory=True, r_max=r).exp_upper[0]) for r in (0.3, 1.0)
    }
    assert top["y"][k] == pytest.approx(expected[0.3], rel=1e-3)
    assert abs(expected[0.3] / expected[1.0] - 1) > 1e-3, "the radius matters at this mass"
    assert flavour_trace(start["flavour_fig"], "Belle II B→Kνν̄")["y"][k] == pytest.approx(
        expected[1.0], rel=1e-3
    )
    assert "r_max = 0.3 m" in str(out["in_force"])


# ----------------------------------------------------------------------------- BaBar tension
def test_babar_band_is_a_tension_row_not_an_exclusion() -> None:
    out = first_load()  # the abstract's centre: BaBar's pull ≈ +2.6σ
    model = ALPModel.from_detuning(2.0, 0.024, 8.4e-5, 1e-3)
    pull = viability(model).babar_pull
    table = str(out["verdicts"])
    assert f"tension {pull:+.1f}σ" in table
    assert "allowed by every measured limit" in str(out["scenario"])
    assert f"pull {pull:+.1f}σ" in str(out["scenario"])
    assert "Viable by cBE" in str(out["viability"])
    fig = out["flavour_fig"]
    tension = [t for t in fig["data"] if str(t.get("legendgroup", "")).startswith("tension:")]
    assert tension and all(
        t["line"]["dash"] == "dash" for t in tension if "line" in t and t["line"].get("width")
    )
    assert not any(t.get("fill") == "toself" for t in tension), "a tension shades no excluded region"
    go.Figure(fig)


def test_babar_band_counted_as_a_limit_excludes_the_abstract_centre() -> None:
    start = first_load()
    out = move(start, ids.BABAR, "limit")
    assert out["state"]["babar"] == "limit" and "babar=limit" in out["search"]
    assert "excluded by BaBar" in str(out["scenario"])
    assert "Not viable by cBE" in str(out["viability"]) and "BaBar" in str(out["viability"])
    tension = [t for t in out["flavour_fig"]["data"] if str(t.get("legendgroup", "")).startswith("tension:")]
    assert any(t.get("fill") == "toself" for t in tension), "counted as a limit: shaded above 2σ"
    assert "a limit at its 2σ edge" in str(out["in_force"])
    assert out["dm_key"]["babar"] == "limit"  # the DM plane's overlays follow


def test_cww_mapping_is_stated_in_force_and_selectable() -> None:
    start = first_load()
    assert CWW_MAPPING_LABELS["alpinist_gW"] in str(start["in_force"])
    out = move(start, ids.CWW, "alpha0_sW2")
    assert out["state"]["cww"] == "alpha0_sW2" and CWW_MAPPING_LABELS["alpha0_sW2"] in str(out["in_force"])
    out = move(start, ids.CWW, "unknown")
    assert out["state"] is no_update and "C_WW" in out["notice"]


# ----------------------------------------------------------------------------- band parts
def test_flavour_plane_shades_theory_and_experiment_differently() -> None:
    fig = first_load()["flavour_fig"]
    exp = flavour_trace(fig, "Belle II B→Kνν̄")
    theory = [t for t in fig["data"] if str(t.get("name", "")).startswith("Belle II + theory")]
    assert len(theory) == 2 and all("fillpattern" in t for t in theory) and "fillpattern" not in exp
    assert exp["fillcolor"] != theory[0]["fillcolor"]
    # the theory band is the wider one, at every mass
    lo_th, lo_exp = fig["data"][0]["y"], fig["data"][1]["y"]
    hi_exp, hi_th = fig["data"][2]["y"], fig["data"][3]["y"]
    pairs = [
        (a, b, c, d)
        for a, b, c, d in zip(lo_th, lo_exp, hi_exp, hi_th, strict=True)
        if None not in (a, b, c, d)
    ]
    assert len(pairs) > 100 and all(a <= b <= c <= d for a, b, c, d in pairs)
    assert sum(a < b and c < d for a, b, c, d in pairs) > 100


def test_csv_carries_both_band_parts_the_tension_and_the_verdict() -> None:
    text = export.export_csv(1, AppState().to_dict())["content"]
    series = {tuple(line.split(",")[:2]) for line in text.splitlines()[1:]}
    for name in ("g_aWW_lower", "g_aWW_central", "g_aWW_upper", "g_aWW_exp_lower", "g_aWW_exp_upper"):
        assert ("belle2_band", name) in series, name
    assert ("tension_band", "babar_bk_inv:g_pull0") in series and (
        "tension_band",
        "babar_bk_inv:g_pull2",
    ) in series
    assert ("viability", "cbe") in series and ("viability", "cbe:babar_pull") in series
    assert any(
        line.startswith("verdict,babar_bk_inv,role,tension,pull_sigma,2.") for line in text.splitlines()
    )


# ----------------------------------------------------------------------------- labels
def test_target_selector_uses_the_physics_labels_and_help() -> None:
    from layouts.controls import target_choice

    html_text = str(target_choice(AppState()))
    assert TARGET_LABELS["excess"] in html_text and "proxy" in TARGET_LABELS["excess"]
    assert TARGET_LABELS["two_body_fit"] in html_text and "recommended" in TARGET_LABELS["two_body_fit"]
    start = first_load()
    assert start["target_help"] == TARGET_HELP["excess"]
    out = move(start, ids.TARGET, "two_body_fit")
    assert out["target_help"] == TARGET_HELP["two_body_fit"]
    assert move(start, ids.G_ACHI + "-input", "0.002")["target_help"] is no_update  # only when it changes


def test_scenario_is_named_by_what_the_alp_does() -> None:
    """m_a = 2 GeV, δ < 0, g_aWW = 1e-4: a → γγ within ~10 µm: prompt, not "displaced"."""
    out = first_load("?ma=2&delta=-0.3&gww=0.0001&gchi=0.001")
    model = ALPModel.from_detuning(2.0, -0.3, 1e-4, 1e-3)
    assert scenario(model) == "prompt_diphoton"
    assert SCENARIO_LABELS["prompt_diphoton"] in str(out["scenario"])
    assert SCENARIO_LABELS["invisible"] in str(first_load()["scenario"])


# ----------------------------------------------------------------------------- viability
def test_banner_names_the_failing_criteria_for_the_method() -> None:
    start = first_load()
    out = move(start, ids.METHOD, "nbe")
    assert out["state"]["method"] == "nbe" and "method=nbe" in out["search"]
    text = str(out["viability"])
    assert "Not viable by nBE" in text and "Ωh²" in text and "relic: Ωh² = " in text  # reason in full
    assert out["viability_key"] is no_update  # no background job for the nBE
    far = first_load("?gww=2e-05")  # Belle II and Ωh² both fail (physics.viability's own test point)
    assert "✗ Belle II band" in str(far["viability"]) and "✗ Ωh²" in str(far["viability"])


def test_fbe_verdict_comes_from_the_background_job() -> None:
    start = first_load()
    out = move(start, ids.METHOD, "fbe")
    text = str(out["viability"])
    assert "computing" in text and "by cBE" in text, "provisional cBE verdict while the fBE runs"
    key = out["viability_key"]
    assert key == viability_key(AppState.from_dict(out["state"])) and key["method"] == "fbe"
    seen: list = []
    banner, fbe_line, figure = verdict.verdict_job(key, seen.append)
    expected = viability(ALPModel.from_detuning(2.0, 0.024, 8.4e-5, 1e-3), "fbe")
    head = "Viable by fBE" if expected.viable else "Not viable by fBE"
    assert head in str(banner) and seen[-1] == ("1", "1")
    assert f"Ωh² (fBE) = {expected.omega_h2:.4g}" in str(fbe_line)
    names = [t.get("name") for t in figure["data"]]
    assert "T_χ/T (fBE)" in names and any(str(n).startswith("f/f_eq") for n in names)
    # leaving the fBE clears the key, so a job still running is terminated (its verdict is stale)
    back = move({**start, "state": out["state"]}, ids.METHOD, "cbe", prev_viability_key=key)
    assert back["viability_key"] is None and "Viable by cBE" in str(back["viability"])


@pytest.mark.parametrize("key", [None, {}, {"m_a": "nan"}, {"method": "fbe", "m_a": 2.0}, "junk", [1]])
def test_verdict_job_never_raises_on_a_forged_key(key: Any) -> None:
    from dash.exceptions import PreventUpdate

    try:
        banner, line, figure = verdict.verdict_job(key)
    except PreventUpdate:
        assert not key
        return
    assert "not computed" in str(banner) and line == "" and figure is no_update


# ----------------------------------------------------------------------------- URL and presets
def test_old_links_get_defaults_and_new_links_restore_every_option() -> None:
    old = first_load("?ma=0.5&delta=-0.2&gww=3e-05&gchi=0.01&target=two_body_fit&width=constant&theme=talk")
    assert old["notice"] == ""
    defaults = AppState()
    for f in ("method", "n_sigma", "r_max", "babar", "cww"):
        assert old["state"][f] == getattr(defaults, f)
    link = "?ma=2&method=fbe&nsigma=2&rmax=1.25&babar=limit&cww=alpha0_sW2"
    state, problems = parse_query(link)
    assert problems == [] and (state.method, state.n_sigma, state.r_max) == ("fbe", 2.0, 1.25)
    assert (state.babar, state.cww) == ("limit", "alpha0_sW2")
    out = first_load(link)
    assert out[f"ctl:{ids.text(ids.R_MAX)}"] == "1.25" and out[f"ctl:{ids.BABAR}"] == "limit"
    assert out[f"ctl:{ids.METHOD}"] == "fbe" and out[f"ctl:{ids.text(ids.N_SIGMA)}"] == "2"


def test_preset_keeps_the_advanced_options() -> None:
    start = first_load("?rmax=2&babar=limit&method=nbe&nsigma=2")
    out = update({"type": ids.PRESET, "name": "displaced"}, {"search": "", "presets": [0, 0]}, start["state"])
    assert out["state"]["m_a"] == 0.1
    assert (out["state"]["r_max"], out["state"]["babar"], out["state"]["method"]) == (2.0, "limit", "nbe")
    assert out["state"]["n_sigma"] == 2.0


# ----------------------------------------------------------------------------- fBE on screen
def test_fbe_run_adds_its_temperature_and_distribution_to_the_evolution() -> None:
    from flask import Flask
    from flask_caching import Cache

    from callbacks import background
    from physics import omega_h2

    physics_cache.use_cache(Cache(Flask(__name__), config={"CACHE_TYPE": "SimpleCache"}))
    line, figure = background.fbe_job(AppState().to_dict())
    assert "Ωh² (fBE)" in str(line)
    res = omega_h2(ALPModel.from_detuning(2.0, 0.024, 8.4e-5, 1e-3), "fbe")
    t_fbe = next(t for t in figure["data"] if t.get("name") == "T_χ/T (fBE)")
    assert t_fbe["yaxis"] == "y2" and t_fbe["y"][-1] == pytest.approx(res.T_chi_over_T[-1], rel=1e-4)
    dist = next(t for t in figure["data"] if str(t.get("name", "")).startswith("f/f_eq"))
    assert dist["yaxis"] == "y3" and len(dist["x"]) == len(res.extra["q"])
    # the Maxwellian of the same density and T_χ, computed here from the fBE's own f(q)
    q, f = res.extra["q"], res.extra["f_end"]
    n0, n2 = np.trapezoid(q**2 * f, q), np.trapezoid(q**4 * f, q)
    s2 = n2 / (3 * n0)
    f_eq = n0 / (s2**1.5 * math.sqrt(math.pi / 2)) * np.exp(-(q**2) / (2 * s2))
    k = len(q) // 3
    assert dist["y"][k] == pytest.approx(f[k] / f_eq[k], rel=1e-4)
    assert max(dist["y"]) > 1.5 and min(dist["y"]) < 0.5, "the fBE is far from the cBE's Maxwellian"
    go.Figure(figure)
    # a later slider move back to this point draws the cached fBE without solving it again
    again = first_load()
    assert "T_χ/T (fBE)" in [t.get("name") for t in again["evolution_fig"]["data"]]


def test_maxwellian_ratio_is_one_for_a_maxwellian() -> None:
    from dashboard.relic_data import maxwellian_ratio

    q = np.linspace(1e-3, 40, 4000)
    ratio = maxwellian_ratio(q, 7.0 * np.exp(-(q**2) / (2 * 9.0)))
    assert np.nanmax(np.abs(ratio[q < 15] - 1)) < 1e-4


def test_relic_read_out_shows_the_accuracy_flag() -> None:
    """m_a = 1.61 GeV, δ = −0.84 barely reaches equilibrium: physics flags accuracy_not_verified
    (docs/performance.md#relic-engine); the read-out shows it as a badge with its explanation."""
    from physics import omega_h2

    flags = omega_h2(ALPModel.from_detuning(1.61, -0.84, 8e-5, 1e-3), "cbe").flags
    assert "accuracy_not_verified" in flags
    out = first_load("?ma=1.61&delta=-0.84&gww=8e-05")
    text = str(out["relic"])
    assert "⚠ accuracy not verified" in text and "accuracy_not_verified:" in text
    assert "⚠ accuracy not verified" not in str(first_load()["relic"])
