"""The reproduction command runs end to end and its physics claims hold (quick grids)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from physics.reproduce import paper as R
from physics.reproduce import report as REP


@pytest.fixture(scope="module")
def quick() -> R.Reproduction:
    return R.run(quick=True)


def test_g_aww_band_lower_end_matches_abstract(quick: R.Reproduction) -> None:
    _, lo, hi = R._band_at(quick.band_excess, 2.0)
    assert lo == pytest.approx(R.ABSTRACT["g_aWW_low"], rel=0.02)
    assert R.ABSTRACT["g_aWW_high"] < hi < 1.2 * R.ABSTRACT["g_aWW_high"]


def test_displaced_diphoton_is_excluded_everywhere_it_explains_the_excess(quick: R.Reproduction) -> None:
    d = quick.displaced
    assert d.n_solutions > 20
    assert d.min_margin > 1.0
    explaining_masses = d.m_a[d.explains]
    assert explaining_masses.max() < 0.15  # an escaping photon-only ALP must be light


def test_missing_energy_window_ends_at_the_kinematic_end_point(quick: R.Reproduction) -> None:
    ok = (
        np.nanmax(np.vstack([v for k, v in quick.window.items() if k not in ("max", "babar_bk_inv")]), axis=0)
        <= 1.0
    )
    intervals = R._allowed_intervals(quick.window_m, ok)
    assert intervals[-1][1] > 4.7
    assert intervals[0][0] > 0.2  # kaons exclude light invisible ALPs


def test_cbe_nbe_ratio_peaks_above_the_pole_and_fbe_is_larger(quick: R.Reproduction) -> None:
    rmax, dmax = quick.ratio.max_ratio
    assert 5 < rmax < 30 and 0.05 < dmax < 2.0
    far = quick.ratio.ratio[np.argmax(quick.ratio.delta)]
    assert far < rmax / 3  # the difference shrinks away from the resonance
    pos = quick.fbe_delta > 0
    k = int(np.argmin(np.abs(np.log(quick.fbe_delta[pos] / dmax))))
    assert quick.fbe_ratio[pos][k] > rmax
    maxima = R.ratio_maxima(quick.fbe_delta, quick.fbe_ratio)
    assert maxima["delta>0"]["max"] > maxima["delta<0"]["max"]  # the factor ~20 is above the pole


def test_viable_ranges_of_every_method(quick: R.Reproduction) -> None:
    assert set(quick.viable) == {"nbe", "cbe", "fbe"}
    for method, p in quick.viable.items():
        s = p.summary()
        assert s["n_points"] > 0, method
        assert 0 < s["delta"][0] <= s["delta"][1] < 0.1  # just above the pole: missing energy, Ωh² = 0.12
        assert R.ABSTRACT["g_aWW_low"] * 0.9 < s["g_aWW"][0] <= s["g_aWW"][1] < R.ABSTRACT["g_aWW_high"] * 1.3
    # thermal-history ordering at fixed couplings: the nBE needs a larger detuning than the cBE
    assert quick.viable["nbe"].summary()["delta"][0] > quick.viable["cbe"].summary()["delta"][0]


def test_relic_solutions_exist_and_are_perturbative(quick: R.Reproduction) -> None:
    lo, hi = quick.relic.range("cbe")
    assert 1e-7 < lo <= hi < 1.0


def test_allowed_intervals() -> None:
    m = np.arange(6.0)
    ok = np.array([False, True, True, False, True, True])
    assert R._allowed_intervals(m, ok) == [(1.0, 2.0), (4.0, 5.0)]


def _leaves(obj: object) -> Iterator[object]:
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, list):
        yield len(obj)
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj


NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:e[-+][0-9]+)?")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "rep"
    assert REP.main(["--out", str(out), "--quick", "--no-progress"]) == 0
    return out


def test_report_json_has_the_documented_shape(written: Path) -> None:
    rep = json.loads((written / "report.json").read_text())
    assert tuple(rep) == REP.TOP_KEYS
    assert set(rep["viable"]) == {"nbe", "cbe", "fbe"}
    criteria = ("belle2", "relic", "cmb", "scenario", "grid")
    for v in rep["viable"].values():
        assert tuple(v) == REP.VIABLE_KEYS
        assert isinstance(v["n_points"], int) and v["n_points"] > 0
        for q in ("m_a", "delta", "g_aWW", "g_achi"):
            lo, hi = v[q]
            assert lo <= hi
            assert all(e in criteria or e.startswith("limit:") for e in v["ends"][q])
    f20 = rep["abstract"]["factor_20"]
    for ratio in ("cbe_over_nbe", "fbe_over_nbe"):
        assert set(f20[ratio]) == {"delta>0", "delta<0"}
    assert rep["settings"]["viable"]["grids"]["fbe"]["m_a"]  # the (coarser) fBE grid is stated
    assert len(rep["commit"]) >= 7 and rep["date"].startswith("20")


def test_report_md_numbers_come_from_the_json(written: Path) -> None:
    rep = json.loads((written / "report.json").read_text())
    text = (written / "report.md").read_text()
    leaves = list(_leaves(rep))
    for leaf in sorted((x for x in leaves if isinstance(x, str)), key=len, reverse=True):
        text = text.replace(leaf, " ")  # dates, commit, settings text
    for v in rep["viable"].values():
        for pair in v["ends"].values():
            for key in pair:
                text = text.replace(REP.end_text(key), " ")  # criterion names (limit labels)
    allowed = {REP.num(x) for x in leaves if isinstance(x, int | float) and not isinstance(x, bool)}
    stray = [t for t in NUMBER.findall(text) if t not in allowed and t.lstrip("-") not in allowed]
    assert not stray, f"numbers in report.md not in report.json: {stray[:10]}"
    assert "| quantity | abstract | ours |" in text


def test_every_figure_in_three_formats(written: Path) -> None:
    pngs = sorted(written.glob("*.png"))
    assert len(pngs) == 7
    for png in pngs:
        for ext in (".pdf", ".svg"):
            assert png.with_suffix(ext).stat().st_size > 1000


def test_missing_parent_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        REP.main(["--out", str(tmp_path / "no" / "such"), "--quick"])
    with pytest.raises(SystemExit):
        REP.main(["--out", str(tmp_path / "x"), "--quick", "--workers", "0"])
