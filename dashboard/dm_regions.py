"""Overlays of the DM plane (m_a, g_aχχ): the CMB-excluded and the jointly viable regions.

The heavy part of the plane, Ωh² by the nBE and the cBE at every node, is
:func:`dashboard.relic_data.dm_plane` (cached, or read from data/precomputed). Everything here is
cheap and vectorised over the same nodes, so changing the Belle II target, n_σ, r_max, BaBar's
treatment, the C_WW mapping or the method redraws the overlays without recomputing Ωh²:

- CMB: p_ann / Planck 2018 limit (:func:`physics.cmb.p_ann_ratio_kernel`, the convention of the
  ``"planck_cmb"`` verdict);
- measured hard limits: the largest prediction/limit ratio (:func:`physics.ratio_grid`; BaBar's
  two-body band only when it is counted as a limit);
- the criteria of :func:`physics.viability`, node by node: Belle II band (BR(B→Ka)·P_inv with
  the state's r_max, target and n_σ), |Ωh²/0.120 − 1| within the tolerance by the method,
  no measured limit, CMB, missing energy (δ > 0 and BR(B→Ka)·BR(a→χχ̄) reaching the band).

Each criterion is a *margin* (≥ 0 where it holds: log10 of a ratio, or the relic tolerance minus
the deviation); the jointly viable region is where the smallest margin is ≥ 0, so its contour at
0 interpolates between nodes. ``tests/dashboard/test_dm_regions.py`` checks the nodes against
:func:`physics.viability` point by point.
"""

from __future__ import annotations

import math
from typing import Any, TypedDict, Unpack

import numpy as np
from numpy.typing import NDArray

from physics import br_B_to_K_a, limit_catalogue, ratio_grid
from physics import constants as C
from physics.cmb import p_ann_ratio_kernel
from physics.decays import p_invisible_kernel
from physics.limits import point_arrays
from physics.model import g_agg_from_gWW, m_chi_from_delta
from physics.targets import belle2_target

FloatArray = NDArray[np.float64]
CLIP = 3.0
"""Margins and log ratios are clipped to ±3 decades (a figure needs no more)."""
PLANE_METHODS = ("nbe", "cbe")
"""Methods with Ωh² at every node of the plane (the fBE is one point at a time)."""


def _log10(x: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(x)


def limits_log_ratio(
    M: FloatArray, G: FloatArray, delta: float, g_aWW: float, *, babar_as_limit: bool, cww: str
) -> FloatArray:
    """log10 of the largest ratio over the measured hard limits (0 where none applies)."""
    m_chi = m_chi_from_delta(M, delta)
    best = np.zeros(M.shape)
    for info in limit_catalogue():
        if info.status != "measured" or (info.role == "tension" and not babar_as_limit):
            continue
        r = ratio_grid(info.key, M, g_aWW, m_chi=m_chi, g_achi=G, cww_mapping=cww)
        best = np.fmax(best, np.nan_to_num(r, nan=0.0))
    return _log10(np.maximum(best, 10.0**-CLIP))


def cmb_log_ratio(M: FloatArray, G: FloatArray, delta: float, g_aWW: float) -> FloatArray:
    """log10(p_ann / 3.2×10⁻²⁸ cm³ s⁻¹ GeV⁻¹) (NaN where not applicable)."""
    m_chi = m_chi_from_delta(M, delta)
    y_chi = C.Y_CHI_PER_G_ACHI_M_CHI * G * m_chi
    return _log10(p_ann_ratio_kernel(M, m_chi, g_agg_from_gWW(g_aWW), y_chi))


def belle2_margins(
    M: FloatArray, G: FloatArray, delta: float, g_aWW: float, *, target: str, n_sigma: float, r_max: float
) -> tuple[FloatArray, FloatArray]:
    """(Belle II margin, missing-energy margin) in log10: inside the band ⇔ the first ≥ 0;
    δ > 0 and BR(B→Ka)·BR(a→χχ̄) ≥ the band's lower edge ⇔ the second ≥ 0."""
    m_chi = m_chi_from_delta(M, delta)
    p = point_arrays(M, g_aWW, m_chi, G)
    br = np.asarray(br_B_to_K_a(M, g_aWW), dtype=float)
    signal = br * p_invisible_kernel(M, p.br_inv, p.ctau_m, r_max_m=r_max)
    _, low, high = (np.asarray(v, dtype=float) for v in belle2_target(M, target, n_sigma=n_sigma))  # type: ignore[arg-type]
    with np.errstate(divide="ignore", invalid="ignore"):
        band = np.fmin(_log10(signal / low), _log10(high / signal))
        band = np.where(low > 0, band, _log10(high / signal))  # a lower edge of 0: no lower bound
        invisible = np.where(low > 0, _log10(br * p.br_inv / low), np.inf)
    missing = invisible if delta > 0 else np.full(M.shape, -np.inf)
    return np.nan_to_num(band, nan=-np.inf), np.nan_to_num(missing, nan=-np.inf)


def relic_margin(omega: FloatArray, tolerance: float = C.OMEGA_H2_RELATIVE_TOLERANCE) -> FloatArray:
    """tolerance − |Ωh²/0.120 − 1| (≥ 0: matches Planck; −inf where there is no Ωh²)."""
    dev = np.abs(np.asarray(omega, dtype=float) / C.OMEGA_H2_PLANCK - 1.0)
    return np.where(np.isfinite(dev), tolerance - dev, -np.inf)


class CriterionOptions(TypedDict):
    """The state's fields that the overlays depend on (dashboard.state.AppState)."""

    target: str
    method: str
    n_sigma: float
    r_max: float
    babar: str
    cww: str


def criterion_margins(plane: dict[str, Any], **opts: Unpack[CriterionOptions]) -> dict[str, FloatArray]:
    """Margin of each viability criterion on the nodes of ``plane`` (≥ 0 where it holds), keyed
    like physics.viability's reason prefixes ("belle2", "relic", "limits", "cmb", "scenario"),
    plus the log10 ratios "log_limits_ratio" and "log_cmb_ratio"."""
    m, g = np.asarray(plane["m"], dtype=float), np.asarray(plane["g"], dtype=float)
    delta, g_aWW = float(plane["delta"]), float(plane["g_aWW"])
    M, G = np.meshgrid(m, g)
    log_omega = np.array(plane[f"log_omega_{relic_method(opts['method'])}"], dtype=float)
    babar_as_limit = opts["babar"] == "limit"
    limits = limits_log_ratio(M, G, delta, g_aWW, babar_as_limit=babar_as_limit, cww=opts["cww"])
    cmb = cmb_log_ratio(M, G, delta, g_aWW)
    band, missing = belle2_margins(
        M, G, delta, g_aWW, target=opts["target"], n_sigma=opts["n_sigma"], r_max=opts["r_max"]
    )
    return {
        "belle2": band,
        "relic": relic_margin(10.0**log_omega),
        "limits": -limits,
        "cmb": np.where(np.isfinite(cmb), -cmb, np.inf),  # not applicable: no bound
        "scenario": missing,
        "log_limits_ratio": limits,
        "log_cmb_ratio": cmb,
    }


def relic_method(method: str) -> str:
    """The method whose Ωh² the plane holds for ``method`` (the fBE has none: the cBE stands in)."""
    return method if method in PLANE_METHODS else "cbe"


CRITERIA = ("belle2", "relic", "limits", "cmb", "scenario")


def regions(plane: dict[str, Any], **opts: Unpack[CriterionOptions]) -> dict[str, Any]:
    """CMB ratio, limit ratio and the jointly viable margin on the nodes of ``plane``
    (:func:`dashboard.relic_data.dm_plane`); plain lists (JSON-safe)."""
    margins = criterion_margins(plane, **opts)
    joint = np.minimum.reduce([margins[k] for k in CRITERIA])
    method = opts["method"]
    used = relic_method(method)
    return {
        "relic_method": used,
        "method_note": "" if used == method else f"{method} has no plane: Ωh² by {used}",
        "log_cmb_ratio": _grid(margins["log_cmb_ratio"]),
        "log_limits_ratio": _grid(margins["log_limits_ratio"]),
        "viable_margin": _grid(joint),
        "n_viable": int(np.count_nonzero(joint >= 0)),
        "criteria_nodes": {k: int(np.count_nonzero(margins[k] >= 0)) for k in CRITERIA},
    }


def _grid(a: FloatArray) -> list[list[float | None]]:
    """Clipped to ±CLIP, rounded to 3 decimals; NaN → None."""
    clipped = np.clip(a, -CLIP, CLIP)
    return [[round(float(v), 3) if math.isfinite(v) else None for v in row] for row in clipped]
