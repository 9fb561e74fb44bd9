"""Standard-Model thermodynamics for freeze-out (docs/relic.md#thermo, data README "Thermodynamics").

The equation of state is a swappable input: :class:`ThermoTable` reads any CSV with columns
T [GeV], g*^{1/2}, h_eff, g_eff (the layout of hazma 2.2.0's ``smdof.dat``, MIT licence, copied
to ``physics/data/thermo/sm_dof_hazma.csv`` with its licence beside it).

Interpolation: ln g_eff and ln h_eff are monotone (PCHIP) cubics in ln T, so the QCD
crossover (T ≈ 0.1–0.3 GeV) is followed without overshoot, and d ln h_eff / d ln T is the
analytic derivative of the same interpolant (continuous, consistent with h_eff itself).
Outside the table (T < 2e-5 GeV or T > 1.3e4 GeV) the end values are held constant and
d ln h_eff / d ln T = 0 (below the table all SM species but photons and neutrinos are gone).

Formulas (natural units, GeV):
- H = √(8π³ g_eff / 90) T² / M_Pl                    (Friedmann, radiation domination)
- s = (2π²/45) h_eff T³
- H̃ = H / (1 + ⅓ d ln h_eff / d ln T)                (x = m/T; d/dx = (1/(x H̃)) d/dt)
- n_eq = g m² T K₂(m/T) / (2π²)                      (Maxwell–Boltzmann)
- Y_eq = n_eq / s = 45 g x² K₂(x) / (4π⁴ h_eff)       (Gondolo & Gelmini, Nucl. Phys. B360 (1991) 145)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import PchipInterpolator
from scipy.special import kve

from .constants import M_PLANCK

FloatArray = NDArray[np.float64]

DEFAULT_TABLE = Path(__file__).resolve().parent / "data" / "thermo" / "sm_dof_hazma.csv"
"""hazma 2.2.0 SM degrees of freedom (MIT); columns T [GeV], g*^{1/2}, h_eff, g_eff."""


@dataclass(frozen=True, eq=False)
class ThermoTable:
    """SM equation of state g_eff(T), h_eff(T) from a CSV table (T in GeV, ascending).

    Parameters
    ----------
    path : str or Path
        CSV with a header line and columns T [GeV], g*^{1/2}, h_eff, g_eff.

    The interpolants are PCHIP in (ln T, ln g) and are exposed as piecewise-polynomial
    coefficient arrays (``breaks``, ``coef_lnh``, ``coef_lng``) for compiled code.
    """

    path: Path = DEFAULT_TABLE
    lnT: FloatArray = field(init=False, repr=False)
    gstar_sqrt_table: FloatArray = field(init=False, repr=False)
    _lnh: PchipInterpolator = field(init=False, repr=False)
    _lng: PchipInterpolator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        data = np.loadtxt(Path(self.path), delimiter=",", skiprows=1)
        if data.ndim != 2 or data.shape[1] < 4 or data.shape[0] < 4:
            raise ValueError(f"{self.path}: expected ≥ 4 rows of T, g*^1/2, h_eff, g_eff")
        T, gs, h, g = data[:, 0], data[:, 1], data[:, 2], data[:, 3]
        if np.any(T <= 0) or np.any(np.diff(T) <= 0) or np.any(h <= 0) or np.any(g <= 0):
            raise ValueError(f"{self.path}: T must be ascending and positive, h_eff, g_eff > 0")
        lnT = np.log(T)
        object.__setattr__(self, "lnT", lnT)
        object.__setattr__(self, "gstar_sqrt_table", gs)
        object.__setattr__(self, "_lnh", PchipInterpolator(lnT, np.log(h), extrapolate=False))
        object.__setattr__(self, "_lng", PchipInterpolator(lnT, np.log(g), extrapolate=False))

    # --- compiled-code view (computed once: the solvers read them per call) -------------
    @functools.cached_property
    def breaks(self) -> FloatArray:
        """Breakpoints in ln(T/GeV) of the piecewise cubics."""
        return np.ascontiguousarray(self._lnh.x)

    @functools.cached_property
    def coef_lnh(self) -> FloatArray:
        """PCHIP coefficients of ln h_eff, shape (4, n−1), highest power first (scipy PPoly)."""
        return np.ascontiguousarray(self._lnh.c)

    @functools.cached_property
    def coef_lng(self) -> FloatArray:
        """PCHIP coefficients of ln g_eff, shape (4, n−1)."""
        return np.ascontiguousarray(self._lng.c)

    # --- public functions of T [GeV] ---------------------------------------------------
    def _eval(self, interp: PchipInterpolator, T: ArrayLike, nu: int = 0) -> FloatArray:
        lnT = np.log(np.asarray(T, dtype=float))
        clipped = np.clip(lnT, self.lnT[0], self.lnT[-1])
        out = interp(clipped, nu)
        if nu:
            out = np.where(clipped == lnT, out, 0.0)
        return out

    def h_eff(self, T: ArrayLike) -> FloatArray:
        """Entropy degrees of freedom h_eff(T) (dimensionless)."""
        return np.exp(self._eval(self._lnh, T))

    def g_eff(self, T: ArrayLike) -> FloatArray:
        """Energy-density degrees of freedom g_eff(T) (dimensionless)."""
        return np.exp(self._eval(self._lng, T))

    def dlnh_dlnT(self, T: ArrayLike) -> FloatArray:
        """d ln h_eff / d ln T, the derivative of the same PCHIP interpolant (0 outside)."""
        return self._eval(self._lnh, T, nu=1)

    def gstar_sqrt(self, T: ArrayLike) -> FloatArray:
        """Gondolo–Gelmini g*^{1/2} = h_eff/√g_eff (1 + ⅓ d ln h_eff/d ln T), from the interpolants."""
        return self.h_eff(T) / np.sqrt(self.g_eff(T)) * (1.0 + self.dlnh_dlnT(T) / 3.0)


@functools.lru_cache(maxsize=8)
def load_table(path: str | Path = DEFAULT_TABLE) -> ThermoTable:
    """Cached :class:`ThermoTable` for ``path`` (tables are immutable once read)."""
    return ThermoTable(Path(path))


def default_table() -> ThermoTable:
    """The project's default SM table (hazma 2.2.0)."""
    return load_table(DEFAULT_TABLE)


def hubble(T: ArrayLike, table: ThermoTable | None = None) -> FloatArray:
    """Hubble rate H = √(8π³ g_eff/90) T²/M_Pl [GeV] at photon temperature T [GeV]."""
    tab = table or default_table()
    T = np.asarray(T, dtype=float)
    return np.sqrt(8.0 * math.pi**3 * tab.g_eff(T) / 90.0) * T * T / M_PLANCK


def entropy_density(T: ArrayLike, table: ThermoTable | None = None) -> FloatArray:
    """Entropy density s = (2π²/45) h_eff T³ [GeV³]."""
    tab = table or default_table()
    T = np.asarray(T, dtype=float)
    return 2.0 * math.pi**2 / 45.0 * tab.h_eff(T) * T**3


def hubble_tilde(T: ArrayLike, table: ThermoTable | None = None) -> FloatArray:
    """H̃ = H / (1 + ⅓ d ln h_eff/d ln T) [GeV], so that dx/dt = x H̃ (docs/relic.md#thermo)."""
    tab = table or default_table()
    return hubble(T, tab) / (1.0 + tab.dlnh_dlnT(T) / 3.0)


def n_eq(m: float, T: ArrayLike, dof: float) -> FloatArray:
    """Maxwell–Boltzmann equilibrium number density g m² T K₂(m/T)/(2π²) [GeV³]."""
    T = np.asarray(T, dtype=float)
    x = m / T
    return dof * m * m * T * kve(2, x) * np.exp(-x) / (2.0 * math.pi**2)


def y_eq(x: ArrayLike, m: float, dof: float, table: ThermoTable | None = None) -> FloatArray:
    """Y_eq = n_eq/s = 45 g x² K₂(x) / (4π⁴ h_eff(m/x)) (docs/relic.md#thermo), x = m/T.

    Uses the exponentially scaled Bessel function kve so that large x does not underflow
    before the final exp(−x).
    """
    tab = table or default_table()
    x = np.asarray(x, dtype=float)
    return 45.0 * dof * x * x * kve(2, x) * np.exp(-x) / (4.0 * math.pi**4 * tab.h_eff(m / x))


__all__ = [
    "DEFAULT_TABLE",
    "ThermoTable",
    "default_table",
    "entropy_density",
    "hubble",
    "hubble_tilde",
    "load_table",
    "n_eq",
    "y_eq",
]
