"""SM thermodynamics (physics.thermo): interpolation consistency, limits, swappable table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import kv

from physics.constants import M_PLANCK
from physics.thermo import ThermoTable, default_table, entropy_density, hubble, hubble_tilde, n_eq, y_eq


def test_derived_gstar_matches_table_column() -> None:
    """g*^{1/2} = h/√g (1 + ⅓ dln h/dln T) from OUR interpolants reproduces the table's own
    column (hazma computed it independently) to 1 % everywhere, incl. the QCD crossover."""
    tab = default_table()
    T = np.exp(tab.lnT)
    ratio = tab.gstar_sqrt(T) / tab.gstar_sqrt_table
    assert np.max(np.abs(ratio - 1.0)) < 0.01


def test_dlnh_is_derivative_of_interpolant() -> None:
    tab = default_table()
    T = np.geomspace(1e-4, 1e3, 57) * 1.0123
    eps = 1e-6
    fd = (np.log(tab.h_eff(T * (1 + eps))) - np.log(tab.h_eff(T * (1 - eps)))) / (
        math.log1p(eps) - math.log1p(-eps)
    )
    np.testing.assert_allclose(tab.dlnh_dlnT(T), fd, atol=1e-6)


def test_limits_and_qcd_crossover() -> None:
    tab = default_table()
    assert tab.h_eff(1e-6) == pytest.approx(3.93872, rel=1e-6)  # below table: held constant
    assert tab.g_eff(1e6) == pytest.approx(106.83, rel=1e-4)
    assert tab.dlnh_dlnT(1e-6) == 0.0
    # QCD crossover: h_eff rises by > 2x between 0.1 and 0.3 GeV, monotonically
    T = np.linspace(0.1, 0.3, 200)
    h = tab.h_eff(T)
    assert h[-1] / h[0] > 2.0 and np.all(np.diff(h) > 0)


def test_hubble_entropy_yeq_formulas() -> None:
    tab = default_table()
    T = 0.2
    g = float(tab.g_eff(T))
    assert hubble(T) == pytest.approx(1.66 * math.sqrt(g) * T * T / M_PLANCK, rel=2e-3)
    m, x = 1.3, 17.0
    # n_eq = g m² T K₂(m/T)/(2π²) with scipy's unscaled K₂; s from the table's own h_eff column
    # at a tabulated temperature (no interpolation), s = (2π²/45) h T³ (Kolb & Turner eq. 3.73)
    direct_n = 2 * m * m * (m / x) * kv(2, x) / (2 * math.pi**2)
    assert n_eq(m, m / x, 2.0) == pytest.approx(direct_n, rel=1e-12)
    T_node = float(np.exp(tab.lnT[40]))
    h_node = float(np.loadtxt(tab.path, delimiter=",", skiprows=1)[40, 2])
    assert entropy_density(T_node) == pytest.approx(2 * math.pi**2 / 45 * h_node * T_node**3, rel=1e-9)
    assert y_eq(m / T_node, m, 2.0) == pytest.approx(
        2 * m * m * T_node * kv(2, m / T_node) / (2 * math.pi**2) / entropy_density(T_node), rel=1e-12
    )
    # large x: no underflow before the final exponential
    assert y_eq(700.0, 1.0, 2.0) > 0.0
    assert hubble_tilde(0.15) < hubble(0.15)  # dln h/dln T > 0 in the crossover


def test_table_is_swappable(tmp_path) -> None:
    path = tmp_path / "const.csv"
    T = np.geomspace(1e-5, 1e4, 30)
    rows = "\n".join(f"{t},{10 / math.sqrt(10)},10.0,10.0" for t in T)
    path.write_text("T,gstar,heff,geff\n" + rows + "\n")
    tab = ThermoTable(path)
    assert tab.h_eff(0.37) == pytest.approx(10.0, rel=1e-12)
    assert tab.dlnh_dlnT(0.37) == pytest.approx(0.0, abs=1e-12)
    assert hubble(0.37, tab) == pytest.approx(
        math.sqrt(8 * math.pi**3 * 10 / 90) * 0.37**2 / M_PLANCK, rel=1e-12
    )


def test_bad_table_rejected(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("T,gstar,heff,geff\n1,1,1,1\n0.5,1,1,1\n2,1,1,1\n3,1,1,1\n")
    with pytest.raises(ValueError):
        ThermoTable(path)
