"""Reading limit grids and binned limits at their edges (docs/physics.md#limit-reading).

Every expected ratio here is computed by hand from the data file (loaded with numpy), the
hand-written width Γ(a→γγ) = (s_W² g)² m³/(64π) and the meson branching ratio of
physics.flavour (tested on its own in test_flavour.py); never from physics.limits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from physics import ALPModel, br_B_to_K_a, br_K_to_pi_a, br_KL_to_pi0_a, ratio_grid, verdicts
from physics import constants as C
from physics.limits import DATA_DIR, limit_catalogue

ALPACA = DATA_DIR / "alpaca"


def raw_grid(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(masses, log10 τ rows, log10 L) straight from an ALPaca .npy file."""
    d = np.load(ALPACA / name, allow_pickle=False)
    return d[-1, :-1], d[:-1, -1], d[:-1, :-1]


def raw_binned(name: str) -> np.ndarray:
    return np.loadtxt(ALPACA / name)


def tau_ps(m_a: float, g_aww: float) -> float:
    """Proper lifetime [ps] of a photon-only ALP, by hand."""
    width = (C.SIN2_THETA_W * g_aww) ** 2 * m_a**3 / (64 * math.pi)
    return C.HBAR_GEV_S / width / 1e-12


def g_for_tau(m_a: float, tau: float) -> float:
    """g_aWW giving a photon-only ALP the proper lifetime ``tau`` [ps]."""
    width = C.HBAR_GEV_S / (tau * 1e-12)
    return math.sqrt(64 * math.pi * width / m_a**3) / C.SIN2_THETA_W


# ----------------------------------------------------------------------------- prompt rows
def test_prompt_row_of_na62_kpigg_is_the_prompt_limit() -> None:
    """Issue 10: m_a = 0.3 GeV, g_aWW = 1e-4 (τ ≈ 9 ps) and 3e-4 (τ ≈ 1 ps), a→γγ only.
    The −∞ row is the prompt limit; between it and the 100 ps row log10 L runs linearly in τ."""
    m, lt, lg = raw_grid("na62_kpigammagamma.npy")
    assert np.isneginf(lt[0]) and lt[1] == pytest.approx(2.0)
    k = 125  # m = 0.2998 GeV, a grid node
    ma = float(m[k])
    for g in (1e-4, 3e-4, 3e-3):
        tau = tau_ps(ma, g)
        assert tau < 10.0 ** lt[1]
        log_l = lg[0, k] + tau / 10.0 ** lt[1] * (lg[1, k] - lg[0, k])
        expected = br_K_to_pi_a(ma, g) / 10.0**log_l
        assert ratio_grid("na62_k_pi_gg", ma, g) == pytest.approx(expected, rel=1e-9)
    # the numbers (were "no sensitivity"): excluded by ×9 and ×80
    assert 7.0 < ratio_grid("na62_k_pi_gg", 0.3, 1e-4) < 10.0
    assert 70.0 < ratio_grid("na62_k_pi_gg", 0.3, 3e-4) < 90.0
    # τ → 0: exactly the prompt row
    g = 3e-2
    expected = br_K_to_pi_a(ma, g) / 10.0 ** lg[0, k]
    assert ratio_grid("na62_k_pi_gg", ma, g) == pytest.approx(expected, rel=1e-3)


# ----------------------------------------------------------------------------- τ < τ_min, visible
@pytest.mark.parametrize(
    ("key", "name", "k", "br_fn"),
    [
        ("e787_k_pi_gg", "e787_kpigamma.npy", 100, br_K_to_pi_a),  # m = 0.0503 GeV, τ_min = 10 ps
        ("babar_bk_gg_displaced", "babar_BKphotons_displ.npy", 5, br_B_to_K_a),  # m = 0.307, cτ_min = 1 mm
    ],
)
def test_visible_search_below_shortest_lifetime_uses_that_row(key, name, k, br_fn) -> None:
    """Searches that accept prompt decays: τ < τ_min reads the τ_min row (decay probability 1)."""
    m, lt, lg = raw_grid(name)
    assert np.isfinite(lt[0]) and np.isfinite(lg[0, k])
    ma = float(m[k])
    for tau in (10.0 ** lt[0] / 3.0, 10.0 ** lt[0] / 300.0):
        g = g_for_tau(ma, tau)
        expected = br_fn(ma, g) / 10.0 ** lg[0, k]
        assert ratio_grid(key, ma, g) == pytest.approx(expected, rel=1e-9)
    # no notch at τ_min: ratio/g² continuous across the edge
    g_above, g_below = g_for_tau(ma, 10.0 ** lt[0] * 1.001), g_for_tau(ma, 10.0 ** lt[0] / 1.001)
    r_above = ratio_grid(key, ma, g_above) / g_above**2
    r_below = ratio_grid(key, ma, g_below) / g_below**2
    assert r_below == pytest.approx(r_above, rel=2e-3)


def test_babar_displaced_has_no_notch_at_its_shortest_lifetime() -> None:
    """Issue 10: at m_a = 0.3 GeV the displaced grid dropped to 0 for cτ < 1 mm (g_aWW ≳ 2e-4)."""
    g = np.geomspace(1e-4, 1e-3, 25)
    r = ratio_grid("babar_bk_gg_displaced", 0.3, g)
    assert np.all(r > 1.0)
    # ratio/g² = 1/L(τ) up to the tiny BR saturation: smooth through cτ = 1 mm (no factor-2 notch)
    assert np.all(np.abs(np.diff(np.log(r / g**2))) < 0.02)


# ----------------------------------------------------------------------------- τ < τ_min, invisible
def test_invisible_grid_below_shortest_lifetime_falls_off_as_fitted() -> None:
    """Issue 10: m_a = 0.055 GeV, g_aWW = 1e-3 (τ ≈ 15 ps < 100 ps). log10 L = a + b/τ through the
    two shortest rows of the node's column; ALPaca's e^{1−τ_min/τ} gave a ratio of 54."""
    m, lt, lg = raw_grid("na62_kpiInv_2025.npy")
    k = 49  # m = 0.05543 GeV
    ma, g = float(m[k]), 1e-3
    t1, t2 = 10.0 ** lt[0], 10.0 ** lt[1]
    tau = tau_ps(ma, g)
    assert tau < t1
    slope = (lg[0, k] - lg[1, k]) / (1.0 - t1 / t2)
    assert slope > 0
    expected = br_K_to_pi_a(ma, g) / 10.0 ** (lg[0, k] + slope * (t1 / tau - 1.0))
    got = ratio_grid("na62_2025", ma, g)
    assert got == pytest.approx(expected, rel=1e-9)
    assert ratio_grid("na62_2025", 0.055, 1e-3) < 1e-3
    # ALPaca's extrapolation, for the record: it would exclude the point
    alpaca = br_K_to_pi_a(ma, g) * math.exp(1.0 - t1 / tau) / 10.0 ** lg[0, k]
    assert alpaca > 10.0


def test_invisible_grid_without_shortest_row_gives_no_limit_below_it() -> None:
    """NA62 2020 has no 100 ps limit at 0.055 GeV (NaN): nothing below it either."""
    m, _lt, lg = raw_grid("na62_kpiInv.npy")
    k = 47
    assert np.isnan(lg[0, k]) and np.isfinite(lg[1, k])
    assert ratio_grid("na62_2020", float(m[k]), 1e-3) == 0.0


def test_invisible_grid_without_fall_off_gives_no_limit_below_it() -> None:
    """Where the two shortest rows are equal (m_a → 0) the fall-off is unknown: no limit."""
    m, _lt, lg = raw_grid("na62_kpiInv_2025.npy")
    k = 3
    assert lg[0, k] - lg[1, k] <= 0.0
    ma = float(m[k])
    assert ratio_grid("na62_2025", ma, g_for_tau(ma, 10.0)) == 0.0


# ----------------------------------------------------------------------------- τ > τ_max
def test_visible_grid_above_longest_lifetime_scales_as_one_over_tau() -> None:
    m, lt, lg = raw_grid("na62_kpigammagamma.npy")
    k = 125
    ma = float(m[k])
    tau = 10.0 ** lt[-1] * 37.0
    g = g_for_tau(ma, tau)
    expected = br_K_to_pi_a(ma, g) / (10.0 ** lg[-1, k] * tau / 10.0 ** lt[-1])
    assert ratio_grid("na62_k_pi_gg", ma, g) == pytest.approx(expected, rel=1e-9)
    # the grids' own last rows already follow L ∝ τ (median slope ≈ 1)
    slope = (lg[-1] - lg[-2]) / (lt[-1] - lt[-2])
    assert np.nanmedian(slope) == pytest.approx(1.0, abs=0.05)


def test_invisible_grid_above_longest_lifetime_uses_that_row() -> None:
    m, lt, lg = raw_grid("e949_kpiInv.npy")
    k = 60
    ma = float(m[k])
    g = g_for_tau(ma, 10.0 ** lt[-1] * 50.0)
    assert ratio_grid("e949", ma, g) == pytest.approx(br_K_to_pi_a(ma, g) / 10.0 ** lg[-1, k], rel=1e-9)


# ----------------------------------------------------------------------------- vetoed windows
def _window(name: str, m_in: float) -> tuple[float, float]:
    """The NaN rows bracketing m_in in a binned file (m_low, m_high columns equal there)."""
    a = raw_binned(name)
    nan_m = a[np.isnan(a[:, 2]), 0]
    lo, hi = nan_m[nan_m < m_in].max(), nan_m[nan_m > m_in].min()
    inside = a[(a[:, 0] > lo) & (a[:, 0] < hi)]
    assert inside.size == 0  # nothing tabulated inside the window
    return float(lo), float(hi)


def test_na62_2016_22_has_no_limit_inside_the_pi0_window() -> None:
    """Issue 10: m_a = 0.13 GeV, g_aWW = 1e-5 gave ratio 19 by interpolating across the window."""
    lo, hi = _window("Kpialp_na62.txt", 0.13)
    assert lo < 0.1349768 < hi
    for ma in (0.13, 0.5 * (lo + hi), 0.15):
        assert ratio_grid("na62_2024", ma, 1e-5) == 0.0


def test_na62_2016_22_reads_linearly_next_to_the_window() -> None:
    """Just above the window the limit interpolates between its two neighbouring rows."""
    a = raw_binned("Kpialp_na62.txt")
    j = int(np.flatnonzero(np.isnan(a[:, 2]))[-1]) + 2  # second finite row above the window
    m0, m1 = a[j, 0], a[j + 1, 0]
    ma = 0.5 * (m0 + m1)
    lim = 0.5 * (a[j, 2] + a[j + 1, 2])
    model = ALPModel(ma, ma / 4, 1e-5, 1.0)  # a → χχ̄: P_inv = 1 − O(1e-12)
    expected = br_K_to_pi_a(ma, 1e-5) / lim
    r = next(v for v in verdicts(model) if v.key == "na62_2024").ratio
    assert r == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("m_in", "meson"), [(0.548, 0.547862), (0.958, 0.95778)])
def test_babar_prompt_has_no_limit_in_the_eta_windows(m_in: float, meson: float) -> None:
    """Issue 10: BaBar prompt B→Kγγ in the η and η′ windows gave ratios 41 and 137."""
    lo, hi = _window("babar_bkphotons_prompt.txt", m_in)
    assert lo < meson < hi
    for g in (1e-4, 1e-3):
        assert ratio_grid("babar_bk_gg_prompt", m_in, g) == 0.0
    # and the displaced grid has NaN columns there too
    m, _lt, lg = raw_grid("babar_BKphotons_displ.npy")
    assert np.all(np.isnan(lg[:, (m > lo) & (m < hi)]))
    assert ratio_grid("babar_bk_gg_displaced", m_in, 1e-4) == 0.0


@pytest.mark.parametrize("name", ["na62_kpiInv_2025.npy", "na62_kpiInv.npy"])
def test_grid_has_no_limit_inside_the_pi0_window(name: str) -> None:
    m, _lt, lg = raw_grid(name)
    window = (m > 0.125) & (m < 0.145)
    assert np.all(np.isnan(lg[:, window]))
    key = {"na62_kpiInv_2025.npy": "na62_2025", "na62_kpiInv.npy": "na62_2020"}[name]
    assert ratio_grid(key, 0.135, 1e-6) == 0.0


# ----------------------------------------------------------------------------- one interior point each
def _grid_interior(key: str, name: str, k: int, j: int, br_fn) -> tuple[float, float, float]:
    """(m_a, g_aWW, expected ratio) at the centre of the grid cell (k, k+1) × (j, j+1)."""
    m, lt, lg = raw_grid(name)
    fin = np.isfinite(lt)
    lt, lg = lt[fin], lg[fin]
    cell = lg[j : j + 2, k : k + 2]
    assert np.all(np.isfinite(cell)), (key, cell)
    ma = 0.5 * (m[k] + m[k + 1])
    g = g_for_tau(ma, 10.0 ** (0.5 * (lt[j] + lt[j + 1])))
    return ma, g, br_fn(ma, g) / 10.0 ** cell.mean()


GRID_POINTS = {
    "na62_2025": ("na62_kpiInv_2025.npy", 40, 3, br_K_to_pi_a),
    "na62_2020": ("na62_kpiInv.npy", 60, 4, br_K_to_pi_a),
    "e949": ("e949_kpiInv.npy", 30, 5, br_K_to_pi_a),
    "babar_bk_gg_displaced": ("babar_BKphotons_displ.npy", 50, 0, br_B_to_K_a),
    "na62_k_pi_gg": ("na62_kpigammagamma.npy", 90, 2, br_K_to_pi_a),
    "e787_k_pi_gg": ("e787_kpigamma.npy", 70, 1, br_K_to_pi_a),
}


@pytest.mark.parametrize("key", sorted(GRID_POINTS))
def test_grid_interior_point(key: str) -> None:
    ma, g, expected = _grid_interior(key, *GRID_POINTS[key])
    assert ratio_grid(key, ma, g) == pytest.approx(expected, rel=1e-9)


BINNED_POINTS = {  # key: (file, row, BR function, invisible?)
    "na62_2024": ("Kpialp_na62.txt", 250, br_K_to_pi_a, True),
    "koto": ("koto_KLpiInv.txt", 4, br_KL_to_pi0_a, True),
    "babar_bk_gg_prompt": ("babar_bkphotons_prompt.txt", 150, br_B_to_K_a, False),
}


@pytest.mark.parametrize("key", sorted(BINNED_POINTS))
def test_binned_interior_point(key: str) -> None:
    name, j, br_fn, invisible = BINNED_POINTS[key]
    a = raw_binned(name)
    assert np.all(np.isfinite(a[j : j + 2]))
    ma = 0.25 * (a[j, 0] + a[j, 1] + a[j + 1, 0] + a[j + 1, 1])
    lim = 0.5 * (a[j, 2] + a[j + 1, 2])
    if invisible:  # an ALP decaying to χχ̄: P_inv = 1 − O(1e-12)
        g = 1e-5
        r = ratio_grid(key, ma, g, m_chi=ma / 4, g_achi=1.0)
    else:  # a prompt diphoton (cτ ~ 1e-7 m ≪ r_min = 1 mm)
        g = 1e-3
        r = ratio_grid(key, ma, g)
    assert r == pytest.approx(br_fn(ma, g) / lim, rel=1e-6)


def test_babar_two_body_band_interior_point_ratio_and_pull() -> None:
    a = np.loadtxt(ALPACA / "Babar_BtoK_bestfit.txt")
    j = 150
    ma = 0.5 * (a[j, 0] + a[j + 1, 0])
    c, hi = 0.5 * (a[j, 1] + a[j + 1, 1]), 0.5 * (a[j, 3] + a[j + 1, 3])
    g = 8e-5
    model = ALPModel(ma, ma / 4, g, 1.0)  # invisible: P_inv = 1 − O(1e-12)
    s = br_B_to_K_a(ma, g)
    v = next(x for x in verdicts(model) if x.key == "babar_bk_inv")
    assert v.ratio == pytest.approx(s / (c + 2 * (hi - c)), rel=1e-6)
    assert v.pull == pytest.approx((s - c) / (hi - c), rel=1e-6)


BEAM_DUMP_FILES = {
    "charm": ("alpinist/CHARM_CWW_2gamma.dat", "cww"),
    "nucal": ("alpinist/NuCal_CWW_2gamma.dat", "cww"),
    "na62_dump": ("alpinist/NA62_CWW_2gamma.dat", "cww"),
    "ship": ("alpinist/SHiP_CWW_2gamma.dat", "cww"),
    "shadows": ("alpinist/SHADOWS_CWW_2gamma.dat", "cww"),
    "dune": ("alpinist/DUNE_CWW_2gamma.dat", "cww"),
    "darkquest": ("alpinist/DarkQuest_CWW_2gamma.dat", "cww"),
    "beamdump_gagg": ("axionlimits/BeamDump.txt", "gagg_ev"),
}
CWW_FACTOR_BY_HAND = {"alpinist_gW": 4 * 0.6529**2, "alpha0_sW2": 16 * math.pi / 137.035999084 / 0.23122}


@pytest.mark.parametrize("mapping", sorted(CWW_FACTOR_BY_HAND))
@pytest.mark.parametrize("key", sorted(BEAM_DUMP_FILES))
def test_beam_dump_point_above_the_lowest_vertex(key: str, mapping: str) -> None:
    """10 % above the contour's lowest vertex (on its lower edge) the ratio is 1.1² = 1.21."""
    name, kind = BEAM_DUMP_FILES[key]
    a = np.loadtxt(DATA_DIR / name, comments="#")
    i = int(np.argmin(a[:, 1]))
    if kind == "cww":
        ma, g_edge = a[i, 0], a[i, 1] * CWW_FACTOR_BY_HAND[mapping]
    else:
        ma, g_edge = a[i, 0] * 1e-9, a[i, 1] / 0.23122
    assert ratio_grid(key, ma, 1.1 * g_edge, cww_mapping=mapping) == pytest.approx(1.21, rel=1e-9)
    assert ratio_grid(key, ma, g_edge / 1.1, cww_mapping=mapping) == pytest.approx(1 / 1.21, rel=1e-9)


def test_every_catalogued_limit_has_an_interior_point_test() -> None:
    covered = set(GRID_POINTS) | set(BINNED_POINTS) | set(BEAM_DUMP_FILES) | {"babar_bk_inv"}
    assert covered == {i.key for i in limit_catalogue()}


def test_prompt_row_is_the_strongest_row() -> None:
    """The log10 τ = −∞ row of NA62 K→πγγ is below every finite-lifetime row at every mass."""
    _m, lt, lg = raw_grid("na62_kpigammagamma.npy")
    assert np.isneginf(lt[0]) and np.all(lg[0] <= lg[1:].min(axis=0))
