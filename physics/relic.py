"""Relic density of ALP-portal dark matter: nBE, cBE and (via physics.fbe) fBE (REFERENCE §6).

Public entry point::

    omega_h2(model, method="cbe", width="energy_dependent", gamma_multiplier=1.0,
             tight_coupling=False, **options) -> RelicResult

``model`` is an :class:`~physics.model.ALPModel` or any object with ``m_chi`` [GeV], ``dof``,
``self_conjugate`` and either ``sigma(s)`` [GeV⁻², vectorised over s; an optional attribute
``resonance = (mass, width)`` in GeV makes the quadrature treat an s-channel pole exactly] or
``thermal_sigma_v(T)`` [GeV⁻²]
(optionally ``thermal_sigma_v_2(T)``; without it the cBE assumes ⟨σv⟩₂ = ⟨σv⟩, exact for
velocity-independent σv, and says so in ``flags``).

Conventions (docs/relic.md): x = m_χ/T, Y = n_χ/s for one species; Ωh² = k m_χ Y_∞ s₀/(ρ_c/h²),
k = 2 for a Dirac particle (χ and χ̄ each have Y) and k = 1 if self-conjugate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _relic_ode as ode
from .annihilation import WIDTH_MODES, ALPAnnihilation, thermal_tables_from_sigma
from .constants import ENTROPY_TODAY_CM3, GEV2_TO_CM3_PER_S, RHO_CRIT_OVER_H2_GEV_CM3
from .elastic import crossing_from_table, momentum_transfer_rate
from .model import ALPModel, check_non_negative, check_positive
from .thermo import ThermoTable, default_table, hubble, hubble_tilde, y_eq

FloatArray = NDArray[np.float64]

METHODS = ("nbe", "cbe", "fbe")
SIGMA_V_MAX_CM3_PER_S = 1e-3
"""Largest constant σv accepted [cm³/s] (unitarity allows ≲ 1e-3 cm³/s only for m_χ ≲ 1 keV)."""
TIGHT_COUPLING_FACTOR = 1e8
"""tight_coupling=True adds this multiple of H to γ (REFERENCE §6)."""
FREEZE_OUT_RATIO = 2.0
"""x_freeze_out is where Y = FREEZE_OUT_RATIO · Y_eq (first crossing)."""
_CM3_PER_GEV3 = 1.0 / 5.067730716156395e13**3
"""1 GeV³ = 1.3014e41 cm⁻³: (ħc)³ with ħc = 1.97327e-14 GeV cm."""


# --------------------------------------------------------------------------------------
# result and simple models
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RelicResult:
    """Outcome of one relic-density calculation.

    omega_h2 : Ωh² (nan when not computed, see ``flags``/``message``).
    x_freeze_out : x where Y first reaches 2 Y_eq.
    T_kd : kinetic-decoupling temperature [GeV] where γ(T) = H(T) (nan if no elastic rate).
    x, Y, Y_eq, T_chi_over_T : evolution arrays for plotting (T_χ/T ≡ 1 for the nBE).
    flags : machine-readable notes on non-standard outcomes; message : human-readable summary.
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


@dataclass(frozen=True)
class ConstantSigmaV:
    """Velocity-independent (s-wave) ⟨σv⟩ for textbook checks.

    m_chi [GeV]; sigma_v_cm3_per_s [cm³/s] (for a Dirac particle: χχ̄ annihilation); dof;
    self_conjugate. For constant σv, ⟨σv⟩₂ = ⟨σv⟩ exactly.
    """

    m_chi: float
    sigma_v_cm3_per_s: float
    dof: float = 2.0
    self_conjugate: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "m_chi", check_positive("m_chi", self.m_chi))
        object.__setattr__(
            self, "sigma_v_cm3_per_s", check_positive("sigma_v_cm3_per_s", self.sigma_v_cm3_per_s)
        )
        if self.sigma_v_cm3_per_s > SIGMA_V_MAX_CM3_PER_S:
            raise ValueError(
                f"sigma_v_cm3_per_s = {self.sigma_v_cm3_per_s:g} cm³/s exceeds "
                f"{SIGMA_V_MAX_CM3_PER_S:g} cm³/s, far above the s-wave unitarity bound "
                "4π/(m_χ² v) for any m_χ ≥ 1 keV"
            )
        object.__setattr__(self, "dof", check_positive("dof", self.dof))

    def thermal_sigma_v(self, T: Any) -> FloatArray:
        """⟨σv⟩ [GeV⁻²], independent of T."""
        return np.full_like(np.asarray(T, dtype=float), self.sigma_v_cm3_per_s / GEV2_TO_CM3_PER_S)

    def thermal_sigma_v_2(self, T: Any) -> FloatArray:
        """⟨σv⟩₂ = ⟨σv⟩ for constant σv [GeV⁻²]."""
        return self.thermal_sigma_v(T)


# --------------------------------------------------------------------------------------
# per-point preparation
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Setup:
    m: float
    dof: float
    multiplicity: float
    u0: float
    h: float
    lnS0: FloatArray
    lnS2: FloatArray
    lnP: FloatArray
    lnG: FloatArray
    ext: FloatArray
    u_min_end: float
    x_kd: float
    flags: tuple[str, ...]
    ann: ALPAnnihilation | None


def _tail_fit(x: FloatArray, S: FloatArray) -> tuple[float, float]:
    """a, b of S = a + b/x through the last two table points."""
    x1, x2, s1, s2 = x[-2], x[-1], S[-2], S[-1]
    b = (s1 - s2) / (1.0 / x1 - 1.0 / x2)
    return s2 - b / x2, b


def _rates_from_model(
    model: Any, width: str, x: FloatArray, second: bool
) -> tuple[FloatArray, FloatArray, ALPAnnihilation | None, list[str]]:
    flags: list[str] = []
    m = float(model.m_chi)
    if isinstance(model, ALPModel):
        ann = ALPAnnihilation.from_model(model, width)
        s0, s2 = ann.thermal_tables(x, second_moment=second)
        return s0, s2 if second else s0, ann, flags
    if hasattr(model, "sigma"):
        m_res, width0 = getattr(model, "resonance", (0.0, 0.0))
        s0, s2 = thermal_tables_from_sigma(model.sigma, m, x, m_res, width0, second)
        return s0, s2 if second else s0, None, flags
    if hasattr(model, "thermal_sigma_v"):
        T = m / x
        s0 = np.broadcast_to(np.asarray(model.thermal_sigma_v(T), dtype=float), x.shape).copy()
        if hasattr(model, "thermal_sigma_v_2"):
            s2 = np.broadcast_to(np.asarray(model.thermal_sigma_v_2(T), dtype=float), x.shape).copy()
        else:
            s2 = s0.copy()
            flags.append("second_moment_assumed_equal")
        return s0, s2, None, flags
    raise ValueError("model needs sigma(s) or thermal_sigma_v(T) (and m_chi, dof, self_conjugate)")


def _setup(
    model: Any,
    width: str,
    x_start: float,
    per_decade: int,
    tab: ThermoTable,
    x_min_end: float | None,
    second: bool = True,
) -> _Setup:
    m = check_positive("m_chi", getattr(model, "m_chi", None))
    dof = check_positive("dof", getattr(model, "dof", 2.0))
    self_conj = bool(getattr(model, "self_conjugate", False))
    delta = getattr(model, "delta", None)
    if delta is not None and delta != 0.0:
        x_hi = min(max(1e4, 1e3 / abs(delta)), 1e10)
        end = max(1e3, 40.0 / abs(delta))
    else:
        x_hi, end = 1e5, 1e3
    if x_min_end is not None:
        end = check_positive("x_min_end", x_min_end)
    x_lo = 0.25 * x_start
    n = max(8, math.ceil(per_decade * math.log10(x_hi / x_lo))) + 1
    u = np.linspace(math.log(x_lo), math.log(x_hi), n)
    x = np.exp(u)
    s0, s2, ann, flags = _rates_from_model(model, width, x, second)
    if not (np.all(np.isfinite(s0)) and np.all(s0 > 0) and np.all(np.isfinite(s2)) and np.all(s2 > 0)):
        raise ValueError("⟨σv⟩ must be finite and > 0 at all temperatures")
    ext = np.array([*_tail_fit(x, s0), *_tail_fit(x, s2)])
    if ann is not None:
        gam = momentum_transfer_rate(m / x, m, ann.m_a, ann.y_chi, ann.g_agg, dof)
        x_kd = crossing_from_table(x, gam / hubble(m / x, tab))
    else:
        gam = np.zeros_like(x)
        x_kd = math.nan
    with np.errstate(divide="ignore"):
        ln_g = np.where(gam > 0, np.log(np.where(gam > 0, gam, 1.0)), -700.0)
    return _Setup(
        m=m,
        dof=dof,
        multiplicity=1.0 if self_conj else 2.0,
        u0=float(u[0]),
        h=float(u[1] - u[0]),
        lnS0=np.log(s0),
        lnS2=np.log(s2),
        lnP=ode.p_table(x),
        lnG=ln_g,
        ext=ext,
        u_min_end=math.log(end),
        x_kd=x_kd,
        flags=tuple(flags),
        ann=ann,
    )


def _equilibrium_check(st: _Setup, x_start: float, tab: ThermoTable) -> float:
    """max over x ∈ [x_start, 30] of Γ_ann/H̃ = n_eq ⟨σv⟩/H̃ (chemical-equilibrium test)."""
    x = np.geomspace(x_start, max(30.0, 2 * x_start), 60)
    T = st.m / x
    s = 2.0 * math.pi**2 / 45.0 * tab.h_eff(T) * T**3
    sv = np.array([ode.rate_eval(st.lnS0, st.u0, st.h, math.log(v), st.ext[0], st.ext[1])[0] for v in x])
    return float(np.max(s * y_eq(x, st.m, st.dof, tab) * sv / hubble_tilde(T, tab)))


# --------------------------------------------------------------------------------------
# main entry point
# --------------------------------------------------------------------------------------
def _validate(method: str, width: str, gamma_multiplier: float) -> float:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if width not in WIDTH_MODES:
        raise ValueError(f"width must be one of {WIDTH_MODES}, got {width!r}")
    return check_non_negative("gamma_multiplier", gamma_multiplier)


def _not_computed(method: str, flags: tuple[str, ...], message: str, x_kd: float, m: float) -> RelicResult:
    empty = np.empty(0)
    return RelicResult(
        omega_h2=math.nan,
        x_freeze_out=math.nan,
        T_kd=m / x_kd if x_kd and math.isfinite(x_kd) else math.nan,
        x=empty,
        Y=empty,
        Y_eq=empty,
        T_chi_over_T=empty,
        method=method,
        flags=flags,
        message=message,
    )


def omega_h2(
    model: Any,
    method: str = "cbe",
    width: str = "energy_dependent",
    gamma_multiplier: float = 1.0,
    tight_coupling: bool = False,
    *,
    rtol: float = 1e-5,
    x_start: float = 1.0,
    per_decade: int = 12,
    freeze_tol: float = 1e-5,
    x_min_end: float | None = None,
    x_max: float = 1e9,
    thermo: ThermoTable | None = None,
    fbe_options: dict[str, Any] | None = None,
) -> RelicResult:
    """Relic abundance Ωh² of χ (+ χ̄ for Dirac DM) by the nBE, cBE or fBE.

    Parameters
    ----------
    model : ALPModel or object with m_chi [GeV], dof, self_conjugate, sigma(s) or thermal_sigma_v(T).
    method : "nbe" (number density), "cbe" (number density + DM temperature) or "fbe" (full
        phase space, physics.fbe).
    width : "energy_dependent" (Γ_a(√s) in the propagator, default) or "constant" (Γ_a(m_a)).
    gamma_multiplier : scales the elastic momentum-transfer rate γ(T) (≥ 0).
    tight_coupling : add 1e8 H to γ at every x (forces kinetic equilibrium; cBE → nBE).
    rtol : absolute tolerance on ln Y and ln y per step. The accumulated error is larger: at the
        default 1e-5, Ωh² is ~2e-4 high for constant σv (independent cross-check,
        docs/relic_crosscheck.md); 1e-8 agrees to < 1e-5.
    x_start : first x (Y = Y_eq, T_χ = T there). per_decade : ⟨σv⟩-table nodes per decade of x.
    freeze_tol : stop when |d ln Y/d ln x| < freeze_tol (and x ≥ x_min_end); the remaining
        ∝ 1/x tail is added analytically (Y_∞ = Y_end exp(d ln Y/d ln x)).
    x_min_end : earliest stop (default max(1e3, 40/|δ|): resonant annihilation lasts to x ~ 1/δ).
    thermo : SM equation-of-state table (default: hazma 2.2.0).

    Raises
    ------
    ValueError for invalid input (non-positive or non-finite masses, unknown method/width, …).
    A parameter point that never reaches chemical equilibrium returns omega_h2 = nan with the
    flag "never_in_equilibrium" (freeze-in regime, not computed).
    """
    gscale = _validate(method, width, gamma_multiplier)
    check_positive("rtol", rtol)
    check_positive("x_start", x_start)
    tab = thermo or default_table()
    if method == "fbe":
        from .fbe import omega_h2_fbe

        return omega_h2_fbe(
            model,
            width=width,
            gamma_multiplier=gscale,
            tight_coupling=tight_coupling,
            thermo=tab,
            **(fbe_options or {}),
        )
    st = _setup(model, width, x_start, per_decade, tab, x_min_end, second=method != "nbe")
    flags = list(st.flags)
    rate_max = _equilibrium_check(st, x_start, tab)
    if rate_max < 1.0:
        return _not_computed(
            method,
            (*flags, "never_in_equilibrium"),
            f"never in equilibrium (max Γ_ann/H = {rate_max:.2g} < 1): freeze-in regime, not computed",
            st.x_kd,
            st.m,
        )
    if rate_max < 100.0:
        flags.append("marginal_equilibrium")
    if method == "cbe" and st.ann is None and not hasattr(model, "momentum_transfer_rate"):
        flags.append("no_elastic_rate")
    return _integrate(st, method, gscale, tight_coupling, rtol, x_start, freeze_tol, x_max, tab, flags)


def _integrate(
    st: _Setup,
    method: str,
    gscale: float,
    tight: bool,
    rtol: float,
    x_start: float,
    freeze_tol: float,
    x_max: float,
    tab: ThermoTable,
    flags: list[str],
) -> RelicResult:
    mode = 0 if method == "nbe" else 1
    u_start = math.log(x_start)
    ln_yeq0 = ode.background(u_start, st.m, st.dof, tab.breaks, tab.coef_lnh, tab.coef_lng)[0]
    out = np.empty((40000, 4))
    n, status = ode.solve(
        mode, st.m, st.dof, gscale, TIGHT_COUPLING_FACTOR if tight else 0.0,
        tab.breaks, tab.coef_lnh, tab.coef_lng, st.u0, st.h, st.lnS0, st.lnS2, st.lnP, st.lnG, st.ext,
        u_start, st.u_min_end, math.log(x_max), ln_yeq0, rtol, freeze_tol, out,
    )  # fmt: skip
    u, w0, w1, f0 = out[:n].T
    if status != ode.STATUS_OK:
        flags.append(f"integrator_status_{status}")
    if not np.all(np.isfinite(w0)):
        raise FloatingPointError("relic-density integration produced non-finite values")
    x = np.exp(u)
    Y = np.exp(w0)
    Yeq = y_eq(x, st.m, st.dof, tab)
    t_ratio = np.exp(w1) if mode == 1 else np.ones_like(x)
    if u[-1] >= math.log(x_max) and abs(f0[-1]) >= freeze_tol:
        flags.append("not_frozen_at_x_max")
    Y_inf = float(Y[-1] * math.exp(f0[-1]))  # remaining ∝ 1/x tail: Δ ln Y = d ln Y/d ln x
    omega = st.multiplicity * st.m * Y_inf * ENTROPY_TODAY_CM3 / RHO_CRIT_OVER_H2_GEV_CM3
    above = np.nonzero(Y >= FREEZE_OUT_RATIO * Yeq)[0]  # Y_eq may underflow to 0: fine
    x_f = _crossing(x, w0, np.log(np.maximum(Yeq, 1e-300)), above) if above.size else math.nan
    msg = f"{method}: Ωh² = {omega:.4g}" + (f" ({', '.join(flags)})" if flags else "")
    return RelicResult(
        omega_h2=float(omega),
        x_freeze_out=x_f,
        T_kd=st.m / st.x_kd if math.isfinite(st.x_kd) else math.nan,
        x=x,
        Y=Y,
        Y_eq=Yeq,
        T_chi_over_T=t_ratio,
        method=method,
        Y_inf=Y_inf,
        x_end=float(x[-1]),
        flags=tuple(flags),
        message=msg,
        extra={"x_kd": st.x_kd, "n_steps": int(n), "dlnY_dlnx_end": float(f0[-1])},
    )


def _crossing(x: FloatArray, lnY: FloatArray, lnYeq: FloatArray, above: NDArray[np.intp]) -> float:
    """Interpolated x (in ln x, ln Y/Y_eq) where Y/Y_eq first reaches FREEZE_OUT_RATIO."""
    i = int(above[0])
    if i == 0:
        return float(x[0])
    lr0, lr1 = lnY[i - 1] - lnYeq[i - 1], lnY[i] - lnYeq[i]
    t = (math.log(FREEZE_OUT_RATIO) - lr0) / (lr1 - lr0)
    return float(math.exp(math.log(x[i - 1]) + t * (math.log(x[i]) - math.log(x[i - 1]))))


__all__ = ["METHODS", "ConstantSigmaV", "RelicResult", "omega_h2"]
