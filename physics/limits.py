"""Experimental limits: loading, verdicts for a model point, curves in the (m_a, g_aWW) plane.

The curves, their references, confidence levels, measured/projection status and role (hard
limit or tension) are listed in ``physics/data/limits/catalogue.toml`` (files copied from
ALPaca, ALPINIST and AxionLimits with their licences). How a model point is compared with each
kind of curve (``docs/physics.md#experiments``; edge rules ``docs/physics.md#limit-reading``):

- Lifetime grids (NA62 2020/2025, E949, BaBar displaced, NA62 and E787 K→πγγ): the grid limit
  L(m_a, τ) already folds in the probability that an ALP of proper lifetime τ escapes
  (invisible searches) or decays in the fiducial volume (diphoton searches); it is read at the
  ALP's own lifetime. With an invisible branching ratio the signal yields add, so
  R = BR·BR_inv / L(m_a, τ_max) + BR·(1 − BR_inv) / L(m_a, τ) for invisible searches
  (a → χχ̄ is invisible whatever the lifetime) and R = BR·BR_γγ / L(m_a, τ) for diphotons.
  Edges (:meth:`LifetimeGrid.log_limit_at`): a log10 τ = −∞ row is the prompt limit (τ = 0);
  diphoton searches accept prompt decays, so below the shortest finite lifetime τ₁ they read
  log10 L linearly in τ between the prompt row and τ₁, or the τ₁ row if there is no prompt
  row; above τ_max, L ∝ τ. Invisible searches below τ₁ use log10 L = a + b/τ fitted per mass
  through the two shortest rows (no limit if b ≤ 0 or a row is empty); above τ_max the τ_max
  row. NaN cells (vetoed windows, no sensitivity) give no limit and are never interpolated
  across (:func:`interp_no_bridge`).
- Flat (m-binned) limits on a stable X: R = BR · P_inv / L(m_a), with P_inv from the
  experiment's parent boost and detector size (:func:`physics.decays.p_invisible_kernel`).
  BaBar prompt diphotons: R = BR · BR_γγ · P(decay within r_min) / L(m_a). NaN rows of the
  files mark the edges of vetoed windows (π⁰; η, η′): no limit in between.
- Tension bands (BaBar's two-body B→KX fit): a preferred band, not an upper limit. The verdict
  carries the pull (s − c)/σ (:func:`tension_pull_arrays`) and is never ``excluded``; with
  ``babar_as_limit=True`` its 2σ upper edge is read as a limit. The ratio is to that edge.
- Beam dumps (closed contours for an ALP decaying only to photons): applicable only when
  BR(a → χχ̄) < 1 %, otherwise the lifetime and yield they assume do not hold ("not
  applicable"). The reported ratio is the squared coupling distance to the nearest edge of
  the excluded band at that mass: 1 on the contour, > 1 inside, < 1 outside.

Conversions: ALPINIST's L ⊃ g² C_WW (a/Λ) W W̃ gives g_aWW = 4g² C_WW/Λ = 16π α₂ C_WW/Λ, with
two choices of the coupling (:data:`CWW_MAPPINGS`): α₂ = α(0)/s_W² (reproduces ALPINIST's
Γ(a→γγ); 1.586) or ALPINIST's production coupling g_W = 0.6529 (1.705, the default: the lower
edge of a contour scales as (production × Γ)^{1/4}, and this choice places it at larger g_aWW).
AxionLimits' photon coupling converts as g_aWW = g_aγγ/s_W².
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C
from .cmb import cmb_verdict_fields
from .decays import (
    ctau_kernel,
    escape_probability,
    p_invisible_kernel,
    width_chi_kernel,
    width_photons_kernel,
)
from .flavour import br_B_to_K_a, br_K_to_pi_a, br_KL_to_pi0_a, g_aWW_for_br_B_to_K_a
from .model import ALPModel

FloatArray = NDArray[np.float64]
Status = Literal["measured", "projection"]
Role = Literal["limit", "tension"]
"""A catalogued curve is a hard ``"limit"`` (ratio > 1 excludes) or a ``"tension"`` (a preferred
band whose edge a prediction may exceed: reported with its pull, never counted as excluded)."""
GridReading = Literal["visible", "invisible"]

DATA_DIR = Path(str(resources.files("physics") / "data" / "limits"))
SPEED_OF_LIGHT_M_PER_PS = 299792458.0e-12
BEAM_DUMP_MAX_BR_INV = 0.01

# ALPINIST (arXiv:2201.05170) writes L ⊃ g² C_WW (a/Λ) W W̃, i.e. g_aWW = 4 g² C_WW/Λ = 16π α₂ C_WW/Λ.
# Its Γ(a→γγ) = 4πα² m³ C²/Λ² needs α₂ = α(0)/s_W²; its meson production uses g_W = 0.6529.
# The lower (long-lived) edge of a contour scales as (production × Γ)^{1/4}, so the g_W mapping
# (7.5 % larger g_aWW per C_WW/Λ) is the conservative one there: docs/physics.md#experiments.
CWW_MAPPINGS: Mapping[str, float] = MappingProxyType(
    {
        "alpinist_gW": 4.0 * C.G_W_ALPINIST**2,
        "alpha0_sW2": 16.0 * math.pi * C.ALPHA_EM_0 / C.SIN2_THETA_W,
    }
)
"""g_aWW [GeV⁻¹] per unit C_WW/Λ [GeV⁻¹] for each ALPINIST mapping (1.705 and 1.586)."""
CWW_MAPPING_CHOICES: tuple[str, ...] = tuple(CWW_MAPPINGS)
CWW_MAPPING_DEFAULT = "alpinist_gW"
"""Default C_WW → g_aWW mapping: the conservative one at the lower edge of the beam-dump contours."""
CWW_MAPPING_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "alpinist_gW": (
            "g_aWW = 4 g_W² C_WW/Λ with ALPINIST's g_W = 0.6529 (16πα_W = 1.705): its production "
            "coupling; default, conservative at the lower edge"
        ),
        "alpha0_sW2": (
            "g_aWW = 16π α(0)/s_W² C_WW/Λ (= 1.586): reproduces ALPINIST's Γ(a→γγ); 7.5 % lower g_aWW"
        ),
    }
)


def cww_to_g_aWW(mapping: str = CWW_MAPPING_DEFAULT) -> float:
    """g_aWW [GeV⁻¹] per unit ALPINIST C_WW/Λ [GeV⁻¹] in the chosen ``mapping`` (ValueError if unknown)."""
    try:
        return CWW_MAPPINGS[mapping]
    except (KeyError, TypeError):
        raise ValueError(f"cww_mapping must be one of {CWW_MAPPING_CHOICES}, got {mapping!r}") from None


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
    """Upper limits L(m_a, τ) of an ALPaca lifetime grid (``docs/physics.md#limit-reading``).

    ``m`` [GeV] and the finite ``log_tau`` = log10(τ/ps) rows ascend; ``log_limit`` has shape
    (len(log_tau), len(m)) and holds log10 L (NaN: no limit, e.g. a vetoed mass window).
    ``log_limit_prompt`` is the grid's log10 τ = −∞ row (the prompt limit) when it has one.
    """

    m: FloatArray
    log_tau: FloatArray
    log_limit: FloatArray
    log_limit_prompt: FloatArray | None = None

    @property
    def tau_min_ps(self) -> float:
        """Shortest finite tabulated lifetime [ps]."""
        return float(10.0 ** self.log_tau[0])

    @property
    def tau_max_ps(self) -> float:
        """Longest tabulated lifetime [ps]."""
        return float(10.0 ** self.log_tau[-1])

    def log_limit_at(self, m_a: ArrayLike, tau_ps: ArrayLike, reading: GridReading) -> FloatArray:
        """log10 L at (m_a, τ) by the reading rules of ``docs/physics.md#limit-reading``; NaN = no limit.

        Inside the tabulated lifetimes: linear in (m_a, log10 τ), never across a NaN cell.
        ``reading="visible"`` (diphoton searches, which accept prompt decays): below the shortest
        finite lifetime τ₁, log10 L runs linearly in τ from the prompt row (τ = 0) to τ₁ if the
        grid has one, else the τ₁ row is used (ALPaca's clamp); above τ_max, L ∝ τ (the
        decay-in-volume probability of a long-lived ALP ∝ 1/τ).
        ``reading="invisible"``: below τ₁, log10 L = a + b/τ fitted per mass through the two
        shortest rows (b > 0 required, else no limit); above τ_max, the τ_max row (conservative).
        """
        ma = np.asarray(m_a, dtype=float)
        tau = np.asarray(tau_ps, dtype=float)
        ma, tau = np.broadcast_arrays(ma, tau)
        shape = ma.shape
        ma, tau = ma.ravel(), tau.ravel()
        rows = interp_no_bridge(ma, self.m, self.log_limit)  # (n_tau, N)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lt = np.log10(tau)
            inside = _interp_rows(self.log_tau, rows, np.clip(lt, self.log_tau[0], self.log_tau[-1]))
            t1, t2 = self.tau_min_ps, float(10.0 ** self.log_tau[1])
            if reading == "visible":
                if self.log_limit_prompt is not None:
                    prompt = interp_no_bridge(ma, self.m, self.log_limit_prompt)
                    below = prompt + (tau / t1) * (rows[0] - prompt)
                else:
                    below = rows[0]
                above = rows[-1] + lt - self.log_tau[-1]
            elif reading == "invisible":
                slope = (rows[0] - rows[1]) / (1.0 - t1 / t2)  # d log10 L / d(τ₁/τ)
                below = np.where(slope > 0, rows[0] + slope * (t1 / tau - 1.0), np.nan)
                above = rows[-1]
            else:
                raise ValueError(f"reading must be 'visible' or 'invisible', got {reading!r}")
            out = np.where(tau < t1, below, np.where(tau > self.tau_max_ps, above, inside))
        return out.reshape(shape)

    def limit(self, m_a: ArrayLike, tau_ps: ArrayLike, reading: GridReading) -> FloatArray:
        """L at (m_a, τ) (see :meth:`log_limit_at`); +inf where there is no limit."""
        lg = self.log_limit_at(m_a, tau_ps, reading)
        ok = np.isfinite(lg)
        with np.errstate(over="ignore"):
            return np.where(ok, 10.0 ** np.where(ok, lg, 0.0), np.inf)


def interp_no_bridge(x: ArrayLike, xp: FloatArray, fp: FloatArray) -> FloatArray:
    """Linear interpolation of ``fp[..., k]`` (tabulated at ascending ``xp``) at ``x``.

    NaN outside [xp₀, xp₋₁] and between two nodes of which one is NaN: a NaN marks a vetoed
    window (or no sensitivity), so a limit is never interpolated across it. Exactly at a node
    its own value is returned. Result shape: ``fp.shape[:-1] + x.shape``.
    """
    x = np.asarray(x, dtype=float)
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, xp.size - 2)
    x0, x1 = xp[i], xp[i + 1]
    t = (x - x0) / (x1 - x0)
    f0, f1 = fp[..., i], fp[..., i + 1]
    with np.errstate(invalid="ignore"):
        val = np.where(t <= 0.0, f0, np.where(t >= 1.0, f1, f0 + t * (f1 - f0)))
    return np.where((x >= xp[0]) & (x <= xp[-1]), val, np.nan)


def _interp_rows(log_tau: FloatArray, rows: FloatArray, lt: FloatArray) -> FloatArray:
    """Per point k, linear interpolation of ``rows[:, k]`` in log τ at ``lt[k]`` (inside the rows)."""
    j = np.clip(np.searchsorted(log_tau, lt, side="right") - 1, 0, log_tau.size - 2)
    t = (lt - log_tau[j]) / (log_tau[j + 1] - log_tau[j])
    k = np.arange(lt.size)
    a, b = rows[j, k], rows[j + 1, k]
    with np.errstate(invalid="ignore"):
        return np.where(t <= 0.0, a, np.where(t >= 1.0, b, a + t * (b - a)))


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
    """Load an (m_low, m_high, limit) file as (bin-centre mass, limit), masses ascending.

    Rows whose limit is NaN are kept: they mark the edges of a window the search vetoed
    (π⁰ in K→πX, η and η′ in B→Kγγ), inside which there is no limit
    (:func:`interp_no_bridge` never interpolates across them).
    """
    a = _read_table(relpath)
    a = a[np.isfinite(a[:, 0]) & np.isfinite(a[:, 1]) & ~(a[:, 2] <= 0)]
    m, lim = _strictly_ascending(0.5 * (a[:, 0] + a[:, 1]), a[:, 2])
    return m, lim


@cache
def load_grid(relpath: str) -> LifetimeGrid:
    """Load an ALPaca lifetime grid (.npy, no pickles); a log10 τ = −∞ first row is the prompt row."""
    data = np.load(DATA_DIR / relpath, allow_pickle=False)
    m = data[-1, :-1]
    log_tau = data[:-1, -1]
    log_lim = data[:-1, :-1]
    prompt = None
    if np.isneginf(log_tau[0]):  # the prompt limit (τ → 0), kept apart from the finite rows
        prompt, log_tau, log_lim = log_lim[0], log_tau[1:], log_lim[1:]
    if not (np.all(np.diff(m) > 0) and np.all(np.isfinite(log_tau)) and np.all(np.diff(log_tau) > 0)):
        raise ValueError(f"{relpath}: masses or lifetimes are not strictly ascending")
    if log_tau.size < 2:
        raise ValueError(f"{relpath}: a lifetime grid needs at least two finite lifetimes")
    return LifetimeGrid(m, log_tau, log_lim, prompt)


@cache
def load_contour(
    relpath: str, fmt: str, cww_mapping: str = CWW_MAPPING_DEFAULT
) -> tuple[FloatArray, FloatArray]:
    """Closed exclusion contour in the (m_a [GeV], g_aWW [GeV⁻¹]) plane.

    ALPINIST contours (``contour_cww``) convert with :func:`cww_to_g_aWW` (``cww_mapping``);
    AxionLimits' photon coupling as g_aWW = g_aγγ/s_W².
    """
    factor = cww_to_g_aWW(cww_mapping)
    a = _read_table(relpath)
    a = a[np.all(np.isfinite(a), axis=1) & np.all(a > 0, axis=1)]
    if fmt == "contour_cww":
        return a[:, 0], a[:, 1] * factor
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
    role: Role = "limit"


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
        if base.get("role", "limit") not in ("limit", "tension"):
            raise ValueError(f"catalogue entry {e['key']!r}: role must be 'limit' or 'tension'")
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
    """Prediction/limit for a lifetime grid, read by ``docs/physics.md#limit-reading``."""
    grid = load_grid(info.file)
    tau = p.tau_ps
    if info.channel == "invisible":
        # a → χχ̄ is invisible whatever the lifetime: the most stable tabulated case
        lim_stable = grid.limit(p.m_a, grid.tau_max_ps, "invisible")
        lim_tau = grid.limit(p.m_a, tau, "invisible")
        return _safe_div(br * p.br_inv, lim_stable) + _safe_div(br * (1 - p.br_inv), lim_tau)
    # diphoton searches (prompt decays accepted)
    return _safe_div(br * (1 - p.br_inv), grid.limit(p.m_a, tau, "visible"))


def _parent_betagamma(info: LimitInfo) -> float:
    geo = info.geometry
    if "parent_betagamma" in geo:
        return geo["parent_betagamma"]
    m_parent = _PARENTS[info.process][0]
    return geo["parent_momentum"] / m_parent


def _ratio_flat_limit(info: LimitInfo, p: PointArrays, br: FloatArray) -> FloatArray:
    if info.format == "band":
        band = load_band(info.file)
        m, lim = band.m, band.central + TENSION_N_SIGMA * (band.high - band.central)
    else:
        m, lim = load_binned(info.file)
    lim_m = interp_no_bridge(p.m_a, m, lim)
    lim_m = np.where(np.isfinite(lim_m), lim_m, np.inf)
    return _safe_div(br * _detected_fraction(info, p), lim_m)


def _detected_fraction(info: LimitInfo, p: PointArrays) -> FloatArray:
    """Fraction of ALPs counted by a flat search: invisible (P_inv) or prompt diphotons."""
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
    return prob


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


def _ratio_contour(info: LimitInfo, p: PointArrays, cww_mapping: str = CWW_MAPPING_DEFAULT) -> FloatArray:
    m_poly, g_poly = load_contour(info.file, info.format, cww_mapping)
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


def ratio_arrays(
    key: str, p: PointArrays, *, cww_mapping: str = CWW_MAPPING_DEFAULT, **flavour_opts: object
) -> FloatArray:
    """Prediction/limit for limit ``key`` on vectorised ALP properties (NaN: not applicable).

    For a tension band (role "tension") the ratio is to its 2σ upper edge (ratio 1 ⇔ pull 2).
    ``cww_mapping`` converts ALPINIST contours (:data:`CWW_MAPPING_CHOICES`).
    """
    info = limit_info(key)
    cww_to_g_aWW(cww_mapping)  # validate (also where it does not matter)
    if info.channel == "beam_dump":
        return _ratio_contour(info, p, cww_mapping)
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
    cww_mapping: str = CWW_MAPPING_DEFAULT,
    **flavour_opts: object,
) -> FloatArray:
    """Prediction/limit on a broadcast grid of (m_a, g_aWW), e.g. for contour plots.

    ``m_chi=None`` closes a → χχ̄ (pure diphoton ALP). Draw the exclusion as the contour 1.
    """
    p = point_arrays(m_a, g_aWW, m_chi, g_achi, g_aBB)
    return ratio_arrays(key, p, cww_mapping=cww_mapping, **flavour_opts)


# ----------------------------------------------------------------------------- tensions
BABAR_TENSION_KEY = "babar_bk_inv"
"""Catalogue key of BaBar's two-body B⁺→K⁺X band (Altmannshofer et al., arXiv:2311.14629)."""
TENSION_N_SIGMA = 2.0
"""A tension band is read as a limit at central + 2σ (its ratio is 1 at a pull of 2)."""


def tension_pull_arrays(key: str, p: PointArrays, **flavour_opts: object) -> FloatArray:
    """Pull [σ] of the prediction against a two-body band (catalogue role "tension"), vectorised.

    s = BR(P→P′a) · P_det (the experiment's own invisibility, as for its ratio); with the
    band's central value c and 1σ edges [lo, hi] at m_a:
    pull = (s − c)/(hi − c) for s ≥ c, (s − c)/(c − lo) below (negative). NaN outside the
    band's mass range. Definition: ``docs/physics.md#experiments``.
    """
    info = limit_info(key)
    if info.format != "band":
        raise ValueError(f"{key!r} is not a band: no pull")
    band = load_band(info.file)
    br = _branching_ratio(info.process, p.m_a, p.g_aWW, **flavour_opts)
    s = br * _detected_fraction(info, p)
    c, lo, hi = (interp_no_bridge(p.m_a, band.m, v) for v in (band.central, band.low, band.high))
    sigma = np.where(s >= c, hi - c, c - lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sigma > 0, (s - c) / np.where(sigma > 0, sigma, 1.0), np.nan)


def babar_tension_pull(
    model: ALPModel,
    *,
    cww_mapping: str = CWW_MAPPING_DEFAULT,
    babar_as_limit: bool = False,
    **flavour_opts: object,
) -> float:
    """Pull [σ] of ``model`` against BaBar's two-body B⁺→K⁺X band (NaN outside 0.1–2.9 GeV).

    pull = (s − c)/σ₊ above the central value c (σ₊ = upper 1σ edge − c), (s − c)/σ₋ below,
    with s = BR(B⁺→K⁺a)·P_inv at BaBar (βγ = 0.56, r = 0.5 m); a pull of 2 is the band's 2σ
    edge (ratio 1). ``cww_mapping`` and ``babar_as_limit`` are accepted (and validated) so the
    options of :func:`verdicts` can be passed unchanged; they do not change the pull.
    ``flavour_opts``: ``form_factor``, ``m_top`` as for :func:`physics.br_B_to_K_a`.
    """
    cww_to_g_aWW(cww_mapping)
    p = point_arrays(model.m_a, model.g_aWW, model.m_chi, model.g_achi, model.g_aBB)
    return float(tension_pull_arrays(BABAR_TENSION_KEY, p, **flavour_opts))


# ----------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Verdict:
    """One experiment's verdict on a model point.

    ``role`` is "limit" (``excluded`` when applicable and ratio > 1) or "tension" (a preferred
    band: ``pull`` [σ] says how far the prediction sits above its central value; never
    ``excluded``). Other verdict sources (e.g. the CMB) use the same fields.
    """

    key: str
    label: str
    status: Status
    reference: str
    applicable: bool
    ratio: float
    excluded: bool
    note: str = ""
    role: Role = "limit"
    pull: float = math.nan


def _note(info: LimitInfo, ratio: float, role: Role, pull: float) -> str:
    if info.channel == "beam_dump" and not np.isfinite(ratio):
        return "not applicable: the ALP decays invisibly (BR(a→χχ̄) ≥ 1%)"
    if info.role == "tension" and np.isfinite(pull):
        kind = "counted as a limit at its 2σ edge" if role == "limit" else "a tension, not an exclusion"
        return f"pull {pull:+.1f}σ against the two-body fit ({kind})"
    if not np.isfinite(ratio):
        return "not applicable"
    if ratio == 0.0:
        return "no sensitivity at this mass and lifetime"
    return ""


def _catalogue_verdict(
    info: LimitInfo, p: PointArrays, babar_as_limit: bool, cww_mapping: str, flavour_opts: dict
) -> Verdict:
    r = float(ratio_arrays(info.key, p, cww_mapping=cww_mapping, **flavour_opts))
    applicable = bool(np.isfinite(r))
    role: Role = "limit" if (info.role == "limit" or babar_as_limit) else "tension"
    pull = float(tension_pull_arrays(info.key, p, **flavour_opts)) if info.role == "tension" else math.nan
    return Verdict(
        key=info.key,
        label=info.label,
        status=info.status,
        reference=info.reference,
        applicable=applicable,
        ratio=r,
        excluded=applicable and role == "limit" and r > 1.0,
        note=_note(info, r, role, pull),
        role=role,
        pull=pull,
    )


def verdicts(
    model: ALPModel,
    *,
    babar_as_limit: bool = False,
    cww_mapping: str = CWW_MAPPING_DEFAULT,
    **flavour_opts: object,
) -> list[Verdict]:
    """Verdict of every catalogued experiment on ``model`` (ratio > 1 ⇒ excluded for limits),
    followed by the Planck 2018 CMB bound on late-time annihilation (key ``"planck_cmb"``,
    measured, built by :func:`physics.cmb.cmb_verdict_fields`).

    BaBar's two-body band is a tension (``role="tension"``, with its pull, never excluded)
    unless ``babar_as_limit=True``, which counts its 2σ edge as a hard limit.
    ``cww_mapping`` converts ALPINIST's beam-dump contours (:data:`CWW_MAPPING_CHOICES`,
    default :data:`CWW_MAPPING_DEFAULT`); ``flavour_opts`` (``form_factor``, ``m_top``) go to
    the meson branching ratios.
    """
    cww_to_g_aWW(cww_mapping)
    p = point_arrays(model.m_a, model.g_aWW, model.m_chi, model.g_achi, model.g_aBB)
    opts = dict(flavour_opts)
    as_limit = bool(babar_as_limit)
    out = [_catalogue_verdict(info, p, as_limit, cww_mapping, opts) for info in limit_catalogue()]
    out.append(Verdict(**cmb_verdict_fields(model)))  # Planck 2018 CMB bound (physics.cmb)
    return out


def is_excluded(
    model: ALPModel,
    include_projections: bool = False,
    *,
    babar_as_limit: bool = False,
    cww_mapping: str = CWW_MAPPING_DEFAULT,
    **flavour_opts: object,
) -> bool:
    """True if any measured (optionally also projected) hard limit excludes ``model``.

    Tensions (BaBar's two-body band) do not count unless ``babar_as_limit=True``.
    """
    return any(
        v.excluded and (include_projections or v.status == "measured")
        for v in verdicts(model, babar_as_limit=babar_as_limit, cww_mapping=cww_mapping, **flavour_opts)
    )


# ----------------------------------------------------------------------------- plane curves
def curve_in_plane(
    key: str,
    m_a: ArrayLike | None = None,
    *,
    cww_mapping: str = CWW_MAPPING_DEFAULT,
    **flavour_opts: object,
) -> tuple[FloatArray, FloatArray]:
    """A curve for plotting in the (m_a [GeV], g_aWW [GeV⁻¹]) plane.

    Beam dumps: the closed contour (valid for an ALP decaying to photons), converted with
    ``cww_mapping``. Rate limits: the upper bound on g_aWW for an invisibly decaying ALP
    (missing-energy scenario, BR_inv = 1, where the rate scales as g_aWW² and the lifetime is
    irrelevant), on ``m_a`` (default: a log grid over the curve's mass range); for a tension
    band its 2σ edge. Masses without sensitivity give NaN. For the displaced-diphoton
    scenario use :func:`ratio_grid` and draw its contour at 1.
    """
    info = limit_info(key)
    cww_to_g_aWW(cww_mapping)
    if info.channel == "beam_dump":
        return load_contour(info.file, info.format, cww_mapping)
    ma = _plane_masses(info, m_a)
    g_ref = 1e-4
    r = ratio_arrays(key, _invisible_points(ma, g_ref), cww_mapping=cww_mapping, **flavour_opts)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(r > 0, g_ref / np.sqrt(r), np.nan)
    return ma, g


def tension_band_in_plane(
    key: str = BABAR_TENSION_KEY, m_a: ArrayLike | None = None, *, n_sigma: float = TENSION_N_SIGMA,
    **flavour_opts: object,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(m_a, g at the band's central value, g at central + n_sigma·σ₊) for an invisible ALP.

    The dashed "tension" band of the flavour plane (missing-energy scenario, BR_inv = 1):
    between the two curves the pull is 0 … n_sigma; above the second it exceeds n_sigma.
    NaN where the central value is 0 or outside the band's masses.
    """
    if not (np.isfinite(n_sigma) and n_sigma > 0):
        raise ValueError(f"n_sigma must be finite and > 0, got {n_sigma!r}")
    info = limit_info(key)
    if info.role != "tension":
        raise ValueError(f"{key!r} is not a tension band")
    ma = _plane_masses(info, m_a)
    band = load_band(info.file)
    if info.process != "B+ -> K+ a":
        raise ValueError(f"{key!r}: only B⁺→K⁺a tension bands are supported")
    p_det = _detected_fraction(info, _invisible_points(ma, 1e-4))
    c = interp_no_bridge(ma, band.m, band.central)
    edge = c + n_sigma * (interp_no_bridge(ma, band.m, band.high) - c)
    g_c, g_e = (np.asarray(g_aWW_for_br_B_to_K_a(ma, t, p_det, **flavour_opts)) for t in (c, edge))
    return ma, g_c, g_e


def _plane_masses(info: LimitInfo, m_a: ArrayLike | None) -> FloatArray:
    if m_a is None:
        lo, hi = _mass_range(info)
        return np.geomspace(max(lo, 1e-3), hi, 300)
    return np.asarray(m_a, dtype=float)


def _invisible_points(ma: FloatArray, g_ref: float) -> PointArrays:
    """An ALP decaying promptly and only to χχ̄ (BR_inv = 1) at coupling g_ref."""
    return PointArrays(ma, np.full(ma.shape, g_ref), np.ones(ma.shape), np.zeros(ma.shape))


def _mass_range(info: LimitInfo) -> tuple[float, float]:
    if info.format == "grid":
        g = load_grid(info.file)
        return float(g.m[0]), float(g.m[-1])
    if info.format == "band":
        b = load_band(info.file)
        return float(b.m[0]), float(b.m[-1])
    m, _ = load_binned(info.file)
    return float(m[0]), float(m[-1])
