"""Experimental limits: loading, verdicts for a model point, curves in the (m_a, g_aWW) plane.

The curves, their references, confidence levels and measured/projection status are listed in
``physics/data/limits/catalogue.toml`` (files copied from ALPaca, ALPINIST and AxionLimits with
their licences). How a model point is compared with each kind of curve (REFERENCE §2, §4):

- Lifetime grids (NA62, E949, BaBar displaced, K→πγγ): the grid limit L(m_a, τ) already folds
  in the probability that an ALP of proper lifetime τ escapes (invisible searches) or decays
  in the fiducial volume (displaced searches); it is read at the ALP's own lifetime. With an
  invisible branching ratio, signal yields add, so the ratio is
  R = BR·BR_inv / L(m_a, τ_max) + BR·(1 − BR_inv) / L(m_a, τ)
  for invisible searches (a → χχ̄ is invisible whatever the lifetime; the longest tabulated
  lifetime is the most stable case) and R = BR·BR_γγ / L(m_a, τ) for displaced diphotons.
  Outside the tabulated lifetimes: for τ > τ_max the limit at τ_max is used (invisible:
  conservative) or scaled by the decay-in-volume fraction (1 − e^{−τ_max/τ})/(1 − e^{−1})
  (displaced); for τ < τ_min invisible searches scale the escape probability by
  e^{1 − τ_min/τ} (ALPaca's extrapolation) and displaced searches lose sensitivity.
  Empty (NaN) grid cells mean no sensitivity.
- Flat (m-binned) limits on a stable X: R = BR · P_inv / L(m_a), with P_inv from the
  experiment's parent boost and detector size (:func:`physics.decays.p_invisible_kernel`).
  BaBar prompt diphotons: R = BR · BR_γγ · P(decay within r_min) / L(m_a).
- Beam dumps (closed contours for an ALP decaying only to photons): applicable only when
  BR(a → χχ̄) < 1 %, otherwise the lifetime and yield they assume do not hold ("not
  applicable"). The reported ratio is the squared coupling distance to the nearest edge of
  the excluded band at that mass: 1 on the contour, > 1 inside, < 1 outside.

Conversions: ALPINIST's L ⊃ g² C_WW (a/Λ) W W̃ gives g_aWW = 16π α₂ C_WW/Λ with
α₂ = α/s_W² (α = α(0), so that g_aγγ = s_W² g_aWW = 16π α C_WW/Λ reproduces
Γ(a→γγ) = 4πα² m³ C²/Λ²); AxionLimits' photon coupling converts as g_aWW = g_aγγ/s_W².
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import RegularGridInterpolator

from . import constants as C
from .decays import (
    ctau_kernel,
    escape_probability,
    p_invisible_kernel,
    width_chi_kernel,
    width_photons_kernel,
)
from .flavour import br_B_to_K_a, br_K_to_pi_a, br_KL_to_pi0_a
from .model import ALPModel

FloatArray = NDArray[np.float64]
Status = Literal["measured", "projection"]

DATA_DIR = Path(str(resources.files("physics") / "data" / "limits"))
SPEED_OF_LIGHT_M_PER_PS = 299792458.0e-12
ALPHA_2 = C.ALPHA_EM_0 / C.SIN2_THETA_W
CWW_TO_G_AWW = 16.0 * math.pi * ALPHA_2
"""g_aWW [GeV⁻¹] per unit C_WW/Λ [GeV⁻¹] (ALPINIST convention)."""
BEAM_DUMP_MAX_BR_INV = 0.01

_PARENTS = {
    "B+ -> K+ a": (C.M_B_PLUS, C.M_K_PLUS),
    "K+ -> pi+ a": (C.M_K_PLUS, C.M_PI_PLUS),
    "KL -> pi0 a": (C.M_K_LONG, C.M_PI_ZERO),
}


# ----------------------------------------------------------------------------- loading
@dataclass(frozen=True)
class Band:
    """A mass-dependent band (m [GeV], central, low, high), masses strictly ascending."""

    m: FloatArray
    central: FloatArray
    low: FloatArray
    high: FloatArray


@dataclass(frozen=True)
class LifetimeGrid:
    """Upper limits L(m_a, τ): m [GeV], log10(τ/ps) ascending, log10 L (NaN = no limit)."""

    m: FloatArray
    log_tau: FloatArray
    log_limit: FloatArray  # shape (len(log_tau), len(m))

    @cached_property
    def _interpolator(self) -> RegularGridInterpolator:
        return RegularGridInterpolator(
            (self.m, self.log_tau), self.log_limit.T, method="linear", bounds_error=False
        )

    @property
    def tau_min_ps(self) -> float:
        return float(10.0 ** self.log_tau[0])

    @property
    def tau_max_ps(self) -> float:
        return float(10.0 ** self.log_tau[-1])

    def limit(self, m_a: ArrayLike, tau_ps: ArrayLike) -> FloatArray:
        """L at (m_a, τ) with τ clamped to the grid; +inf where there is no sensitivity."""
        ma = np.asarray(m_a, dtype=float)
        lt = np.log10(np.clip(np.asarray(tau_ps, dtype=float), self.tau_min_ps, self.tau_max_ps))
        ma, lt = np.broadcast_arrays(ma, lt)
        interp = self._interpolator
        vals = interp(np.stack([ma.ravel(), lt.ravel()], axis=-1)).reshape(ma.shape)
        inside = (ma >= self.m[0]) & (ma <= self.m[-1])
        return np.where(inside & np.isfinite(vals), 10.0 ** np.where(np.isfinite(vals), vals, 0), np.inf)


def _read_table(relpath: str) -> FloatArray:
    path = DATA_DIR / relpath
    rows = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        rows.append([float(v) for v in line.replace(",", " ").split()])
    return np.array(rows, dtype=float)


def _strictly_ascending(m: FloatArray, *cols: FloatArray) -> tuple[FloatArray, ...]:
    """Sort by m and drop repeated masses (keeps the first)."""
    order = np.argsort(m, kind="stable")
    m = m[order]
    keep = np.concatenate([[True], np.diff(m) > 0])
    return (m[keep], *tuple(c[order][keep] for c in cols))


@cache
def load_band(relpath: str, m_max: float | None = None) -> Band:
    """Load a 4-column band file; rows with non-finite or unphysical (BR > 1) values, or
    above ``m_max`` (or the catalogue's m_max for that file), are clipped."""
    if m_max is None:
        m_max = _band_m_max().get(relpath)
    a = _read_table(relpath)
    ok = np.all(np.isfinite(a), axis=1) & np.all((a[:, 1:] >= 0) & (a[:, 1:] <= 1.0), axis=1)
    if m_max is not None:
        ok &= a[:, 0] <= m_max
    a = a[ok]
    m, cen, lo, hi = _strictly_ascending(a[:, 0], a[:, 1], a[:, 2], a[:, 3])
    return Band(m, cen, lo, hi)


@cache
def load_binned(relpath: str) -> tuple[FloatArray, FloatArray]:
    """Load an (m_low, m_high, limit) file as (bin-centre mass, limit), masses ascending."""
    a = _read_table(relpath)
    a = a[np.all(np.isfinite(a), axis=1) & (a[:, 2] > 0)]
    m, lim = _strictly_ascending(0.5 * (a[:, 0] + a[:, 1]), a[:, 2])
    return m, lim


@cache
def load_grid(relpath: str) -> LifetimeGrid:
    """Load an ALPaca lifetime grid (.npy, no pickles)."""
    data = np.load(DATA_DIR / relpath, allow_pickle=False)
    m = data[-1, :-1]
    log_tau = data[:-1, -1].copy()
    log_lim = data[:-1, :-1]
    if np.isneginf(log_tau[0]):  # a "prompt" row: place it one decade below the next
        log_tau[0] = log_tau[1] - 1.0
    if not (np.all(np.diff(m) > 0) and np.all(np.diff(log_tau) > 0)):
        raise ValueError(f"{relpath}: masses or lifetimes are not strictly ascending")
    return LifetimeGrid(m, log_tau, log_lim)


@cache
def load_contour(relpath: str, fmt: str) -> tuple[FloatArray, FloatArray]:
    """Closed exclusion contour in the (m_a [GeV], g_aWW [GeV⁻¹]) plane."""
    a = _read_table(relpath)
    a = a[np.all(np.isfinite(a), axis=1) & np.all(a > 0, axis=1)]
    if fmt == "contour_cww":
        return a[:, 0], a[:, 1] * CWW_TO_G_AWW
    if fmt == "contour_gagg_ev":
        return a[:, 0] * 1e-9, a[:, 1] / C.SIN2_THETA_W
    raise ValueError(f"unknown contour format {fmt!r}")


# ----------------------------------------------------------------------------- catalogue
@dataclass(frozen=True)
class LimitInfo:
    """Metadata of one experimental curve (from catalogue.toml)."""

    key: str
    label: str
    file: str
    format: str
    process: str
    channel: str
    cl: float
    status: Status
    reference: str
    inspire: str
    geometry: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _catalogue_raw() -> dict:
    with open(DATA_DIR / "catalogue.toml", "rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=1)
def _band_m_max() -> dict[str, float]:
    return {b["file"]: b["m_max"] for b in _catalogue_raw().get("band", []) if "m_max" in b}


_GEOMETRY_KEYS = ("parent_momentum", "parent_betagamma", "r_max", "r_min")


@lru_cache(maxsize=1)
def limit_catalogue() -> tuple[LimitInfo, ...]:
    """All experimental limits with their references and measured/projection flags."""
    out = []
    for e in _catalogue_raw()["limit"]:
        geo = {k: float(e[k]) for k in _GEOMETRY_KEYS if k in e}
        base = {k: e[k] for k in LimitInfo.__dataclass_fields__ if k in e and k != "geometry"}
        out.append(LimitInfo(**base, geometry=geo))
    return tuple(out)


def limit_info(key: str) -> LimitInfo:
    """Metadata for one limit ``key``; ``KeyError`` listing the valid keys otherwise."""
    for info in limit_catalogue():
        if info.key == key:
            return info
    raise KeyError(f"unknown limit {key!r}; valid: {[i.key for i in limit_catalogue()]}")


# ----------------------------------------------------------------------------- ratios
@dataclass(frozen=True)
class PointArrays:
    """Vectorised ALP properties needed by the limits (broadcastable arrays)."""

    m_a: FloatArray
    g_aWW: FloatArray
    br_inv: FloatArray
    ctau_m: FloatArray

    @property
    def tau_ps(self) -> FloatArray:
        """Proper lifetime [ps] (+inf for a practically stable ALP)."""
        with np.errstate(over="ignore"):
            return self.ctau_m / SPEED_OF_LIGHT_M_PER_PS


def point_arrays(
    m_a: ArrayLike,
    g_aWW: ArrayLike,
    m_chi: ArrayLike | None = None,
    g_achi: ArrayLike = 0.0,
    g_aBB: ArrayLike = 0.0,
) -> PointArrays:
    """Widths, BR_inv and cτ on broadcast arrays (m_chi=None: a → χχ̄ closed)."""
    ma, g, gbb, gchi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (m_a, g_aWW, g_aBB, g_achi)))
    if not (np.all(np.isfinite(ma)) and np.all(ma > 0)):
        raise ValueError("m_a must be finite and > 0 GeV")
    if not all(np.all(np.isfinite(v)) and np.all(v >= 0) for v in (g, gbb, gchi)):
        raise ValueError("couplings must be finite and >= 0")
    mchi = np.full(ma.shape, np.inf) if m_chi is None else np.broadcast_to(np.asarray(m_chi, float), ma.shape)
    g_agg = C.SIN2_THETA_W * g + C.COS2_THETA_W * gbb
    w_gg = width_photons_kernel(g_agg, ma)
    finite_chi = np.isfinite(mchi)
    y = C.Y_CHI_PER_G_ACHI_M_CHI * gchi * np.where(finite_chi, mchi, 0.0)
    w_chi = np.where(finite_chi, width_chi_kernel(y, np.where(finite_chi, mchi, 1.0), ma), 0.0)
    tot = w_gg + w_chi
    with np.errstate(invalid="ignore", divide="ignore"):
        br_inv = np.where(tot > 0, w_chi / np.where(tot > 0, tot, 1.0), 0.0)
    return PointArrays(ma, g, br_inv, ctau_kernel(tot))


def _branching_ratio(process: str, m_a: FloatArray, g_aWW: FloatArray, **flavour_opts: object) -> FloatArray:
    if process == "B+ -> K+ a":
        return np.asarray(br_B_to_K_a(m_a, g_aWW, **flavour_opts))
    m_top = flavour_opts.get("m_top", C.M_TOP_POLE)
    if process == "K+ -> pi+ a":
        return np.asarray(br_K_to_pi_a(m_a, g_aWW, m_top=m_top))
    if process == "KL -> pi0 a":
        return np.asarray(br_KL_to_pi0_a(m_a, g_aWW, m_top=m_top))
    raise ValueError(f"no branching ratio for process {process!r}")


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(den) & (den > 0), num / np.where(den > 0, den, 1.0), 0.0)


def _ratio_grid_limit(info: LimitInfo, p: PointArrays, br: FloatArray) -> FloatArray:
    grid = load_grid(info.file)
    tau = p.tau_ps
    if info.channel == "invisible":
        lim_stable = grid.limit(p.m_a, grid.tau_max_ps)
        lim_tau = grid.limit(p.m_a, tau)
        with np.errstate(over="ignore", divide="ignore"):
            shorter = np.exp(np.minimum(1.0 - grid.tau_min_ps / np.maximum(tau, 1e-300), 0.0))
        escape_scale = np.where(tau < grid.tau_min_ps, shorter, 1.0)
        return _safe_div(br * p.br_inv, lim_stable) + _safe_div(br * (1 - p.br_inv) * escape_scale, lim_tau)
    # displaced diphotons: lose sensitivity below τ_min, dilute above τ_max
    lim_tau = grid.limit(p.m_a, tau)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        dilution = np.where(
            tau > grid.tau_max_ps,
            -np.expm1(-grid.tau_max_ps / tau) / -np.expm1(-1.0),
            1.0,
        )
    usable = tau >= grid.tau_min_ps
    return np.where(usable, _safe_div(br * (1 - p.br_inv) * dilution, lim_tau), 0.0)


def _parent_betagamma(info: LimitInfo) -> float:
    geo = info.geometry
    if "parent_betagamma" in geo:
        return geo["parent_betagamma"]
    m_parent = _PARENTS[info.process][0]
    return geo["parent_momentum"] / m_parent


def _ratio_flat_limit(info: LimitInfo, p: PointArrays, br: FloatArray) -> FloatArray:
    if info.format == "band":
        band = load_band(info.file)
        m, lim = band.m, band.central + 2.0 * (band.high - band.central)
    else:
        m, lim = load_binned(info.file)
    lim_m = np.where((p.m_a >= m[0]) & (p.m_a <= m[-1]), np.interp(p.m_a, m, lim), np.inf)
    m_parent, m_sibling = _PARENTS[info.process]
    bg = _parent_betagamma(info)
    if info.channel == "invisible":
        prob = p_invisible_kernel(
            p.m_a,
            p.br_inv,
            p.ctau_m,
            m_parent=m_parent,
            m_sibling=m_sibling,
            parent_betagamma=bg,
            r_max_m=info.geometry["r_max"],
        )
    else:  # prompt diphotons
        esc = escape_probability(
            p.m_a,
            p.ctau_m,
            m_parent=m_parent,
            m_sibling=m_sibling,
            parent_betagamma=bg,
            r_max_m=info.geometry["r_min"],
        )
        prob = (1.0 - p.br_inv) * (1.0 - esc)
    return _safe_div(br * prob, lim_m)


def _contour_crossings(m_poly: FloatArray, g_poly: FloatArray, m_a: FloatArray) -> FloatArray:
    """log10 g of the crossings of the closed polygon with vertical lines at m_a.

    Returns shape (N, K): crossings sorted ascending per row, NaN-padded at the end.
    """
    lm, lg = np.log10(m_poly), np.log10(g_poly)
    lm2, lg2 = np.roll(lm, -1), np.roll(lg, -1)
    x = np.log10(m_a).reshape(-1, 1)
    lo, hi = np.minimum(lm, lm2), np.maximum(lm, lm2)
    hit = (x >= lo) & (x < hi) & (hi > lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x - lm) / (lm2 - lm)
        y = np.where(hit, lg + t * (lg2 - lg), np.nan)
    return np.sort(y, axis=1)[:, : max(int(hit.sum(axis=1).max(initial=0)), 2)]


def _ratio_contour(info: LimitInfo, p: PointArrays) -> FloatArray:
    m_poly, g_poly = load_contour(info.file, info.format)
    shape = np.broadcast(p.m_a, p.g_aWW, p.br_inv).shape
    ma = np.broadcast_to(p.m_a, shape).ravel()
    lg = np.log10(np.maximum(np.broadcast_to(p.g_aWW, shape), 1e-300)).ravel()[:, None]
    m_unique, inverse = np.unique(ma, return_inverse=True)
    ys = _contour_crossings(m_poly, g_poly, m_unique)[inverse.ravel()]
    if ys.shape[1] % 2:
        ys = np.concatenate([ys, np.full((ys.shape[0], 1), np.nan)], axis=1)
    lo, hi = ys[:, 0::2], ys[:, 1::2]
    # squared coupling distance to the nearest edge of each excluded band [lo, hi]
    dist = np.fmin(lg - lo, hi - lg)
    best = np.nanmax(np.where(np.isfinite(dist), dist, -np.inf), axis=1)
    out = np.where(np.isfinite(best), 10.0 ** (2.0 * best), 0.0)
    applicable = np.broadcast_to(p.br_inv, shape).ravel() < BEAM_DUMP_MAX_BR_INV
    return np.where(applicable, out, np.nan).reshape(shape)


def ratio_arrays(key: str, p: PointArrays, **flavour_opts: object) -> FloatArray:
    """Prediction/limit for limit ``key`` on vectorised ALP properties (NaN: not applicable)."""
    info = limit_info(key)
    if info.channel == "beam_dump":
        return _ratio_contour(info, p)
    br = _branching_ratio(info.process, p.m_a, p.g_aWW, **flavour_opts)
    if info.format == "grid":
        return _ratio_grid_limit(info, p, br)
    return _ratio_flat_limit(info, p, br)


def ratio_grid(
    key: str,
    m_a: ArrayLike,
    g_aWW: ArrayLike,
    *,
    m_chi: ArrayLike | None = None,
    g_achi: ArrayLike = 0.0,
    g_aBB: ArrayLike = 0.0,
    **flavour_opts: object,
) -> FloatArray:
    """Prediction/limit on a broadcast grid of (m_a, g_aWW), e.g. for contour plots.

    ``m_chi=None`` closes a → χχ̄ (pure diphoton ALP). Draw the exclusion as the contour 1.
    """
    return ratio_arrays(key, point_arrays(m_a, g_aWW, m_chi, g_achi, g_aBB), **flavour_opts)


# ----------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Verdict:
    """One experiment's verdict on a model point."""

    key: str
    label: str
    status: Status
    reference: str
    applicable: bool
    ratio: float
    excluded: bool
    note: str = ""


def _note(info: LimitInfo, ratio: float) -> str:
    if info.channel == "beam_dump" and not np.isfinite(ratio):
        return "not applicable: the ALP decays invisibly (BR(a→χχ̄) ≥ 1%)"
    if ratio == 0.0:
        return "no sensitivity at this mass and lifetime"
    return ""


def verdicts(model: ALPModel, **flavour_opts: object) -> list[Verdict]:
    """Verdict of every catalogued experiment on ``model`` (ratio > 1 ⇒ excluded)."""
    p = point_arrays(model.m_a, model.g_aWW, model.m_chi, model.g_achi, model.g_aBB)
    out = []
    for info in limit_catalogue():
        r = float(ratio_arrays(info.key, p, **flavour_opts))
        applicable = bool(np.isfinite(r))
        out.append(
            Verdict(
                key=info.key,
                label=info.label,
                status=info.status,
                reference=info.reference,
                applicable=applicable,
                ratio=r,
                excluded=applicable and r > 1.0,
                note=_note(info, r),
            )
        )
    return out


def is_excluded(model: ALPModel, include_projections: bool = False, **flavour_opts: object) -> bool:
    """True if any measured (optionally also projected) limit excludes ``model``."""
    return any(
        v.excluded and (include_projections or v.status == "measured")
        for v in verdicts(model, **flavour_opts)
    )


# ----------------------------------------------------------------------------- plane curves
def curve_in_plane(
    key: str, m_a: ArrayLike | None = None, **flavour_opts: object
) -> tuple[FloatArray, FloatArray]:
    """A curve for plotting in the (m_a [GeV], g_aWW [GeV⁻¹]) plane.

    Beam dumps: the closed contour (valid for an ALP decaying to photons). Rate limits: the
    upper bound on g_aWW for an invisibly decaying ALP (missing-energy scenario, BR_inv = 1,
    where the rate scales as g_aWW² and the lifetime is irrelevant), on ``m_a`` (default: a
    log grid over the curve's mass range). Masses without sensitivity give NaN. For the
    displaced-diphoton scenario use :func:`ratio_grid` and draw its contour at 1.
    """
    info = limit_info(key)
    if info.channel == "beam_dump":
        return load_contour(info.file, info.format)
    if m_a is None:
        lo, hi = _mass_range(info)
        m_a = np.geomspace(max(lo, 1e-3), hi, 300)
    ma = np.asarray(m_a, dtype=float)
    g_ref = 1e-4
    p = PointArrays(ma, np.full(ma.shape, g_ref), np.ones(ma.shape), np.zeros(ma.shape))
    r = ratio_arrays(key, p, **flavour_opts)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(r > 0, g_ref / np.sqrt(r), np.nan)
    return ma, g


def _mass_range(info: LimitInfo) -> tuple[float, float]:
    if info.format == "grid":
        g = load_grid(info.file)
        return float(g.m[0]), float(g.m[-1])
    if info.format == "band":
        b = load_band(info.file)
        return float(b.m[0]), float(b.m[-1])
    m, _ = load_binned(info.file)
    return float(m[0]), float(m[-1])
