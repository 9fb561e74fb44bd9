"""Experimental data: every file parses, licences are present, verdicts behave physically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from physics import ALPModel, curve_in_plane, is_excluded, limit_catalogue, ratio_grid, verdicts
from physics import constants as C
from physics.limits import (
    CWW_TO_G_AWW,
    DATA_DIR,
    load_band,
    load_binned,
    load_contour,
    load_grid,
)

KEYS = [info.key for info in limit_catalogue()]


def test_licences_beside_every_source() -> None:
    for folder in ("alpaca", "alpinist", "axionlimits"):
        lic = DATA_DIR / folder / "LICENSE"
        assert lic.is_file() and lic.stat().st_size > 100, folder
    assert (DATA_DIR.parent / "thermo" / "LICENSE.hazma").is_file()


def test_every_data_file_is_catalogued() -> None:
    listed = {info.file for info in limit_catalogue()} | {
        "alpaca/BelleII_BtoK_bestfit.txt",
        "alpaca/BelleII_BtoKinv.txt",
    }
    unused_on_purpose = {"alpaca/Babar_BKstarinv.txt"}  # needs B→K* form factors (docs/physics.md)
    on_disk = {
        str(p.relative_to(DATA_DIR))
        for p in DATA_DIR.rglob("*")
        if p.is_file() and p.suffix in {".txt", ".dat", ".npy"}
    }
    assert on_disk - listed == unused_on_purpose


@pytest.mark.parametrize("key", KEYS)
def test_every_limit_parses_with_ascending_masses(key: str) -> None:
    info = next(i for i in limit_catalogue() if i.key == key)
    assert info.reference and info.status in {"measured", "projection"} and 0.5 < info.cl < 1
    if info.format == "grid":
        g = load_grid(info.file)
        assert np.all(np.diff(g.m) > 0) and np.all(np.diff(g.log_tau) > 0)
        assert g.log_limit.shape == (g.log_tau.size, g.m.size)
        finite = g.log_limit[np.isfinite(g.log_limit)]
        assert finite.size > 0 and np.all((finite < 0) & (finite > -13))  # BR limits in (1e-13, 1)
    elif info.format == "binned":
        m, lim = load_binned(info.file)
        assert np.all(np.diff(m) > 0) and np.all((lim > 0) & (lim < 1e-3))
    elif info.format == "band":
        b = load_band(info.file)
        assert np.all(np.diff(b.m) > 0) and np.all(b.low <= b.central) and np.all(b.central <= b.high)
    else:
        m, g = load_contour(info.file, info.format)
        assert m.size > 20 and np.all(m > 0) and np.all(g > 0)


def test_junk_rows_of_belle2_recast_are_clipped() -> None:
    raw = np.loadtxt(DATA_DIR / "alpaca/BelleII_BtoKinv.txt")
    assert raw[:, 1:].max() > 1.0  # the file does contain junk near the end point
    band = load_band("alpaca/BelleII_BtoKinv.txt")
    assert band.m[-1] <= 4.45 and band.high.max() < 1e-3
    assert band.m.size == np.count_nonzero(raw[:, 0] <= 4.45)


def test_beam_dump_conversion_factor() -> None:
    """g_aWW = 16π α₂ C_WW/Λ with α₂ = α/s_W²; g_aγγ = s_W² g_aWW = 16πα C_WW/Λ."""
    assert CWW_TO_G_AWW * C.SIN2_THETA_W == pytest.approx(16 * np.pi * C.ALPHA_EM_0, rel=1e-12)
    _m, g = load_contour("alpinist/CHARM_CWW_2gamma.dat", "contour_cww")
    raw = np.loadtxt(DATA_DIR / "alpinist/CHARM_CWW_2gamma.dat")
    np.testing.assert_allclose(g / raw[:, 1], CWW_TO_G_AWW)
    m_ev, g_gg = np.loadtxt(DATA_DIR / "axionlimits/BeamDump.txt", comments="#").T
    m2, g2 = load_contour("axionlimits/BeamDump.txt", "contour_gagg_ev")
    np.testing.assert_allclose(m2, m_ev * 1e-9)
    np.testing.assert_allclose(g2 * C.SIN2_THETA_W, g_gg)


def test_displaced_diphoton_light_alp_excluded_by_kaons() -> None:
    """Abstract: the displaced-diphoton scenario is excluded by K→π + invisible."""
    light = ALPModel(0.1, 0.06, 1e-4, 1e-3)
    assert light.scenario == "displaced_diphoton"
    v = {x.key: x for x in verdicts(light)}
    assert v["na62_2025"].excluded and v["na62_2025"].ratio > 10
    assert is_excluded(light)


def test_missing_energy_point_allowed_by_kaons_and_dumps() -> None:
    me = ALPModel(2.0, 0.99, 7e-5, 1e-3)
    v = {x.key: x for x in verdicts(me)}
    for key in ("na62_2025", "na62_2020", "e949", "koto", "na62_2024"):
        assert v[key].ratio == 0.0 and not v[key].excluded  # m_a above the kaon end point
    for key in ("charm", "nucal", "ship"):
        assert not v[key].applicable and "not applicable" in v[key].note
    assert not is_excluded(me)


def test_invisible_ratio_scales_as_g_squared_and_lifetime_independent() -> None:
    r1 = ratio_grid("na62_2025", 0.1, 1e-5, m_chi=0.01, g_achi=1e-1)
    r2 = ratio_grid("na62_2025", 0.1, 2e-5, m_chi=0.01, g_achi=1e-1)
    assert r2 / r1 == pytest.approx(4.0, rel=1e-3)


def test_long_lived_alp_reads_grid_at_its_lifetime() -> None:
    """Shorter lifetime (larger g) ⇒ fewer ALPs escape ⇒ weaker relative constraint."""
    g = np.geomspace(1e-6, 1e-3, 40)
    r = ratio_grid("na62_2020", 0.1, g)
    assert np.all(np.isfinite(r))
    ratio_over_g2 = r / g**2
    assert np.all(np.diff(ratio_over_g2) <= 1e-12 * ratio_over_g2[:-1])
    assert ratio_over_g2[-1] < 1e-3 * ratio_over_g2[0]


def test_beam_dump_ratio_is_one_on_the_contour() -> None:
    m, _g = load_contour("alpinist/CHARM_CWW_2gamma.dat", "contour_cww")
    i = np.argmin(np.abs(np.log(m / 0.05)))
    mm = np.sqrt(m[i] * m[i + 1]) if m[i + 1] != m[i] else m[i]
    r = ratio_grid("charm", mm, np.geomspace(1e-9, 1, 400))
    crossings = np.flatnonzero(np.diff(np.sign(r - 1.0)))
    assert crossings.size >= 2  # enters and leaves the excluded band
    assert np.nanmax(r) > 1


def test_curve_in_plane_missing_energy() -> None:
    m, g = curve_in_plane("na62_2025")
    finite = np.isfinite(g)
    assert finite.sum() > 50
    # on the curve the ratio is one (invisible ALP)
    k = np.flatnonzero(finite)[len(np.flatnonzero(finite)) // 2]
    r = ratio_grid("na62_2025", m[k], g[k], m_chi=m[k] / 4, g_achi=1.0)
    assert r == pytest.approx(1.0, rel=1e-3)


def test_catalogue_flags_projections() -> None:
    status = {i.key: i.status for i in limit_catalogue()}
    assert status["charm"] == "measured" and status["nucal"] == "measured"
    for key in ("ship", "shadows", "dune", "darkquest", "na62_dump"):
        assert status[key] == "projection"


def test_no_pickle_loading() -> None:
    src = Path(__file__).parents[1] / "physics" / "limits.py"
    assert "allow_pickle=False" in src.read_text()
