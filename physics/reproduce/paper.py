"""Reproduce the results of arXiv:2504.00383 from the physics API.

``python -m physics.reproduce [--out docs/reproduction] [--workers N] [--quick]`` computes here
every number (:func:`run`), and :mod:`physics.reproduce.report` writes ``report.json``, the
figures and ``report.md`` comparing our numbers with the abstract's. Nothing is tuned to the
abstract.

The abstract's targets:
- g_aWW (= g_aγγ/s_W²) ∈ (7.13–9.60)×10⁻⁵ GeV⁻¹ from B±→K±a with a → χχ̄ (missing energy);
- viable m_a ∈ (0.6, 4.8) GeV;
- g_aχχ ∈ (7.12×10⁻⁵ – 7.73×10⁻³) GeV⁻¹ for resonant annihilation giving Ωh² = 0.12;
- cBE/nBE up to a factor ~20 in the resonance region;
- the displaced-diphoton scenario excluded by K→π + invisible (and beam dumps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from .. import constants as C
from ..benchmark_points import ABSTRACT_CENTRE
from ..decays import ctau_kernel, p_invisible_kernel, width_photons_kernel
from ..flavour import br_B_to_K_a, g_aWW_for_br_B_to_K_a
from ..limits import limit_catalogue, ratio_grid
from ..model import PERTURBATIVE_LIMIT, ALPModel, g_agg_from_gWW, m_chi_from_delta
from ..projection import ViableProjection
from ..relic import omega_h2
from ..targets import TargetKind, belle2_target
from .viable_ranges import VIABLE_GRIDS, viable_projections

FloatArray = NDArray[np.float64]

ABSTRACT = {
    "g_aWW_low": 7.13e-5,
    "g_aWW_high": 9.60e-5,
    "m_a_low": 0.6,
    "m_a_high": 4.8,
    "g_achi_low": 7.12e-5,
    "g_achi_high": 7.73e-3,
    "cbe_over_nbe_max": 20.0,
}

VIABLE_TARGET: TargetKind = "excess"
"""Belle II target of the viable ranges: the m_a-independent excess, as in the abstract."""

KAON_KEYS = ("na62_2025", "na62_2020", "e949", "na62_2024", "koto", "na62_k_pi_gg", "e787_k_pi_gg")
"""Kaon searches: K→π + invisible (NA62, E949, KOTO) and K⁺→π⁺a(→γγ) (NA62, E787)."""


# ----------------------------------------------------------------------------- g_aWW band
@dataclass(frozen=True)
class CouplingBand:
    """g_aWW [GeV⁻¹] explaining the Belle II target, per ALP mass (missing-energy scenario)."""

    m_a: FloatArray
    central: FloatArray
    low: FloatArray
    high: FloatArray
    kind: str
    n_sigma: float


def g_aWW_band(
    m_a: FloatArray, kind: TargetKind = "excess", n_sigma: float = 1.0, p_inv: float = 1.0
) -> CouplingBand:
    """g_aWW such that BR(B⁺→K⁺a)·P_inv lies in the Belle II target band.

    In the missing-energy scenario the ALP decays promptly to χχ̄, so P_inv = BR(a→χχ̄),
    which is 1 − O(10⁻³) for g_aχχ ≳ 10⁻⁴ GeV⁻¹ away from threshold: ``p_inv`` = 1 by default.
    """
    c, lo, hi = belle2_target(m_a, kind, n_sigma=n_sigma)
    g = [np.asarray(g_aWW_for_br_B_to_K_a(m_a, t, p_inv)) for t in (c, lo, hi)]
    return CouplingBand(np.asarray(m_a, float), g[0], g[1], g[2], kind, n_sigma)


def band_range(band: CouplingBand, m_min: float, m_max: float) -> tuple[float, float]:
    """(min of the lower edge, max of the upper edge) of g_aWW over m_min ≤ m_a ≤ m_max."""
    sel = (band.m_a >= m_min) & (band.m_a <= m_max)
    return float(np.nanmin(band.low[sel])), float(np.nanmax(band.high[sel]))


# ----------------------------------------------------------------------------- displaced diphoton
@dataclass(frozen=True)
class DisplacedDiphotonScan:
    """Where a long-lived ALP decaying only to photons could fake the excess, and the limits there."""

    m_a: FloatArray
    g_aWW: FloatArray
    explains: NDArray[np.bool_]  # BR·P_inv inside the 1σ excess band
    kaon_ratio: FloatArray  # largest ratio among the kaon limits (K→π + invisible, K→πγγ)
    dump_ratio: FloatArray  # largest ratio among measured beam dumps

    @property
    def n_solutions(self) -> int:
        return int(self.explains.sum())

    @property
    def min_margin(self) -> float:
        """Smallest, over the points that explain the excess, of the largest measured ratio."""
        best = np.fmax(self.kaon_ratio, self.dump_ratio)[self.explains]
        return float(best.min()) if best.size else float("nan")

    @property
    def min_kaon_margin(self) -> float:
        r = self.kaon_ratio[self.explains]
        return float(r.min()) if r.size else float("nan")


def displaced_diphoton_scan(
    m_a: FloatArray | None = None, g_aWW: FloatArray | None = None, kind: TargetKind = "excess"
) -> DisplacedDiphotonScan:
    """Scan (m_a, g_aWW) for a pure-photon ALP (a → χχ̄ closed): which points explain the
    excess through an ALP escaping Belle II, and how strongly kaons and beam dumps exclude them."""
    m = np.geomspace(0.005, 1.0, 120) if m_a is None else np.asarray(m_a, float)
    g = np.geomspace(1e-6, 1e-2, 240) if g_aWW is None else np.asarray(g_aWW, float)
    mm, gg = np.meshgrid(m, g, indexing="ij")
    ct = ctau_kernel(width_photons_kernel(g_agg_from_gWW(gg), mm))
    signal = np.asarray(br_B_to_K_a(mm, gg)) * p_invisible_kernel(mm, 0.0, ct)
    _, lo, hi = belle2_target(mm, kind)
    explains = (signal >= lo) & (signal <= hi)
    kaon = np.max([ratio_grid(k, mm, gg) for k in KAON_KEYS], axis=0)
    dumps = [i.key for i in limit_catalogue() if i.channel == "beam_dump" and i.status == "measured"]
    dump = np.nanmax([ratio_grid(k, mm, gg) for k in dumps], axis=0)
    return DisplacedDiphotonScan(mm, gg, explains, kaon, dump)


# ----------------------------------------------------------------------------- missing energy, flavour window
def missing_energy_flavour_window(
    m_a: FloatArray, kind: TargetKind = "excess", g_achi: float = 1e-3, delta: float = 0.1
) -> dict[str, FloatArray]:
    """Largest measured-limit ratio at the central g_aWW of the band, per m_a, for a → χχ̄.

    Returns per-experiment ratios (keys) and "max" (all measured limits).
    """
    band = g_aWW_band(m_a, kind)
    m_chi = m_chi_from_delta(m_a, delta)
    out: dict[str, FloatArray] = {}
    for info in limit_catalogue():
        if info.status != "measured":
            continue
        r = ratio_grid(info.key, m_a, np.nan_to_num(band.central), m_chi=m_chi, g_achi=g_achi)
        out[info.key] = np.where(np.isfinite(band.central), r, np.nan)
    out["max"] = np.nanmax(np.vstack([v for v in out.values()]), axis=0)
    return out


# ----------------------------------------------------------------------------- relic density
OMEGA_TARGET = C.OMEGA_H2_PLANCK


def _omega(m_a: float, delta: float, g_aww: float, g_achi: float, method: str) -> float:
    """Ωh² at one point; +inf where the engine flags the point as not computed (no thermal
    history: the DM never equilibrates, so resonant freeze-out cannot set the abundance)."""
    model = ALPModel.from_detuning(m_a, delta, g_aww, g_achi)
    res = omega_h2(model, method=method)
    return res.omega_h2 if np.isfinite(res.omega_h2) else math.inf


def g_achi_for_relic(
    m_a: float,
    delta: float,
    g_aww: float,
    method: str = "cbe",
    g_grid: FloatArray | None = None,
) -> list[float]:
    """All g_aχχ [GeV⁻¹] with Ωh² = 0.120 at fixed (m_a, δ, g_aWW): sign changes of
    ln(Ωh²/0.12) on a log grid, refined with Brent's method in ln g."""
    grid = np.geomspace(1e-7, 1.0, 15) if g_grid is None else np.asarray(g_grid, float)
    grid = grid[grid * m_chi_from_delta(m_a, delta) < PERTURBATIVE_LIMIT]  # y_χ perturbative
    f = np.array([math.log(_omega(m_a, delta, g_aww, g, method) / OMEGA_TARGET) for g in grid])
    roots = []
    for i in range(grid.size - 1):
        a, b = f[i], f[i + 1]
        if np.isfinite(a) and np.isfinite(b) and a * b < 0:
            root = brentq(
                lambda lg: math.log(_omega(m_a, delta, g_aww, math.exp(lg), method) / OMEGA_TARGET),
                math.log(grid[i]),
                math.log(grid[i + 1]),
                xtol=1e-4,
            )
            roots.append(math.exp(root))
    return roots


@dataclass(frozen=True)
class RelicSolutions:
    """g_aχχ solving Ωh² = 0.12 on a grid of (m_a, δ) at fixed g_aWW, per method."""

    m_a: FloatArray
    delta: FloatArray
    g_aww: float
    roots: dict[str, list[list[list[float]]]]  # method → [i_m][i_delta] → roots

    def range(self, method: str) -> tuple[float, float]:
        vals = [g for row in self.roots[method] for cell in row for g in cell]
        return (min(vals), max(vals)) if vals else (math.nan, math.nan)

    def delta_range(self, method: str) -> tuple[float, float]:
        ds = [float(self.delta[j]) for row in self.roots[method] for j, cell in enumerate(row) if cell]
        return (min(ds), max(ds)) if ds else (math.nan, math.nan)


def relic_solutions(
    m_a: FloatArray, delta: FloatArray, g_aww: float, methods: tuple[str, ...] = ("nbe", "cbe")
) -> RelicSolutions:
    """Solve Ωh² = 0.12 for g_aχχ over a grid of m_a [GeV] and detunings δ."""
    roots = {
        meth: [[g_achi_for_relic(float(m), float(d), g_aww, meth) for d in delta] for m in m_a]
        for meth in methods
    }
    return RelicSolutions(np.asarray(m_a, float), np.asarray(delta, float), g_aww, roots)


@dataclass(frozen=True)
class RatioScan:
    """Ωh²(cBE)/Ωh²(nBE) versus δ at fixed couplings."""

    m_a: float
    g_aww: float
    g_achi: float
    delta: FloatArray
    omega_nbe: FloatArray
    omega_cbe: FloatArray

    @property
    def ratio(self) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.omega_cbe / self.omega_nbe

    @property
    def max_ratio(self) -> tuple[float, float]:
        """(max of cBE/nBE, the δ where it occurs)."""
        r = self.ratio
        k = int(np.nanargmax(r))
        return float(r[k]), float(self.delta[k])


def ratio_scan(m_a: float, g_aww: float, g_achi: float, delta: FloatArray) -> RatioScan:
    """Ωh² by nBE and cBE across the resonance (NaN where not computed)."""
    om = {"nbe": [], "cbe": []}
    for d in delta:
        model = ALPModel.from_detuning(m_a, float(d), g_aww, g_achi)
        for meth in om:
            om[meth].append(omega_h2(model, method=meth).omega_h2)
    return RatioScan(m_a, g_aww, g_achi, np.asarray(delta, float), np.array(om["nbe"]), np.array(om["cbe"]))


def fbe_over_nbe(m_a: float, g_aww: float, g_achi: float, delta: FloatArray) -> FloatArray:
    """Ωh²(fBE)/Ωh²(nBE) at a few detunings, both signs (the full phase-space reference;
    NaN where either has no number)."""
    out = []
    for d in delta:
        model = ALPModel.from_detuning(m_a, float(d), g_aww, g_achi)
        with np.errstate(all="ignore"):
            out.append(omega_h2(model, method="fbe").omega_h2 / omega_h2(model, method="nbe").omega_h2)
    return np.array(out)


def ratio_maxima(delta: FloatArray, ratio: FloatArray) -> dict[str, dict[str, float | None]]:
    """{"delta>0"|"delta<0": {"max": largest ratio, "delta": where}} (None: no number)."""
    out: dict[str, dict[str, float | None]] = {}
    for key, side in (("delta>0", delta > 0), ("delta<0", delta < 0)):
        r = np.where(side & np.isfinite(ratio), ratio, np.nan)
        if np.all(np.isnan(r)):
            out[key] = {"max": None, "delta": None}
            continue
        k = int(np.nanargmax(r))
        out[key] = {"max": float(r[k]), "delta": float(delta[k])}
    return out


# ----------------------------------------------------------------------------- report
BENCH_G_AWW = ABSTRACT_CENTRE.g_aWW
BENCH_G_ACHI = ABSTRACT_CENTRE.g_achi
BENCH_M_A = ABSTRACT_CENTRE.m_a


@dataclass(frozen=True)
class Reproduction:
    """Everything the report quotes (computed by :func:`run`)."""

    band_excess: CouplingBand
    band_excess_2s: CouplingBand
    band_fit: CouplingBand
    displaced: DisplacedDiphotonScan
    window: dict[str, FloatArray]
    window_m: FloatArray
    relic: RelicSolutions
    ratio: RatioScan
    fbe_delta: FloatArray
    fbe_ratio: FloatArray
    viable: dict[str, ViableProjection] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def run(quick: bool = False, workers: int = 1, progress: bool = False) -> Reproduction:
    """Compute every number of the report (``quick`` uses coarser grids, for tests).

    ``workers`` processes compute the viable projections (the slow part), ``progress`` shows
    a progress bar on stderr."""
    m = np.linspace(0.05, 4.78, 48 if quick else 190)
    window_m = np.linspace(0.05, 4.78, 40 if quick else 120)
    relic_m = np.array([0.6, 2.0, 4.5]) if quick else np.array([0.6, 1.0, 2.0, 3.0, 4.5])
    relic_d = np.geomspace(1e-5, 0.05, 5 if quick else 14)
    ratio_d = np.concatenate(
        [-np.geomspace(0.3, 1e-4, 6 if quick else 14), np.geomspace(1e-4, 10, 12 if quick else 30)]
    )
    fbe_d = np.array([-0.01, 0.01, 0.1, 0.5]) if quick else ratio_d
    grids = VIABLE_GRIDS["quick" if quick else "full"]
    viable = viable_projections(grids, target=VIABLE_TARGET, workers=workers, progress=progress)
    settings = {
        "paper": "arXiv:2504.00383",
        "quick": bool(quick),
        "omega_h2_target": OMEGA_TARGET,
        "n_sigma": 1.0,
        "viable": {
            "target": VIABLE_TARGET,
            "grids": grids,
            "g_aWW": "inside the Belle II band at the listed fractions (physics.band.g_aWW_band)",
            "delta_star": "physics.delta_star, both signs; fBE seeded by the cBE roots",
            "criteria": "physics.viability: belle2, relic, limit:<key>, cmb, scenario",
        },
        "band_m_a": {"lo": float(m[0]), "hi": float(m[-1]), "n": int(m.size)},
        "relic_grid": {
            "m_a": relic_m.tolist(),
            "delta": [float(relic_d[0]), float(relic_d[-1])],
            "n_delta": int(relic_d.size),
        },
        "ratio_point": {"m_a": BENCH_M_A, "g_aWW": BENCH_G_AWW, "g_achi": BENCH_G_ACHI},
        "workers": int(workers),
    }
    return Reproduction(
        band_excess=g_aWW_band(m, "excess"),
        band_excess_2s=g_aWW_band(m, "excess", n_sigma=2.0),
        band_fit=g_aWW_band(m, "two_body_fit"),
        displaced=displaced_diphoton_scan(
            np.geomspace(0.005, 1.0, 40 if quick else 120), np.geomspace(1e-6, 1e-2, 80 if quick else 240)
        ),
        window=missing_energy_flavour_window(window_m),
        window_m=window_m,
        relic=relic_solutions(relic_m, relic_d, BENCH_G_AWW),
        ratio=ratio_scan(BENCH_M_A, BENCH_G_AWW, BENCH_G_ACHI, ratio_d),
        fbe_delta=fbe_d,
        fbe_ratio=fbe_over_nbe(BENCH_M_A, BENCH_G_AWW, BENCH_G_ACHI, fbe_d),
        viable=viable,
        settings=settings,
    )


def _allowed_intervals(m: FloatArray, ok: NDArray[np.bool_]) -> list[tuple[float, float]]:
    """Contiguous mass intervals where ``ok`` holds."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(int), [0]])))
    return [(float(m[a]), float(m[b - 1])) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def _band_at(band: CouplingBand, m_a: float) -> tuple[float, float, float]:
    return tuple(float(np.interp(m_a, band.m_a, v)) for v in (band.central, band.low, band.high))
