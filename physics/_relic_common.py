"""Types and constants shared by the relic-density solvers (physics.relic, physics.fbe).

Imports flow one way: ``relic`` → ``fbe`` → this module (and ``relic`` → this module).
Conventions and flag meanings: docs/relic.md#relic-flags.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .constants import ENTROPY_TODAY_CM3, RHO_CRIT_OVER_H2_GEV_CM3

FloatArray = NDArray[np.float64]

METHODS = ("nbe", "cbe", "fbe")
TIGHT_COUPLING_FACTOR = 1e8
"""tight_coupling=True adds this multiple of H to γ (forces kinetic equilibrium;
docs/relic.md#cbe-derivation)."""
FREEZE_OUT_RATIO = 2.0
"""x_freeze_out is where Y = FREEZE_OUT_RATIO · Y_eq (first crossing)."""

X_START_BE = 1.0
"""Default latest start of the nBE/cBE: x = min(X_START_BE, x_kd/2)."""
X_START_FBE = 3.0
"""Default latest start of the fBE: x = min(X_START_FBE, x_kd/2)."""
X_START_MIN = 0.05
"""No start before this (T = 20 m_χ); if x_kd/2 is earlier, T_χ = T at the start is assumed and
flagged (``kinetic_equilibrium_assumed_at_start``)."""

FLAG_NEVER_IN_EQUILIBRIUM = "never_in_equilibrium"
FLAG_MARGINAL_EQUILIBRIUM = "marginal_equilibrium"
FLAG_NO_ELASTIC_RATE = "no_elastic_rate"
FLAG_SECOND_MOMENT_ASSUMED = "second_moment_assumed_equal"
FLAG_KINETIC_EQUILIBRIUM_ASSUMED = "kinetic_equilibrium_assumed_at_start"
"""The start x_start is later than x_kd/2: T_χ = T there is assumed, not derived."""
FLAG_ACCURACY = "accuracy_not_verified"
"""Outside the domain where the defaults were shown to meet their accuracy goal (nBE/cBE: 1e-3;
fBE: 0.5 %) — see docs/relic.md#accuracy."""
FLAG_NOT_FROZEN = "not_frozen_at_x_max"
FLAG_FBE_GRID_TRUNCATED = "fbe_grid_truncated"


@dataclass(frozen=True)
class RelicResult:
    """Outcome of one relic-density calculation.

    omega_h2 : Ωh² (nan when not computed, see ``flags``/``message``).
    x_freeze_out : x where Y first reaches 2 Y_eq.
    T_kd : kinetic-decoupling temperature [GeV] where γ(T) = H(T) (nan if no elastic rate).
    x, Y, Y_eq, T_chi_over_T : evolution arrays for plotting (T_χ/T ≡ 1 for the nBE; for the
        fBE the second moment ⟨p²/(3E)⟩/T of the computed distribution).
    method : the method that produced the numbers ("nbe", "cbe" or "fbe").
    flags : machine-readable notes on non-standard outcomes (docs/relic.md#relic-flags);
    message : human-readable summary.
    extra : method-specific details (fBE: "q" = p/T and "f_end" = f(q) at x_end, …).
    """

    omega_h2: float
    x_freeze_out: float
    T_kd: float
    x: FloatArray
    Y: FloatArray
    Y_eq: FloatArray
    T_chi_over_T: FloatArray
    method: str
    Y_inf: float = math.nan
    x_end: float = math.nan
    flags: tuple[str, ...] = ()
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def default_start(x_kd: float, x_latest: float) -> tuple[float, tuple[str, ...]]:
    """Start x = min(x_latest, x_kd/2) (before kinetic decoupling), not below X_START_MIN, with
    the flag ``kinetic_equilibrium_assumed_at_start`` if x_kd/2 is earlier than that."""
    if not math.isfinite(x_kd):
        return x_latest, ()
    x0 = min(x_latest, 0.5 * x_kd)
    if x0 < X_START_MIN:
        return X_START_MIN, (FLAG_KINETIC_EQUILIBRIUM_ASSUMED,)
    return x0, ()


def omega_from_yield(y_inf: float, m_chi: float, multiplicity: float) -> float:
    """Ωh² = k m_χ Y_∞ s₀/(ρ_c/h²), k = 2 for Dirac DM (χ + χ̄), 1 if self-conjugate."""
    return multiplicity * m_chi * y_inf * ENTROPY_TODAY_CM3 / RHO_CRIT_OVER_H2_GEV_CM3


def freeze_out_crossing(x: FloatArray, lnY: FloatArray, lnYeq: FloatArray) -> float:
    """First x (interpolated in ln x) where Y/Y_eq reaches FREEZE_OUT_RATIO; nan if never."""
    above = np.nonzero(lnY - lnYeq >= math.log(FREEZE_OUT_RATIO))[0]
    if above.size == 0:
        return math.nan
    i = int(above[0])
    if i == 0:
        return float(x[0])
    lr0, lr1 = lnY[i - 1] - lnYeq[i - 1], lnY[i] - lnYeq[i]
    t = (math.log(FREEZE_OUT_RATIO) - lr0) / (lr1 - lr0)
    return float(math.exp(math.log(x[i - 1]) + t * (math.log(x[i]) - math.log(x[i - 1]))))


def not_computed(method: str, flags: tuple[str, ...], message: str, T_kd: float) -> RelicResult:
    """A labelled result without numbers (Ωh² = nan)."""
    empty = np.empty(0)
    return RelicResult(
        omega_h2=math.nan,
        x_freeze_out=math.nan,
        T_kd=T_kd,
        x=empty,
        Y=empty,
        Y_eq=empty,
        T_chi_over_T=empty,
        method=method,
        flags=flags,
        message=f"{method}: {message}",
    )


__all__ = [
    "FREEZE_OUT_RATIO",
    "METHODS",
    "TIGHT_COUPLING_FACTOR",
    "RelicResult",
    "default_start",
    "freeze_out_crossing",
    "not_computed",
    "omega_from_yield",
]
