"""The reproduction command runs end to end and its physics claims hold (quick grids)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from physics import reproduce as R


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
    ok = np.nanmax(
        np.vstack([v for k, v in quick.window.items() if k not in ("max", "babar_bk_inv")]), axis=0
    ) <= 1.0
    intervals = R._allowed_intervals(quick.window_m, ok)
    assert intervals[-1][1] > 4.7
    assert intervals[0][0] > 0.2  # kaons exclude light invisible ALPs


def test_cbe_nbe_ratio_peaks_above_the_pole_and_fbe_is_larger(quick: R.Reproduction) -> None:
    rmax, dmax = quick.ratio.max_ratio
    assert 5 < rmax < 30 and 0.05 < dmax < 2.0
    far = quick.ratio.ratio[np.argmax(quick.ratio.delta)]
    assert far < rmax / 3  # the difference shrinks away from the resonance
    k = int(np.argmin(np.abs(np.log(quick.fbe_delta / dmax))))
    assert quick.fbe_ratio[k] > rmax


def test_relic_solutions_exist_and_are_perturbative(quick: R.Reproduction) -> None:
    lo, hi = quick.relic.range("cbe")
    assert 1e-7 < lo <= hi < 1.0


def test_allowed_intervals() -> None:
    m = np.arange(6.0)
    ok = np.array([False, True, True, False, True, True])
    assert R._allowed_intervals(m, ok) == [(1.0, 2.0), (4.0, 5.0)]


def test_command_writes_report_and_figures(tmp_path: Path) -> None:
    assert R.main(["--out", str(tmp_path / "rep"), "--quick"]) == 0
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "| quantity | abstract | ours |" in text
    assert len(list((tmp_path / "rep").glob("*.png"))) == 4


def test_missing_parent_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        R.main(["--out", str(tmp_path / "no" / "such"), "--quick"])
