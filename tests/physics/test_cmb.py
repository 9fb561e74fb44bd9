"""CMB bound on late-time annihilation (physics.cmb): analytic numbers computed here by hand.

Expected values come from the formulas of docs/physics.md#cmb written out in this file, with
physical constants from scipy.constants and PDG inputs typed here, and from the f_eff data file
read with numpy — never from the module under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import constants as sc

from physics import ALPModel, is_excluded, verdicts
from physics.cmb import cmb_flags, f_eff_photons, p_ann, sigma_v_late

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "physics" / "data" / "cmb" / "f_eff_photons_slatyer2016.csv"
SIN2_W = 0.23122  # PDG, MS-bar at m_Z
HBARC_GEV_CM = sc.hbar * sc.c / (sc.e * 1e9) * 100.0  # ħc [GeV cm]
GEV2_CM3_S = HBARC_GEV_CM**2 * sc.c * 100.0  # 1 GeV⁻² × c in cm³/s
P_ANN_PLANCK = 3.2e-28  # Planck 2018, arXiv:1807.06209 [cm³ s⁻¹ GeV⁻¹]
EXAMPLE = {"m_a": 2.0, "g_aWW": 8.4e-5, "g_achi": 1e-3}  # the worked example of docs/physics.md#cmb


def example(delta: float) -> ALPModel:
    return ALPModel.from_detuning(EXAMPLE["m_a"], delta, EXAMPLE["g_aWW"], EXAMPLE["g_achi"])


def table() -> tuple[np.ndarray, np.ndarray]:
    e_ev, f = np.loadtxt(TABLE, delimiter=",", comments="#", unpack=True)
    return e_ev * 1e-9, f  # GeV


def f_eff_by_hand(e_gev: float) -> float:
    """Linear interpolation in ln E between the two bracketing rows of the file."""
    e, f = table()
    i = int(np.searchsorted(e, e_gev)) - 1
    t = math.log(e_gev / e[i]) / math.log(e[i + 1] / e[i])
    return float(f[i] + t * (f[i + 1] - f[i]))


def sigma_v_by_hand(m_a: float, m_chi: float, g_aww: float, g_achi: float, width_gev: float) -> float:
    """σv₀ = y² g_aγγ² (4m²)² / (64π [(4m² − m_a²)² + m_a² Γ²]) in cm³/s."""
    y, g = g_achi * m_chi, SIN2_W * g_aww
    s = 4.0 * m_chi**2
    d = (s - m_a**2) ** 2 + m_a**2 * width_gev**2
    return y**2 * g**2 * s**2 / (64.0 * math.pi * d) * GEV2_CM3_S


def gamma_photons(g_aww: float, mass: float) -> float:
    return (SIN2_W * g_aww) ** 2 * mass**3 / (64.0 * math.pi)


# ----------------------------------------------------------------------------- f_eff
def test_data_file_and_licence_are_in_the_project() -> None:
    e, f = table()
    assert e.size == 40 and np.all(np.diff(e) > 0) and np.all((f > 0) & (f < 1))
    licence = TABLE.parent / "LICENSE.hazma"
    assert "MIT License" in licence.read_text()
    note = (TABLE.parent / "README.md").read_text()
    assert "1506.03811" in note and "hazma 2.2.0" in note


@pytest.mark.parametrize(("e_gev", "published"), [(0.3, 0.59), (1.0, 0.38), (2.0, 0.33)])
def test_f_eff_matches_the_table_and_the_quoted_values(e_gev: float, published: float) -> None:
    assert f_eff_photons(e_gev) == pytest.approx(f_eff_by_hand(e_gev), rel=1e-12)
    assert f_eff_photons(e_gev) == pytest.approx(published, abs=0.01)


def test_f_eff_at_the_nodes_and_vectorised() -> None:
    e, f = table()
    np.testing.assert_allclose(f_eff_photons(e), f, rtol=1e-12)
    assert f_eff_photons(e[0]) == pytest.approx(f[0]) and f_eff_photons(e[-1]) == pytest.approx(f[-1])


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf, 1e-6, 1e4, np.array([1.0, 2e4])])
def test_f_eff_refuses_energies_outside_the_table(bad: object) -> None:
    with pytest.raises(ValueError, match="E must"):
        f_eff_photons(bad)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- σv₀ and p_ann
def test_worked_example_sigma_v_and_p_ann() -> None:
    """m_a = 2 GeV, δ = 1e-4, g_aWW = 8.4e-5, g_aχχ = 1e-3: σv₀ ≈ 2.19e-27, p_ann ≈ 4.2e-28."""
    m = example(1e-4)
    width = gamma_photons(EXAMPLE["g_aWW"], 2.0 * m.m_chi)  # Γ_a at √s = 2m_χ: only γγ open
    expected = sigma_v_by_hand(m.m_a, m.m_chi, EXAMPLE["g_aWW"], EXAMPLE["g_achi"], width)
    assert sigma_v_late(m) == pytest.approx(expected, rel=1e-4)  # 1.1673e-17 vs CODATA: 3e-5
    assert sigma_v_late(m) == pytest.approx(2.19e-27, rel=5e-3)
    p_expected = f_eff_by_hand(m.m_chi) * expected / (2.0 * m.m_chi)
    assert p_ann(m) == pytest.approx(p_expected, rel=1e-4)
    assert p_ann(m) == pytest.approx(4.2e-28, rel=0.01)
    assert p_ann(m) / P_ANN_PLANCK == pytest.approx(1.3, abs=0.01)


def test_far_from_the_pole_the_point_is_far_below_the_bound() -> None:
    """δ = 0.024 (Ωh² ≈ 0.12 by the cBE): about 5×10⁴ below the Planck bound."""
    m = example(0.024)
    y, g = EXAMPLE["g_achi"] * m.m_chi, SIN2_W * EXAMPLE["g_aWW"]
    # s − m_a² = −4m_χ²δ, so s²/(s − m_a²)² = 1/δ²: exact up to the width term (|δ| ≫ Γ/m_a)
    approx = y**2 * g**2 / (64.0 * math.pi * 0.024**2) * GEV2_CM3_S
    assert sigma_v_late(m) == pytest.approx(approx, rel=1e-4)
    ratio = p_ann(m) / P_ANN_PLANCK
    assert 3e4 < 1.0 / ratio < 6e4
    assert ratio == pytest.approx(f_eff_by_hand(m.m_chi) * approx / (2 * m.m_chi) / P_ANN_PLANCK, rel=1e-4)


@pytest.mark.parametrize("delta", [1e-4, -1e-4, 3e-2, -3e-2])
def test_both_signs_of_delta_follow_the_same_formula(delta: float) -> None:
    m = example(delta)
    y, g = EXAMPLE["g_achi"] * m.m_chi, SIN2_W * EXAMPLE["g_aWW"]
    assert sigma_v_late(m) == pytest.approx(y**2 * g**2 / (64 * math.pi * delta**2) * GEV2_CM3_S, rel=1e-4)


def test_breit_wigner_width_term_on_the_pole() -> None:
    """δ = 0 exactly: σv₀ = y² g² s² /(64π m_a² Γ²), finite, set by the width alone."""
    m = ALPModel(2.0, 1.0, 8.4e-5, 1e-3)
    assert m.delta == 0.0
    width = gamma_photons(8.4e-5, 2.0)
    expected = sigma_v_by_hand(2.0, 1.0, 8.4e-5, 1e-3, width)
    assert sigma_v_late(m) == pytest.approx(expected, rel=1e-4)
    assert math.isfinite(sigma_v_late(m))


def test_constant_width_includes_the_invisible_width() -> None:
    """width="constant": Γ_a(m_a) = Γ_γγ + Γ_χχ; with g_aχχ = 1 and δ = 1e-6 the m_a²Γ² term dominates."""
    m = ALPModel.from_detuning(2.0, 1e-6, 8.4e-5, 1.0)
    beta = math.sqrt(1.0 - 4.0 * m.m_chi**2 / m.m_a**2)
    width = gamma_photons(8.4e-5, 2.0) + m.m_chi**2 * m.m_a * beta / (8.0 * math.pi)
    assert (m.m_a * width) ** 2 > 100 * (4 * m.m_chi**2 * m.delta) ** 2  # the width term wins
    expected = sigma_v_by_hand(m.m_a, m.m_chi, 8.4e-5, 1.0, width)
    assert sigma_v_late(m, width="constant") == pytest.approx(expected, rel=1e-4)
    # the energy-dependent width at √s = 2m_χ has no χχ̄ part: a much larger rate
    assert sigma_v_late(m) > 100 * sigma_v_late(m, width="constant")


def test_bad_options_and_masses_outside_the_table() -> None:
    with pytest.raises(ValueError, match="width"):
        sigma_v_late(example(1e-3), width="running")
    light = ALPModel(2.0, 2e-6, 8.4e-5, 1e-3)  # m_χ below the table's 5 keV
    with pytest.raises(ValueError, match="m_chi"):
        p_ann(light)
    v = {x.key: x for x in verdicts(light)}["planck_cmb"]
    assert not v.applicable and not v.excluded and math.isnan(v.ratio) and "f_eff" in v.note


# ----------------------------------------------------------------------------- verdict and flag
def test_planck_cmb_verdict() -> None:
    near, far = example(1e-4), example(0.024)
    for m, excluded in ((near, True), (far, False)):
        v = {x.key: x for x in verdicts(m)}["planck_cmb"]
        assert v.status == "measured" and v.applicable and "1807.06209" in v.reference
        assert v.ratio == pytest.approx(p_ann(m) / P_ANN_PLANCK, rel=1e-12)
        assert v.excluded is excluded
    assert is_excluded(near)  # the CMB bound is a measured limit


def test_halo_pole_flag_above_the_pole_only() -> None:
    assert cmb_flags(example(5e-7)) == ("halo_velocities_reach_pole",)
    assert cmb_flags(example(2e-6)) == ()
    assert cmb_flags(example(-5e-7)) == ()  # below the pole, halo velocities move s away from m_a²
    note = {x.key: x for x in verdicts(example(5e-7))}["planck_cmb"].note
    assert "line" in note and "not modelled" in note
