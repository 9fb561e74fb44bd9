"""Figure styling: one colour-blind-safe palette, legend families, projector ticks, screen unchanged.

Colour distinctness is checked independently of the palette's own claims: every pair of curves
drawn together is simulated for protanopia, deuteranopia and tritanopia (Machado, Oliveira &
Fernandes, IEEE TVCG 15 (2009) 1291, severity 1, matrices for linear RGB) and compared in
CIELAB (D65); a difference ΔE*ab < 12 is taken as confusable.
"""

from __future__ import annotations

import ast
import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest

from layouts import figures, legend, theme
from physics import limit_catalogue

ROOT = Path(__file__).resolve().parents[2]
MACHADO = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
MIN_DELTA_E = 12.0
SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
D65 = np.array([0.95047, 1.0, 1.08883])


def linear_rgb(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    t = SRGB_TO_XYZ @ np.clip(rgb_linear, 0.0, 1.0) / D65
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str) -> float:
    m = MACHADO[vision]
    return float(np.linalg.norm(lab(m @ linear_rgb(a)) - lab(m @ linear_rgb(b))))


def confusable(colours: dict[str, str]) -> list[str]:
    return [
        f"{ka} {a} ~ {kb} {b} ({vision}: ΔE {delta_e(a, b, vision):.1f})"
        for (ka, a), (kb, b) in itertools.combinations(colours.items(), 2)
        for vision in MACHADO
        if delta_e(a, b, vision) < MIN_DELTA_E
    ]


def test_the_colour_check_catches_a_confusable_pair() -> None:
    # tab10's red and green: far apart for normal vision, confusable for a deuteranope
    assert delta_e("#d62728", "#2ca02c", "normal") > 100
    assert delta_e("#d62728", "#2ca02c", "deuteranopia") < MIN_DELTA_E
    assert confusable({"red": "#d62728", "green": "#2ca02c"})
    assert confusable({"a": "#e69f00", "b": "#f0a000"})  # the two oranges the palette had


def test_every_curve_has_a_colour_and_a_family() -> None:
    keys = {i.key for i in limit_catalogue()}
    assert keys <= set(theme.EXPERIMENT_COLOURS)
    assert {k for k in keys if legend.family_of(k).group == "other"} == set()


@pytest.mark.parametrize("group", [f.group for f in legend.FAMILIES if f.group != "other"])
def test_curves_of_one_family_stay_distinct_for_colour_blind_vision(group: str) -> None:
    members = legend.family_members()[group]
    colours = {
        k: theme.PALETTE["belle2"] if k == legend.BELLE2 else theme.experiment_colour(k) for k in members
    }
    if legend.BELLE2 not in colours:
        colours["belle2 band"] = theme.PALETTE["belle2"]  # drawn with every family
    assert confusable(colours) == []


def test_the_model_curves_stay_distinct_for_colour_blind_vision() -> None:
    main = {k: theme.PALETTE[k] for k in ("nbe", "cbe", "fbe", "point", "belle2")}
    assert confusable(main) == []


def test_figures_take_every_colour_from_the_theme() -> None:
    literal = re.compile(r"#[0-9a-fA-F]{6}\b")
    for name in ("figures.py", "legend.py", "panels.py", "readouts.py", "controls.py"):
        tree = ast.parse((ROOT / "layouts" / name).read_text())
        found = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and literal.search(node.value)
        ]
        assert found == [], f"layouts/{name} hard-codes colours {found}: use layouts/theme.py"


def test_the_palette_is_tol_muted() -> None:
    assert set(theme.EXPERIMENT_COLOURS.values()) <= set(theme.TOL_MUTED.values())
    assert {theme.PALETTE[k] for k in ("belle2", "nbe", "cbe", "fbe")} <= set(theme.TOL_MUTED.values())


# ----------------------------------------------------------------------------- legends
def flavour_bg(scenario: str) -> dict:
    """A small synthetic background with one curve of every catalogue entry."""
    band = {"m": [0.1, 1.0], "g_low": [1e-5, 1e-5], "g_high": [2e-5, 2e-5], "g_central": [1.5e-5, 1.5e-5]}
    band |= {"g_theory_low": [0.9e-5, 0.9e-5], "g_theory_high": [2.2e-5, 2.2e-5]}
    lines, grids, beams, tensions = [], [], [], []
    for i in limit_catalogue():
        meta = {"key": i.key, "label": i.label, "status": i.status, "reference": i.reference, "role": i.role}
        if i.channel == "beam_dump":
            beams.append({**meta, "m": [0.1, 0.2, 0.1], "g": [1e-6, 1e-5, 1e-6]})
        elif i.role == "tension" and scenario == "missing_energy":
            tensions.append({**meta, "m": [0.1, 0.3], "g_pull0": [1e-5, 1e-5], "g_pull2": [2e-5, 2e-5]})
        elif i.channel == "invisible":
            lines.append({**meta, "m": [0.1, 0.3], "g": [1e-5, 1e-5]})
        else:
            grids.append({**meta, "x": [0.1, 1], "y": [1e-6, 1e-3], "z": [[1, -1], [1, -1]]})
    return {
        "target": "excess",
        "scenario": scenario,
        "band": band,
        "lines": lines,
        "grids": grids,
        "beams": beams,
        "tensions": tensions,
    }


POINT = {"m_a": 2.0, "g_aWW": 8.4e-5, "scenario": "missing_energy", "signal": 1e-5, "verdicts": []}


def test_the_screen_legend_is_the_plain_list_right_of_the_plot() -> None:
    fig = figures.flavour_figure(flavour_bg("missing_energy"), POINT, "light")
    lg = fig["layout"]["legend"]
    assert lg.get("orientation") is None and lg["x"] == 1.02 and lg["xanchor"] == "left"
    assert not any("legendgrouptitle" in t for t in fig["data"])
    names = [t.get("name", "") for t in fig["data"]]
    labels = {i.label for i in limit_catalogue()}
    assert all(any(n.startswith(label) for n in names) for label in labels)  # full labels, as before
    assert "tickvals" not in fig["layout"]["xaxis"] and "dtick" not in fig["layout"]["yaxis"]


@pytest.mark.parametrize("scenario", ["missing_energy", "displaced_diphoton"])
def test_the_talk_legend_groups_every_curve_by_family_below_the_plot(scenario: str) -> None:
    fig = figures.flavour_figure(flavour_bg(scenario), POINT, "talk")
    lg = fig["layout"]["legend"]
    assert lg["orientation"] == "h" and lg["yanchor"] == "bottom" and lg["yref"] == "container"
    assert lg["groupclick"] == "toggleitem"  # a click hides one curve, as on the screen
    listed = [t for t in fig["data"] if t.get("showlegend", True)]
    assert len(listed) == len(limit_catalogue()) + 2  # every curve, the Belle II band and its theory part
    for t in listed:
        fam = BY_TITLE[_title(t)]
        assert t["legendgroup"] == fam.group
        assert "<br>" in t["name"] or len(t["name"]) <= legend.WRAP_CHARS
    ranks = [t["legendrank"] for t in listed]
    assert len(set(ranks)) == len(ranks)


BY_TITLE = {f.title: f for f in legend.FAMILIES}


def _title(trace: dict) -> str:
    return re.sub(r"<[^>]+>", "|", trace["legendgrouptitle"]["text"]).split("|")[1]


def test_short_labels_drop_what_the_family_title_says() -> None:
    assert legend.short_label("NA62 2016–22, K⁺→π⁺X (stable X)") == "NA62 2016–22<br>(stable X)"
    assert legend.short_label("SHiP (projection)") == "SHiP"
    assert (
        legend.short_label("Beam dumps, photon coupling (AxionLimits)") == "Photon coupling<br>(AxionLimits)"
    )
    assert legend.short_label("KOTO, K_L→π⁰X") == "KOTO"
    assert legend.wrap("a bb ccc dddd", 6) == "a bb<br>ccc<br>dddd"


# ----------------------------------------------------------------------------- ticks
def test_projector_value_ticks_are_plain_numbers_at_least_0_3_decade_apart() -> None:
    ticks = theme.value_ticks("talk", 0.02, 5.0)
    vals = ticks["tickvals"]
    assert ticks["ticktext"] == ["0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5"]
    gaps = np.diff(np.log10(vals))
    assert min(gaps) >= math.log10(2) - 1e-12
    assert theme.value_ticks("talk", 0.03, 0.04) == {}  # no 1-2-5 value inside: plotly's own
    assert theme.value_ticks("light", 0.02, 5.0) == {} and theme.decade_ticks("light") == {}
    assert theme.value_ticks("talk", 0.05, 2.0, steps=(1,))["ticktext"] == ["0.1", "1"]


def test_talk_axes_have_automargin_and_few_ticks() -> None:
    for fig in (
        figures.flavour_figure(flavour_bg("missing_energy"), POINT, "talk"),
        figures.delta_scan_figure(
            {"abs_delta": [1e-4, 1], "ratio_pos": [0.5, 20], "ratio_neg": [None, 1]}, 0.02, "talk"
        ),
        figures.dm_plane_figure({"m": [0.03, 5.0], "g": [1e-6, 1.0]}, (2.0, 1e-3), "talk"),
    ):
        for ax in ("xaxis", "yaxis"):
            a = fig["layout"][ax]
            assert a["automargin"] is True and a["nticks"] <= 8
            assert a.get("dtick") == 1 or len(a["tickvals"]) >= 2  # decades, or 1-2-5 plain values


def test_a_slide_is_16_9_with_the_parameters_on_top() -> None:
    fig = figures.flavour_figure(flavour_bg("missing_energy"), POINT, theme.SLIDE_THEME)
    slide = theme.slide_figure(fig, "m_a = 2 GeV")
    w, h = theme.SLIDE_SIZE
    assert w / h == pytest.approx(16 / 9) and w >= 1600
    assert slide["layout"]["width"] == w and slide["layout"]["height"] == h
    assert slide["layout"]["autosize"] is False and "uirevision" not in slide["layout"]
    assert slide["layout"]["title"]["text"] == "m_a = 2 GeV"
    assert slide["data"] is fig["data"]
    # text at 1×: the smallest font on the slide, in pt
    assert slide["layout"]["legend"]["font"]["size"] >= theme.SLIDE_MIN_TEXT_PX
    assert slide["layout"]["title"]["font"]["size"] >= theme.SLIDE_MIN_TEXT_PX
    assert fig["layout"]["legend"]["font"]["size"] < theme.SLIDE_MIN_TEXT_PX  # the page keeps its own
    # ≥ 10 pt when the 1200-pt-wide page fills a 13.33-inch (960 pt) slide
    assert theme.SLIDE_MIN_TEXT_PX * 0.75 * 960 / 1200 >= 10
