"""Belle II B⁺→K⁺νν̄ excess as a target for BR(B⁺→K⁺a)·P_inv (``docs/physics.md#experiments``).

Two definitions, selectable (labels and help text for a user interface: :data:`TARGET_LABELS`,
:data:`TARGET_HELP`):

- ``"excess"``: ΔBR = BR_meas − BR_SM, independent of m_a. Belle II (arXiv:2311.14647):
  (2.3 ± 0.5 stat +0.5/−0.4 syst)×10⁻⁵; SM (5.58 ± 0.37)×10⁻⁶. Errors added in quadrature,
  asymmetric. Belle II measured a rate assuming the SM three-body q² shape, so for a
  two-body B→Ka this is a *proxy*.
- ``"two_body_fit"``: the m_a-dependent preferred band of a two-body B→KX fit.
  ``source="altmannshofer2023"`` (default): Altmannshofer, Crivellin, Haigh, Inguglia,
  Martin Camalich, arXiv:2311.14629, Belle II alone (file ``BelleII_BtoK_bestfit.txt``,
  central and 1σ band). ``source="belle2_recast2025"``: Belle II model-agnostic
  likelihood recast, arXiv:2507.12393 (``BelleII_BtoKinv.txt``; junk rows near the end
  point are clipped, see :mod:`physics.limits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C
from .limits import load_band

TargetKind = Literal["excess", "two_body_fit"]
TargetSource = Literal["altmannshofer2023", "belle2_recast2025"]
DEFAULT_TARGET: TargetKind = "excess"
"""The target used when none is chosen (belle2_target, physics.viable)."""

TARGET_CHOICES: tuple[str, ...] = ("excess", "two_body_fit")
"""The Belle II target definitions, in display order."""
TARGET_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "excess": "Belle II excess ΔBR (three-body-shape proxy)",
        "two_body_fit": "Two-body fit, m_a-dependent (recommended)",
    }
)
"""Short labels of the targets (one source for every user interface)."""
TARGET_HELP: Mapping[str, str] = MappingProxyType(
    {
        "excess": (
            "ΔBR = BR_meas − BR_SM = (2.3 − 0.558)×10⁻⁵, independent of m_a. Belle II measured "
            "B⁺→K⁺νν̄ assuming the Standard-Model three-body q² spectrum, so for a two-body "
            "B⁺→K⁺a this is only a proxy; the two-body fit is the shape-appropriate target."
        ),
        "two_body_fit": (
            "The m_a-dependent preferred band of a fit of Belle II's data to a two-body "
            "B⁺→K⁺X signal (Altmannshofer et al., arXiv:2311.14629; peak ≈ 8.8×10⁻⁶ near "
            "2 GeV). Recommended: it accounts for the two-body q² shape."
        ),
    }
)
"""One-paragraph help for each target (recommends the two-body fit)."""

_BAND_FILES = {
    "altmannshofer2023": "alpaca/BelleII_BtoK_bestfit.txt",
    "belle2_recast2025": "alpaca/BelleII_BtoKinv.txt",
}

M_MAX_B_TO_K = C.M_B_PLUS - C.M_K_PLUS


def excess_central_and_errors() -> tuple[float, float, float]:
    """ΔBR = BR_meas − BR_SM and its (lower, upper) 1σ errors."""
    central = C.BR_BKNUNU_BELLE2 - C.BR_BKNUNU_SM
    up = np.sqrt(C.BR_BKNUNU_BELLE2_STAT**2 + C.BR_BKNUNU_BELLE2_SYST_UP**2 + C.BR_BKNUNU_SM_ERR**2)
    down = np.sqrt(C.BR_BKNUNU_BELLE2_STAT**2 + C.BR_BKNUNU_BELLE2_SYST_DOWN**2 + C.BR_BKNUNU_SM_ERR**2)
    return central, float(down), float(up)


def belle2_target(
    m_a: ArrayLike,
    kind: TargetKind = DEFAULT_TARGET,
    *,
    n_sigma: float = 1.0,
    source: TargetSource = "altmannshofer2023",
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Target band for BR(B⁺→K⁺a)·P_inv at ALP mass m_a [GeV]: (central, low, high).

    ``kind="excess"`` (m-independent ΔBR) or ``"two_body_fit"`` (m-dependent band);
    ``n_sigma`` scales the 1σ half-widths (low is clipped at 0). Arrays broadcast to the
    shape of ``m_a``; NaN outside the kinematic range (or outside the fit's mass range).
    """
    ma = np.asarray(m_a, dtype=float)
    if not np.all(np.isfinite(ma)):
        raise ValueError("m_a must be finite")
    if not (np.isfinite(n_sigma) and n_sigma > 0):
        raise ValueError(f"n_sigma must be > 0, got {n_sigma!r}")
    valid = (ma > 0) & (ma < M_MAX_B_TO_K)
    if kind == "excess":
        c, d, u = excess_central_and_errors()
        central = np.full(ma.shape, c)
        low = np.full(ma.shape, max(c - n_sigma * d, 0.0))
        high = np.full(ma.shape, c + n_sigma * u)
    elif kind == "two_body_fit":
        if source not in _BAND_FILES:
            raise ValueError(f"source must be one of {sorted(_BAND_FILES)}, got {source!r}")
        band = load_band(_BAND_FILES[source])
        m, cen, lo, hi = band.m, band.central, band.low, band.high
        inside = (ma >= m[0]) & (ma <= m[-1])
        valid &= inside
        central = np.interp(ma, m, cen)
        low = np.clip(central - n_sigma * (central - np.interp(ma, m, lo)), 0.0, None)
        high = central + n_sigma * (np.interp(ma, m, hi) - central)
    else:
        raise ValueError(f"kind must be one of {TARGET_CHOICES}, got {kind!r}")
    nan = np.nan
    return (np.where(valid, central, nan), np.where(valid, low, nan), np.where(valid, high, nan))
