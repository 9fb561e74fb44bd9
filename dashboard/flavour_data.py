"""Flavour-side numbers and curves for the dashboard (cached; plain data, no Dash).

The public functions take the dashboard state, pick the fields the result depends on
(:data:`dashboard.dependencies.DEPENDS_ON`, rounded to 4 significant figures) and call memoized
workers; results are plain dicts/lists (JSON-safe: NaN → None) so they pickle into the cache
and serialise into figures and the CSV export.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from physics import (
    ALPModel,
    belle2_target,
    br_a_invisible,
    br_B_to_K_a,
    br_K_to_pi_a,
    ctau,
    curve_in_plane,
    g_aWW_band,
    limit_catalogue,
    p_invisible_belle2,
    ratio_grid,
    scenario,
    total_width,
    verdicts,
)
from physics.decays import SCENARIO_LABELS, belle2_decay_length
from physics.limits import tension_band_in_plane
from physics.model import m_chi_from_delta

from .cache import finite_or_none, memoized
from .dependencies import cache_args
from .state import AppState

PLANE_M_RANGE = (0.02, 5.0)
"""m_a axis of the flavour plane [GeV]."""
PLANE_G_RANGE = (1e-8, 1e-1)
"""g_aWW axis of the flavour plane [GeV⁻¹]."""
GRID_N_M = 90
GRID_N_G = 80
BAND_M_MAX = 4.78


def _as_list(a: np.ndarray, digits: int = 5) -> list[float | None]:
    """Round to ``digits`` significant figures; NaN/inf → None (JSON null)."""
    out: list[float | None] = []
    for v in np.asarray(a, dtype=float).ravel():
        out.append(float(f"{v:.{digits}g}") if math.isfinite(v) else None)
    return out


# ----------------------------------------------------------------------------- the point
def flavour_point(state: AppState) -> dict[str, Any]:
    """Flavour numbers of one point: decays, BR·P_inv vs the Belle II target, every verdict.

    Raises ``ValueError`` (from :class:`physics.ALPModel`) for a point outside the model's domain.
    """
    return _flavour_point(*cache_args(state, "flavour_point"))


@memoized
def _flavour_point(
    m_a: float,
    delta: float,
    g_aWW: float,
    g_achi: float,
    target: str,
    n_sigma: float,
    r_max: float,
    babar: str,
    cww: str,
) -> dict[str, Any]:
    model = ALPModel.from_detuning(m_a, delta, g_aWW, g_achi)
    br_bk = float(br_B_to_K_a(m_a, g_aWW))
    p_inv = p_invisible_belle2(model, r_max_m=r_max)
    band = belle2_target(m_a, target, n_sigma=n_sigma)  # type: ignore[arg-type]
    central, low, high = (float(v) for v in band)
    signal = br_bk * p_inv
    in_band = bool(math.isfinite(low) and low <= signal <= high)
    signature = scenario(model, r_max_m=r_max)
    rows = [
        {
            "key": v.key,
            "label": v.label,
            "status": v.status,
            "reference": v.reference,
            "applicable": v.applicable,
            "ratio": finite_or_none(v.ratio),
            "excluded": v.excluded,
            "note": v.note,
            "role": v.role,
            "pull": finite_or_none(v.pull),
        }
        for v in verdicts(model, babar_as_limit=babar == "limit", cww_mapping=cww)
    ]
    return {
        "m_a": m_a,
        "delta": delta,
        "m_chi": model.m_chi,
        "g_aWW": g_aWW,
        "g_achi": g_achi,
        "g_agg": model.g_agg,
        "scenario": model.scenario,
        "signature": signature,
        "signature_label": SCENARIO_LABELS[signature],
        "decay_length_m": finite_or_none(belle2_decay_length(model)),
        "r_max": r_max,
        "width_total": total_width(model),
        "br_inv": br_a_invisible(model),
        "ctau_m": finite_or_none(ctau(model)),
        "br_B_to_K_a": br_bk,
        "br_K_to_pi_a": float(br_K_to_pi_a(m_a, g_aWW)),
        "p_inv": p_inv,
        "signal": signal,
        "target_kind": target,
        "n_sigma": n_sigma,
        "target": [finite_or_none(central), finite_or_none(low), finite_or_none(high)],
        "in_belle2_band": in_band,
        "verdicts": rows,
        "excluded_by": [r["label"] for r in rows if r["excluded"] and r["status"] == "measured"],
        "projected_by": [r["label"] for r in rows if r["excluded"] and r["status"] == "projection"],
        "tensions": [r for r in rows if r["role"] == "tension"],
    }


# ----------------------------------------------------------------------------- the plane
def _band(delta: float, g_achi: float, target: str, n_sigma: float, r_max: float) -> dict[str, Any]:
    """g_aWW for which BR(B→Ka)·P_inv hits the Belle II target versus m_a (physics.g_aWW_band):
    the experimental band and the wider one with the theory errors (B→K form factor, top-mass
    scheme, SM prediction). A lower edge of 0 (no lower bound) is drawn at the plot's bottom."""
    m = np.geomspace(PLANE_M_RANGE[0], BAND_M_MAX, 160)
    band = g_aWW_band(m, delta, g_achi, target=target, n_sigma=n_sigma, theory=True, r_max=r_max)
    g_max, g_min = PLANE_G_RANGE[1], PLANE_G_RANGE[0]

    def edge(g: np.ndarray) -> list[float | None]:
        g = np.where(g == 0.0, g_min, g)
        return _as_list(np.where(g <= g_max, g, np.nan))

    out: dict[str, Any] = {"m": _as_list(m)}
    names = {"central": "g_central", "exp_lower": "g_low", "exp_upper": "g_high"}
    names |= {"lower": "g_theory_low", "upper": "g_theory_high"}
    for attr, key in names.items():
        out[key] = edge(getattr(band, attr))
    out["columns"] = {k: _as_list(v) for k, v in band.columns().items()}
    out.update(n_sigma=n_sigma, r_max=r_max, theory=True)
    return out


def _tension_band() -> dict[str, Any]:
    """BaBar's two-body B→KX band in the plane for an invisible ALP (physics.limits):
    g_aWW at its central value (pull 0) and at its 2σ edge (pull 2)."""
    m, g0, g2 = tension_band_in_plane()
    return {"m": _as_list(m, 4), "g_pull0": _as_list(g0, 4), "g_pull2": _as_list(g2, 4)}


def _crop(z: np.ndarray, m_axis: np.ndarray, g_axis: np.ndarray) -> dict[str, Any]:
    """The part of a log10-ratio grid around the excluded region (keeps figures small)."""
    hot = z > -0.5
    rows, cols = np.flatnonzero(hot.any(axis=1)), np.flatnonzero(hot.any(axis=0))
    r0, r1 = max(rows[0] - 1, 0), min(rows[-1] + 2, z.shape[0])
    c0, c1 = max(cols[0] - 1, 0), min(cols[-1] + 2, z.shape[1])
    sub = np.clip(z[r0:r1, c0:c1], -1.0, 1.0)
    return {
        "x": _as_list(m_axis[c0:c1], 4),
        "y": _as_list(g_axis[r0:r1], 4),
        "z": [[round(float(v), 2) for v in row] for row in sub],
    }


def _thin(m: np.ndarray, g: np.ndarray, n_max: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th vertex of a closed contour (at most ``n_max``), keeping it closed."""
    step = max(1, math.ceil(len(m) / n_max))
    idx = np.r_[np.arange(0, len(m), step), 0]
    return m[idx], g[idx]


def _info_dict(info: Any) -> dict[str, Any]:
    return {
        "key": info.key,
        "label": info.label,
        "status": info.status,
        "reference": info.reference,
        "channel": info.channel,
    }


def flavour_background(state: AppState) -> dict[str, Any]:
    """Everything in the (m_a, g_aWW) plane that does not depend on the point itself.

    Missing-energy scenario (δ > 0): rate limits on an invisible ALP are lines from
    :func:`physics.curve_in_plane` (excluded above); diphoton searches are contours of
    :func:`physics.ratio_grid` at 1. Displaced-diphoton scenario (δ < 0): every rate limit is a
    ratio-grid contour at the current δ and g_aχχ. Beam dumps: closed contours.
    """
    return _flavour_background(*cache_args(state, "flavour_background"))


@memoized
def _flavour_background(
    delta: float, g_achi: float, target: str, n_sigma: float, r_max: float, babar: str, cww: str
) -> dict[str, Any]:
    missing = delta > 0
    as_limit = babar == "limit"
    m_axis = np.geomspace(*PLANE_M_RANGE, GRID_N_M)
    g_axis = np.geomspace(*PLANE_G_RANGE, GRID_N_G)
    M, G = np.meshgrid(m_axis, g_axis)  # shape (n_g, n_m): rows are g
    m_chi = m_chi_from_delta(M, delta)
    lines, grids, beams, tensions = [], [], [], []
    for info in limit_catalogue():
        meta = {**_info_dict(info), "role": "limit" if as_limit else info.role}
        if info.channel == "beam_dump":
            m, g = _thin(*curve_in_plane(info.key, cww_mapping=cww))
            beams.append({**meta, "m": _as_list(m, 4), "g": _as_list(g, 4)})
        elif missing and info.role == "tension":  # dashed band (and, as a limit, its 2σ edge shaded)
            tensions.append({**meta, **_tension_band()})
        elif missing and info.channel == "invisible":
            m, g = curve_in_plane(info.key)
            lines.append({**meta, "m": _as_list(m), "g": _as_list(g)})
        else:
            r = ratio_grid(info.key, M, G, m_chi=m_chi, g_achi=g_achi, cww_mapping=cww)
            if not np.any(np.nan_to_num(r) > 1.0):
                continue
            with np.errstate(divide="ignore"):
                z = np.clip(np.log10(np.where(np.isfinite(r) & (r > 0), r, 1e-3)), -3.0, 3.0)
            grids.append({**meta, **_crop(z, m_axis, g_axis)})
    return {
        "delta": delta,
        "g_achi": g_achi,
        "target": target,
        "babar": babar,
        "cww": cww,
        "scenario": "missing_energy" if missing else "displaced_diphoton",
        "band": _band(delta, g_achi, target, n_sigma, r_max),
        "lines": lines,
        "tensions": tensions,
        "grids": grids,
        "beams": beams,
    }
