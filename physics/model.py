"""The ALP-portal dark-matter model (arXiv:2504.00383; ``docs/physics.md#model``).

L ⊃ −¼ g_aWW a W^i W̃^i − ¼ g_aBB a B B̃ + ½ g_aχχ (∂_μ a) χ̄γ^μγ⁵χ,  X̃^{μν} = ½ ε^{μνρσ} X_ρσ.

Photon coupling at tree level: g_aγγ = s_W² g_aWW + c_W² g_aBB.
On-shell DM coupling: y_χ = g_aχχ m_χ (see ``constants.Y_CHI_PER_G_ACHI_M_CHI``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C

Scenario = Literal["missing_energy", "displaced_diphoton"]

PERTURBATIVE_LIMIT = 4.0 * math.pi
"""Largest allowed dimensionless coupling (g·mass) before the model is non-perturbative."""
MASS_RANGE_GEV = (1e-6, 1e4)
"""Masses the model accepts [GeV]: keV-scale ALPs to well above the electroweak scale. Outside
this range the formulas here (tree-level g_aγγ, W-loop flavour couplings) do not apply and
double-precision arithmetic of m² would over- or underflow."""


def _check_real(name: str, value: object) -> float:
    """Return ``value`` as a finite float or raise ``ValueError`` naming ``name``."""
    if type(value) is float:  # fast path (scans build millions of models)
        out = value
    else:
        if isinstance(value, np.ndarray) and value.shape == ():
            value = value.item()
        elif isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, Real):
            raise ValueError(f"{name} must be a real number, got {value!r}")
        out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out!r}")
    return out


def check_positive(name: str, value: object) -> float:
    """Finite and strictly positive, else ``ValueError`` naming the field."""
    out = _check_real(name, value)
    if out <= 0.0:
        raise ValueError(f"{name} must be > 0, got {out!r}")
    return out


def check_mass(name: str, value: object) -> float:
    """A mass inside :data:`MASS_RANGE_GEV`, else ``ValueError`` naming the field."""
    out = check_positive(name, value)
    lo, hi = MASS_RANGE_GEV
    if not lo <= out <= hi:
        raise ValueError(f"{name} must be between {lo:g} and {hi:g} GeV, got {out!r}")
    return out


def check_non_negative(name: str, value: object) -> float:
    """Finite and ≥ 0, else ``ValueError`` naming the field."""
    out = _check_real(name, value)
    if out < 0.0:
        raise ValueError(f"{name} must be >= 0, got {out!r}")
    return out


def g_agg_from_gWW(g_aWW: ArrayLike, g_aBB: ArrayLike = 0.0) -> float | NDArray[np.float64]:
    """Photon coupling g_aγγ = s_W² g_aWW + c_W² g_aBB [GeV⁻¹] (tree level; docs/physics.md#model)."""
    out = C.SIN2_THETA_W * np.asarray(g_aWW, dtype=float) + C.COS2_THETA_W * np.asarray(g_aBB, dtype=float)
    return float(out) if out.ndim == 0 else out


def m_chi_from_delta(m_a: ArrayLike, delta: ArrayLike) -> float | NDArray[np.float64]:
    """DM mass m_χ = m_a / (2√(1+δ)) [GeV] for a detuning δ > −1 (docs/physics.md#model)."""
    if type(m_a) is float and type(delta) is float:  # fast path (scans build millions of models)
        if not delta > -1.0:
            raise ValueError(f"delta must be > -1, got {delta!r}")
        return m_a / (2.0 * math.sqrt(1.0 + delta))
    d = np.asarray(delta, dtype=float)
    if np.any(d <= -1.0):
        raise ValueError(f"delta must be > -1, got {delta!r}")
    out = np.asarray(m_a, dtype=float) / (2.0 * np.sqrt(1.0 + d))
    return float(out) if out.ndim == 0 else out


def delta_from_masses(m_a: ArrayLike, m_chi: ArrayLike) -> float | NDArray[np.float64]:
    """Detuning δ = (m_a² − 4m_χ²)/(4m_χ²) (dimensionless; > 0 above threshold; docs/physics.md#model)."""
    if type(m_a) is float and type(m_chi) is float:
        return (m_a**2 - 4.0 * m_chi**2) / (4.0 * m_chi**2)
    m, mc = np.asarray(m_a, dtype=float), np.asarray(m_chi, dtype=float)
    out = (m**2 - 4.0 * mc**2) / (4.0 * mc**2)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class ALPModel:
    """One parameter point of the ALP-portal DM model.

    Parameters
    ----------
    m_a : float
        ALP mass [GeV], > 0.
    m_chi : float
        Dirac DM mass [GeV], > 0.
    g_aWW : float
        ALP–SU(2) coupling [GeV⁻¹], ≥ 0.
    g_achi : float
        ALP–DM axial coupling g_aχχ [GeV⁻¹], ≥ 0.
    g_aBB : float
        ALP–hypercharge coupling [GeV⁻¹], ≥ 0 (default 0: the paper quotes only g_aWW).

    Raises
    ------
    ValueError
        If a field is not a finite real number, a mass is outside 1 keV – 10 TeV, a coupling
        is < 0, or a coupling is non-perturbative (g·mass > 4π).
    """

    m_a: float
    m_chi: float
    g_aWW: float
    g_achi: float
    g_aBB: float = 0.0

    def __post_init__(self) -> None:
        for name in ("m_a", "m_chi"):
            object.__setattr__(self, name, check_mass(name, getattr(self, name)))
        for name in ("g_aWW", "g_achi", "g_aBB"):
            object.__setattr__(self, name, check_non_negative(name, getattr(self, name)))
        if self.y_chi > PERTURBATIVE_LIMIT:
            raise ValueError(
                f"g_achi = {self.g_achi:g} GeV⁻¹ gives y_χ = g_achi·m_chi = {self.y_chi:g} > 4π: "
                "non-perturbative, outside the model's domain"
            )
        for name in ("g_aWW", "g_aBB"):
            if getattr(self, name) * self.m_a > PERTURBATIVE_LIMIT:
                raise ValueError(
                    f"{name}·m_a = {getattr(self, name) * self.m_a:g} > 4π: the EFT scale 1/{name} "
                    "is below the ALP mass, outside the model's domain"
                )

    # --- derived couplings -------------------------------------------------------
    @property
    def g_agg(self) -> float:
        """Photon coupling g_aγγ = s_W² g_aWW + c_W² g_aBB [GeV⁻¹] (tree level)."""
        return g_agg_from_gWW(self.g_aWW, self.g_aBB)

    @property
    def g_aZZ(self) -> float:
        """g_aZZ = c_W² g_aWW + s_W² g_aBB [GeV⁻¹] (not used below m_Z)."""
        return C.COS2_THETA_W * self.g_aWW + C.SIN2_THETA_W * self.g_aBB

    @property
    def y_chi(self) -> float:
        """Dimensionless pseudoscalar Yukawa y_χ = g_aχχ m_χ (docs/physics.md#model)."""
        return C.Y_CHI_PER_G_ACHI_M_CHI * self.g_achi * self.m_chi

    @property
    def delta(self) -> float:
        """Detuning δ = (m_a² − 4m_χ²)/(4m_χ²) (dimensionless; > 0 above threshold)."""
        return delta_from_masses(self.m_a, self.m_chi)

    @property
    def scenario(self) -> Scenario:
        """ "missing_energy" if m_a > 2 m_χ (a → χχ̄ open), else "displaced_diphoton".

        The mass ordering only (the paper's two scenarios). What the ALP does at the
        experiments also depends on its lifetime: :func:`physics.scenario`.
        """
        return "missing_energy" if self.m_a > 2.0 * self.m_chi else "displaced_diphoton"

    # --- alternative constructors ------------------------------------------------
    @classmethod
    def from_detuning(
        cls, m_a: float, delta: float, g_aWW: float, g_achi: float, g_aBB: float = 0.0
    ) -> ALPModel:
        """Build a model from m_a [GeV] and the detuning δ (> −1): m_χ = m_a / (2√(1+δ))."""
        d = _check_real("delta", delta)
        if d <= -1.0:
            raise ValueError(f"delta must be > -1, got {d!r}")
        m = check_mass("m_a", m_a)
        return cls(m, m_chi_from_delta(m, d), g_aWW, g_achi, g_aBB)
