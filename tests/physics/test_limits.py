"""Experimental data: every file parses, licences are present, verdicts behave physically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from physics import (
    ALPModel,
    br_a_invisible,
    br_B_to_K_a,
    ctau,
    curve_in_plane,
    is_excluded,
    limit_catalogue,
    ratio_grid,
    verdicts,
)
from physics import constants as C
from physics.decays import p_invisible_kernel
from physics.limits import (
    CWW_MAPPING_CHOICES,
    CWW_MAPPING_DEFAULT,
    CWW_MAPPING_LABELS,
    DATA_DIR,
    babar_tension_pull,
    cww_to_g_aWW,
    load_band,
    load_binned,
    load_contour,
    load_grid,
    tension_band_in_plane,
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
        assert np.all(np.diff(g.m) > 0) and np.all(np.diff(g.log_tau) > 0) and np.all(np.isfinite(g.log_tau))
        raw_tau = np.load(DATA_DIR / info.file)[:-1, -1]
        assert (g.log_limit_prompt is not None) == bool(np.isneginf(raw_tau[0]))
        assert g.log_limit.shape == (g.log_tau.size, g.m.size)
        finite = g.log_limit[np.isfinite(g.log_limit)]
        assert finite.size > 0 and np.all((finite < 0) & (finite > -13))  # BR limits in (1e-13, 1)
    elif info.format == "binned":
        m, lim = load_binned(info.file)
        fin = np.isfinite(lim)
        assert np.all(np.diff(m) > 0) and np.all((lim[fin] > 0) & (lim[fin] < 1e-3))
        # NaN rows come in pairs: the two edges of a vetoed window (docs/physics.md#limit-reading)
        nan_idx = np.flatnonzero(~fin)
        assert nan_idx.size % 2 == 0 and np.all(np.diff(nan_idx)[::2] == 1)
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
    """α(0) mapping: g_aWW = 16π α₂ C_WW/Λ with α₂ = α/s_W², so g_aγγ = s_W² g_aWW = 16πα C_WW/Λ
    (ALPINIST's Γ(a→γγ)); g_W mapping: 4 g_W² = 16π α_W = 1.705 (ALPINIST's production)."""
    assert cww_to_g_aWW("alpha0_sW2") * C.SIN2_THETA_W == pytest.approx(16 * np.pi * C.ALPHA_EM_0, rel=1e-12)
    assert cww_to_g_aWW("alpha0_sW2") == pytest.approx(1.586, abs=5e-4)
    assert cww_to_g_aWW("alpinist_gW") == pytest.approx(16 * np.pi * 0.6529**2 / (4 * np.pi), rel=1e-12)
    assert cww_to_g_aWW("alpinist_gW") == pytest.approx(1.705, abs=5e-4)
    raw = np.loadtxt(DATA_DIR / "alpinist/CHARM_CWW_2gamma.dat")
    for mapping in ("alpha0_sW2", "alpinist_gW"):
        _m, g = load_contour("alpinist/CHARM_CWW_2gamma.dat", "contour_cww", mapping)
        np.testing.assert_allclose(g / raw[:, 1], cww_to_g_aWW(mapping))
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
    src = Path(__file__).parents[2] / "physics" / "limits.py"
    assert "allow_pickle=False" in src.read_text()


# ----------------------------------------------------------------------------- BaBar tension
ABSTRACT_CENTRE = ALPModel.from_detuning(2.0, 0.024, 8.4e-5, 1e-3)


def _babar_pull_by_hand(model: ALPModel) -> float:
    """(s − c)/σ₊ from the band file, s = BR(B→Ka)·P_inv at BaBar (βγ = 0.56, r = 0.5 m)."""
    a = np.loadtxt(DATA_DIR / "alpaca/Babar_BtoK_bestfit.txt")
    c, hi = (np.interp(model.m_a, a[:, 0], a[:, k]) for k in (1, 3))
    p_inv = p_invisible_kernel(
        model.m_a, br_a_invisible(model), ctau(model), parent_betagamma=0.56, r_max_m=0.5
    )
    s = br_B_to_K_a(model.m_a, model.g_aWW) * float(p_inv)
    assert s > c
    return float((s - c) / (hi - c))


def test_abstract_centre_is_a_babar_tension_not_an_exclusion() -> None:
    """Issue 10: m_a = 2 GeV, δ = 0.024, g_aWW = 8.4e-5, g_aχχ = 1e-3 was shown as excluded."""
    v = {x.key: x for x in verdicts(ABSTRACT_CENTRE)}
    babar = v["babar_bk_inv"]
    assert babar.role == "tension" and not babar.excluded and babar.ratio > 1.0
    assert babar.pull == pytest.approx(_babar_pull_by_hand(ABSTRACT_CENTRE), rel=1e-9)
    assert 2.0 < babar.pull < 3.0 and "tension" in babar.note
    assert babar_tension_pull(ABSTRACT_CENTRE) == pytest.approx(babar.pull, rel=1e-12)
    assert all(x.role == "limit" for x in v.values() if x.key != "babar_bk_inv")
    assert not is_excluded(ABSTRACT_CENTRE)
    # counted as a limit on request: its 2σ edge, ratio > 1 ⇔ pull > 2
    v_lim = {x.key: x for x in verdicts(ABSTRACT_CENTRE, babar_as_limit=True)}
    assert v_lim["babar_bk_inv"].role == "limit" and v_lim["babar_bk_inv"].excluded
    assert v_lim["babar_bk_inv"].ratio == babar.ratio and v_lim["babar_bk_inv"].pull == babar.pull
    assert is_excluded(ABSTRACT_CENTRE, babar_as_limit=True)


def test_babar_pull_is_nan_outside_the_band_and_negative_below_its_centre() -> None:
    assert np.isnan(babar_tension_pull(ALPModel.from_detuning(4.0, 0.1, 8e-5, 1e-3)))
    weak = ALPModel.from_detuning(1.0, 0.1, 1e-6, 1e-3)
    assert -1.0 <= babar_tension_pull(weak) < 0.0


def test_tension_band_in_plane_brackets_the_pull() -> None:
    m, g_c, g_2 = tension_band_in_plane(m_a=np.array([0.5, 1.0, 2.0]))
    assert np.all(g_c < g_2)
    for ma, gc, g2 in zip(m, g_c, g_2, strict=True):
        assert babar_tension_pull(ALPModel(ma, ma / 4, gc, 1.0)) == pytest.approx(0.0, abs=1e-6)
        assert babar_tension_pull(ALPModel(ma, ma / 4, g2, 1.0)) == pytest.approx(2.0, rel=1e-6)
    with pytest.raises(ValueError, match="n_sigma"):
        tension_band_in_plane(n_sigma=0.0)
    with pytest.raises(ValueError, match="tension"):
        tension_band_in_plane("na62_2025")


# ----------------------------------------------------------------------------- ALPINIST mapping
def test_default_cww_mapping_is_the_conservative_one_at_the_lower_edge() -> None:
    """The lower edge scales as (production × Γ)^{1/4}: a larger g_aWW per C_WW/Λ moves it up,
    so the default (g_W) mapping excludes less there than the α(0) one."""
    assert CWW_MAPPING_DEFAULT in CWW_MAPPING_CHOICES and set(CWW_MAPPING_CHOICES) == set(CWW_MAPPING_LABELS)
    assert cww_to_g_aWW() == max(cww_to_g_aWW(c) for c in CWW_MAPPING_CHOICES)
    assert cww_to_g_aWW("alpinist_gW") / cww_to_g_aWW("alpha0_sW2") == pytest.approx(1.075, abs=0.001)
    g = np.geomspace(1e-6, 1e-3, 120)
    default = ratio_grid("charm", 0.1, g)
    other = ratio_grid("charm", 0.1, g, cww_mapping="alpha0_sW2")
    g_mid = g[np.argmax(default)]
    lower, upper = g < g_mid / 1.2, g > g_mid * 1.2  # nearer the lower or the upper edge
    assert np.all(default[lower] < other[lower])
    # at the upper (short-lifetime) edge, set by Γ alone, the α(0) mapping is the conservative one
    assert np.all(default[upper] > other[upper])


@pytest.mark.parametrize("bad", ["alpha_mz", "", None, 1.0, ["alpinist_gW"]])
def test_unknown_cww_mapping_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="cww_mapping"):
        ratio_grid("charm", 0.1, 1e-5, cww_mapping=bad)
    with pytest.raises(ValueError, match="cww_mapping"):
        verdicts(ABSTRACT_CENTRE, cww_mapping=bad)
    with pytest.raises(ValueError, match="cww_mapping"):
        curve_in_plane("charm", cww_mapping=bad)
