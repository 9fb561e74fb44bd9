"""Relic density of ALP-portal dark matter: nBE, cBE and (via physics.fbe) fBE.

Equations: Binder, Bringmann, Gustafsson & Hryczuk arXiv:1706.07433 eqs. (3.1)–(3.3) (nBE, cBE),
re-derived in docs/relic.md#cbe-derivation; thermal averages: Gondolo & Gelmini, Nucl. Phys. B360
(1991) 145 (docs/relic.md#thermal-average); fBE: docs/relic.md#fbe.

Public entry point::

    omega_h2(model, method="cbe", width="energy_dependent", gamma_multiplier=1.0,
             tight_coupling=False, **options) -> RelicResult

``model`` is an :class:`~physics.model.ALPModel` or any object with ``m_chi`` [GeV], ``dof``,
``self_conjugate`` and either ``sigma(s)`` [GeV⁻², vectorised over s; an optional attribute
``resonance = (mass, width)`` in GeV makes the quadrature treat an s-channel pole exactly and
gives the detuning δ when the model has no ``delta``] or ``thermal_sigma_v(T)`` [GeV⁻²]
(optionally ``thermal_sigma_v_2(T)``; without it the cBE assumes ⟨σv⟩₂ = ⟨σv⟩, exact for
velocity-independent σv, and says so in ``flags``). An optional ``momentum_transfer_rate(T)``
[GeV, vectorised over T in GeV] is the elastic rate γ(T) of the cBE and fBE (without it, and
not an ALPModel, the flag ``no_elastic_rate`` is set). The fBE needs ``sigma(s)``.

Conventions (docs/relic.md#conventions): x = m_χ/T, Y = n_χ/s for one species;
Ωh² = k m_χ Y_∞ s₀/(ρ_c/h²), k = 2 for a Dirac particle (χ and χ̄ each have Y) and k = 1 if
self-conjugate. Flags: docs/relic.md#relic-flags.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _relic_ode as ode
from ._relic_common import (
    FLAG_ACCURACY,
    FLAG_KINETIC_EQUILIBRIUM_ASSUMED,
    FLAG_MARGINAL_EQUILIBRIUM,
    FLAG_NEVER_IN_EQUILIBRIUM,
    FLAG_NO_ELASTIC_RATE,
    FLAG_NOT_FROZEN,
    FLAG_SECOND_MOMENT_ASSUMED,
    FREEZE_OUT_RATIO,
    METHODS,
    TIGHT_COUPLING_FACTOR,
    X_START_BE,
    X_START_MIN,
    RelicResult,
    default_start,
    freeze_out_crossing,
    not_computed,
    omega_from_yield,
)
from ._relic_tables import RowTables
from .annihilation import WIDTH_MODES, ALPAnnihilation, sigma_kernel
from .constants import GEV2_TO_CM3_PER_S
from .elastic import crossing_from_table, momentum_transfer_rate
from .fbe import FBEOptions, FBEProblem, narrow_pole, solve_fbe
from .model import ALPModel, check_non_negative, check_positive
from .thermo import ThermoTable, default_table, hubble

FloatArray = NDArray[np.float64]

SIGMA_V_MAX_CM3_PER_S = 1e-3
"""Largest constant σv accepted [cm³/s] (unitarity allows ≲ 1e-3 cm³/s only for m_χ ≲ 1 keV)."""
START_RATE_MIN = 10.0
START_SENSITIVITY_MAX = 5e-4
"""Where Γ_ann/H̃ < START_RATE_MIN at the start, Ωh² is recomputed from half the start x; a
change above START_SENSITIVITY_MAX means the result depends on the assumed initial abundance
(Y = Y_eq at the start) beyond the 1e-3 goal → flag ``accuracy_not_verified``."""
FBE_START_SENSITIVITY_MAX = 2.5e-3
"""The same check for the fBE (goal 0.5 %), with a second fBE solve from x₀/2."""
DEFAULTS_BE = {"rtol": 1e-5, "freeze_tol": 1e-5, "x_max": 1e9}
DEFAULTS_FBE = {"rtol": 1e-4, "freeze_tol": 1e-5, "x_max": 1e9}


# --------------------------------------------------------------------------------------
# result and simple models
# --------------------------------------------------------------------------------------
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
class _Model:
    """What the solvers need from a model (ALPModel or duck-typed)."""

    m: float
    dof: float
    multiplicity: float
    delta: float  # nan without a pole
    sigma: Callable[[FloatArray], FloatArray] | None
    pole: tuple[float, float] | None
    gamma: Callable[[FloatArray], FloatArray] | None
    ann: ALPAnnihilation | None
    thermal: Any  # object with thermal_sigma_v(T) (and maybe thermal_sigma_v_2), else None


@dataclass(frozen=True)
class _Setup:
    pt: _Model
    u0: float
    h: float
    lnS0: FloatArray
    lnS2: FloatArray
    lnP: FloatArray
    lnG: FloatArray
    ext: FloatArray
    u_min_end: float
    x_kd: float
    x_start: float
    flags: tuple[str, ...]


def _model_view(model: Any, width: str) -> _Model:
    """Validate a model and collect σ(s), its pole, δ and the elastic rate γ(T)."""
    m = check_positive("m_chi", getattr(model, "m_chi", None))
    dof = check_positive("dof", getattr(model, "dof", 2.0))
    multiplicity = 1.0 if bool(getattr(model, "self_conjugate", False)) else 2.0
    if isinstance(model, ALPModel):
        ann = ALPAnnihilation.from_model(model, width)
        rate = _alp_gamma(ann, m, dof)
        return _Model(m, dof, multiplicity, model.delta, ann.sigma, (ann.m_a, ann.gamma0), rate, ann, None)
    own_rate = getattr(model, "momentum_transfer_rate", None)
    gamma = _checked_rate(own_rate) if callable(own_rate) else None
    if callable(getattr(model, "sigma", None)):
        pole = _resonance(model)
        delta = getattr(model, "delta", None)
        if delta is None:
            delta = (pole[0] ** 2 - 4.0 * m * m) / (4.0 * m * m) if pole is not None else math.nan
        return _Model(m, dof, multiplicity, float(delta), model.sigma, pole, gamma, None, None)
    if callable(getattr(model, "thermal_sigma_v", None)):
        delta = float(getattr(model, "delta", math.nan))
        return _Model(m, dof, multiplicity, delta, None, None, gamma, None, model)
    raise ValueError("model needs sigma(s) or thermal_sigma_v(T) (and m_chi, dof, self_conjugate)")


def _alp_gamma(ann: ALPAnnihilation, m: float, dof: float) -> Callable[[FloatArray], FloatArray]:
    def rate(T: FloatArray) -> FloatArray:
        return momentum_transfer_rate(T, m, ann.m_a, ann.y_chi, ann.g_agg, dof)

    return rate


def _checked_rate(fn: Callable[[Any], Any]) -> Callable[[FloatArray], FloatArray]:
    """A model's own momentum_transfer_rate(T) [GeV], checked finite and ≥ 0."""

    def rate(T: FloatArray) -> FloatArray:
        T = np.asarray(T, dtype=float)
        out = np.broadcast_to(np.asarray(fn(T), dtype=float), T.shape).copy()
        if not (np.all(np.isfinite(out)) and np.all(out >= 0.0)):
            raise ValueError("momentum_transfer_rate(T) must be finite and >= 0")
        return out

    return rate


def _resonance(model: Any) -> tuple[float, float] | None:
    res = getattr(model, "resonance", None)
    if res is None:
        return None
    try:
        mass, width = res
    except (TypeError, ValueError) as err:
        raise ValueError(f"resonance must be (mass, width) in GeV, got {res!r}") from err
    return check_positive("resonance mass", mass), check_non_negative("resonance width", width)


def _tail_fit(x: FloatArray, S: FloatArray) -> tuple[float, float]:
    """a, b of S = a + b/x through the last two table points."""
    x1, x2, s1, s2 = x[-2], x[-1], S[-2], S[-1]
    b = (s1 - s2) / (1.0 / x1 - 1.0 / x2)
    return s2 - b / x2, b


def _thermal_tables(pt: _Model, x: FloatArray) -> tuple[FloatArray, FloatArray, list[str]]:
    """⟨σv⟩, ⟨σv⟩₂ of a model that gives only thermal_sigma_v(T) (and maybe thermal_sigma_v_2)."""
    flags: list[str] = []
    model = pt.thermal
    T = pt.m / x
    s0 = np.broadcast_to(np.asarray(model.thermal_sigma_v(T), dtype=float), x.shape).copy()
    if callable(getattr(model, "thermal_sigma_v_2", None)):
        s2 = np.broadcast_to(np.asarray(model.thermal_sigma_v_2(T), dtype=float), x.shape).copy()
    else:
        s2 = s0.copy()
        flags.append(FLAG_SECOND_MOMENT_ASSUMED)
    return s0, s2, flags


def kinetic_decoupling(x: FloatArray, gamma: FloatArray, tab: ThermoTable, m: float) -> float:
    """x_kd where γ(T) = H(T), read from a table of γ at x (nan if γ ≡ 0)."""
    if not np.any(gamma > 0.0):
        return math.nan
    return crossing_from_table(x, gamma / hubble(m / x, tab))


@dataclass(frozen=True)
class _Lattice:
    """The uniform grid in u = ln x of one (m_χ, δ): every table of a point is a tail of it."""

    h: float
    u: FloatArray
    x: FloatArray
    end: float  # earliest stop x (x_min_end)


def _lattice(pt: _Model, x_start: float | None, per_decade: int | None, x_min_end: float | None) -> _Lattice:
    """u nodes from x_hi down to X_START_MIN/8 (or x_start/8), h = ln10/per_decade
    (docs/relic.md#numerics); depends on m_χ only through δ, never on the couplings."""
    delta = pt.delta
    if math.isfinite(delta) and delta != 0.0:
        x_hi = min(max(1e4, 1e3 / abs(delta)), 1e10)
        end = max(1e3, 40.0 / abs(delta))
    else:
        x_hi, end = 1e5, 1e3
    if x_min_end is not None:
        end = x_min_end
    nodes = per_decade if per_decade is not None else _default_per_decade(pt)
    h = math.log(10.0) / nodes
    x_bottom = 0.125 * min(X_START_MIN, x_start if x_start is not None else X_START_MIN)
    n_all = max(8, math.ceil(math.log(x_hi / x_bottom) / h)) + 1
    u_all = math.log(x_hi) - h * np.arange(n_all)[::-1]
    return _Lattice(h, u_all, np.exp(u_all), end)


@dataclass(frozen=True)
class _Row:
    """What ALP points of the same masses, g_aγγ and width treatment share (one "row" of a grid,
    physics.relic_grid; a single point is a row of one): the lattice, γ and H on it for
    y_χ g_aγγ = 1 (γ ∝ (y_χ g_aγγ)², physics.elastic), ln P on it and the ⟨σv⟩ tables."""

    lattice: _Lattice
    gamma_unit: FloatArray
    hubble: FloatArray
    lnP: FloatArray
    tables: RowTables


def _alp_row(
    pts: Sequence[_Model],
    x_start: float | None,
    per_decade: int | None,
    x_min_end: float | None,
    second: bool,
    tab: ThermoTable,
) -> _Row:
    """The shared part of ALP points ``pts`` (same m_χ, m_a, g_aγγ, width; any y_χ)."""
    pt = pts[0]
    ann = pt.ann
    assert ann is not None
    lat = _lattice(pt, x_start, per_decade, x_min_end)
    T = pt.m / lat.x
    unit = momentum_transfer_rate(T, pt.m, ann.m_a, 1.0, 1.0, pt.dof)
    anns = [p.ann for p in pts if p.ann is not None]
    y = np.array([a.y_chi for a in anns])[:, None]

    def sigmas(s: FloatArray) -> FloatArray:
        return sigma_kernel(s[None, :], pt.m, ann.m_a, y, ann.g_agg, ann.energy_dependent)

    tables = RowTables(pt.m, ann.m_a, lat.x, sigmas, [a.gamma0 for a in anns], second)
    return _Row(lat, unit, hubble(T, tab), ode.p_table(lat.x), tables)


def _setup(
    pt: _Model,
    x_start: float | None,
    per_decade: int | None,
    tab: ThermoTable,
    x_min_end: float | None,
    second: bool = True,
    *,
    row: _Row | None = None,
    column: int = 0,
) -> _Setup:
    """Tables of ⟨σv⟩, ⟨σv⟩₂, P and γ on one uniform grid in u = ln x (docs/relic.md#numerics).

    γ is evaluated once on the grid extended down to X_START_MIN/8, which also gives x_kd and
    hence the default start; the rate tables cover [x_start/8, x_hi]. An ALP point takes them
    from ``row`` (point ``column`` of it; a row of its own if None: docs/relic.md#grid-solver)."""
    if row is None and pt.ann is not None:
        row = _alp_row([pt], x_start, per_decade, x_min_end, second, tab)
    if row is not None and pt.ann is not None:
        lat = row.lattice
        gam_all = row.gamma_unit * (pt.ann.y_chi * pt.ann.g_agg) ** 2
    else:
        lat = _lattice(pt, x_start, per_decade, x_min_end)
        gam_all = pt.gamma(pt.m / lat.x) if pt.gamma is not None else np.zeros_like(lat.x)
    u_all, x_all, h, n_all = lat.u, lat.x, lat.h, lat.u.size
    if row is not None:
        x_kd = crossing_from_table(x_all, gam_all / row.hubble) if np.any(gam_all > 0.0) else math.nan
    else:
        x_kd = kinetic_decoupling(x_all, gam_all, tab, pt.m)
    flags: list[str] = []
    if x_start is None:
        x_start, start_flags = default_start(x_kd, X_START_BE)
        flags += start_flags
    elif math.isfinite(x_kd) and x_start > 0.5 * x_kd:
        flags.append(FLAG_KINETIC_EQUILIBRIUM_ASSUMED)
    # table from x_start/8: a second start at x_start/2 (start-sensitivity check) needs x_start/8
    first = max(min(int(np.searchsorted(u_all, math.log(0.125 * x_start), side="right")) - 1, n_all - 8), 0)
    u, x, gam = u_all[first:], x_all[first:], gam_all[first:]
    if row is not None:
        s0, s2 = row.tables.tables(column, first)
        rate_flags: list[str] = []
        lnP = row.lnP[first:]
    elif pt.sigma is not None:  # any σ(s): the same quadrature as a row of one
        m_res, width0 = pt.pole if pt.pole is not None else (0.0, 0.0)
        sigma = pt.sigma

        def sigmas(s: FloatArray) -> FloatArray:
            return np.asarray(sigma(s), dtype=float)[None, :]

        s0, s2 = RowTables(pt.m, m_res, x_all, sigmas, [width0], second).tables(0, first)
        rate_flags = []
        lnP = ode.p_table(x)
    else:
        s0, s2, rate_flags = _thermal_tables(pt, x)
        lnP = ode.p_table(x)
    flags += rate_flags
    if not (np.all(np.isfinite(s0)) and np.all(s0 > 0) and np.all(np.isfinite(s2)) and np.all(s2 > 0)):
        raise ValueError("⟨σv⟩ must be finite and > 0 at all temperatures")
    ext = np.array([*_tail_fit(x, s0), *_tail_fit(x, s2)])
    with np.errstate(divide="ignore"):
        ln_g = np.where(gam > 0, np.log(np.where(gam > 0, gam, 1.0)), -700.0)
    return _Setup(
        pt=pt,
        u0=float(u[0]),
        h=h,
        lnS0=np.log(s0),
        lnS2=np.log(s2),
        lnP=lnP,
        lnG=ln_g,
        ext=ext,
        u_min_end=math.log(lat.end),
        x_kd=x_kd,
        x_start=float(x_start),
        flags=tuple(flags),
    )


def _default_per_decade(pt: _Model) -> int:
    """⟨σv⟩-table nodes per decade of x (docs/relic.md#numerics): 12, or 24 (δ > 0.1) and 32
    (δ > 1) above threshold, where ln⟨σv⟩ bends sharply from the resonant e^{−δx} fall to the
    non-resonant floor near freeze-out (12 nodes gave up to 1.4 % there, 24 ≤ 3.5e-4)."""
    d = pt.delta
    if pt.pole is None or not math.isfinite(d) or d <= 0.1:
        return 12
    return 24 if d <= 1.0 + 1e-9 else 32  # δ = 1 from m_χ = m_a/(2√2) is 1 + 7e-16


def _rate_over_hubble_at(st: _Setup, x: FloatArray, tab: ThermoTable) -> FloatArray:
    """Γ_ann/H̃ = n_eq⟨σv⟩/H̃ at each x (chemical-equilibrium rate; compiled)."""
    pt = st.pt
    return ode.rate_over_hubble(
        np.ascontiguousarray(x, dtype=float), pt.m, pt.dof, tab.breaks, tab.coef_lnh, tab.coef_lng,
        st.lnS0, st.u0, st.h, st.ext[0], st.ext[1],
    )  # fmt: skip


def _rate_over_hubble(st: _Setup, x: float, tab: ThermoTable) -> float:
    """Γ_ann/H̃ = n_eq⟨σv⟩/H̃ at x (chemical-equilibrium rate)."""
    return float(_rate_over_hubble_at(st, np.array([x]), tab)[0])


def _equilibrium_check(st: _Setup, tab: ThermoTable) -> float:
    """max over x ∈ [x_start, 30] of Γ_ann/H̃ = n_eq ⟨σv⟩/H̃ (chemical-equilibrium test)."""
    x = st.x_start * np.exp(np.linspace(0.0, math.log(max(30.0, 2 * st.x_start) / st.x_start), 60))
    return float(np.max(_rate_over_hubble_at(st, x, tab)))


# --------------------------------------------------------------------------------------
# main entry point
# --------------------------------------------------------------------------------------
def _validate(method: str, width: str, gamma_multiplier: float) -> float:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if width not in WIDTH_MODES:
        raise ValueError(f"width must be one of {WIDTH_MODES}, got {width!r}")
    return check_non_negative("gamma_multiplier", gamma_multiplier)


def _option(name: str, value: float | None, default: float) -> float:
    return default if value is None else check_positive(name, value)


def omega_h2(
    model: Any,
    method: str = "cbe",
    width: str = "energy_dependent",
    gamma_multiplier: float = 1.0,
    tight_coupling: bool = False,
    *,
    rtol: float | None = None,
    x_start: float | None = None,
    per_decade: int | None = None,
    freeze_tol: float | None = None,
    x_min_end: float | None = None,
    x_max: float | None = None,
    thermo: ThermoTable | None = None,
    fbe_options: dict[str, Any] | None = None,
) -> RelicResult:
    """Relic abundance Ωh² of χ (+ χ̄ for Dirac DM) by the nBE, cBE or fBE.

    Parameters
    ----------
    model : ALPModel or object with m_chi [GeV], dof, self_conjugate, sigma(s) or thermal_sigma_v(T)
        (module docstring; the fBE needs sigma(s)).
    method : "nbe" (number density), "cbe" (number density + DM temperature) or "fbe" (full
        phase space, physics.fbe). The result's ``method`` always names the solver that ran.
    width : "energy_dependent" (Γ_a(√s) in the propagator, default) or "constant" (Γ_a(m_a)).
    gamma_multiplier : scales the elastic momentum-transfer rate γ(T) (≥ 0; cBE and fBE).
    tight_coupling : add 1e8 H to γ at every x (forces kinetic equilibrium; cBE, fBE → nBE).

    Options (keyword only; all methods unless stated):
    rtol : error tolerance per step on ln Y, ln T_χ (nBE/cBE, default 1e-5: Ωh² ~2e-4 high,
        docs/relic_crosscheck.md) or on ln f (fBE, default 1e-4).
    x_start : first x (equilibrium there). Default min(1, x_kd/2) for the nBE/cBE and
        min(3, x_kd/2) for the fBE, not below 0.05 (flag ``kinetic_equilibrium_assumed_at_start``
        if x_kd/2 is earlier, or if a given x_start is later than x_kd/2).
    per_decade : ⟨σv⟩-table nodes per decade of x (nBE/cBE only; ValueError with the fBE).
    freeze_tol : stop when |d ln Y/d ln x| < freeze_tol (and x ≥ x_min_end); the remaining
        ∝ 1/x tail is added analytically (Y_∞ = Y_end exp(d ln Y/d ln x)). Default 1e-5.
    x_min_end : earliest stop (default max(1e3, 40/|δ|): resonant annihilation lasts to x ~ 1/δ).
    x_max : latest stop (default 1e9; flag ``not_frozen_at_x_max`` if Y is still changing).
    thermo : SM equation-of-state table (default: hazma 2.2.0).
    fbe_options : momentum-grid settings of the fBE (physics.fbe.FBEOptions; fBE only).

    Raises
    ------
    ValueError for invalid input (non-positive or non-finite masses, unknown method/width, an
    option that does not apply to the chosen method, …). A parameter point that never reaches
    chemical equilibrium returns omega_h2 = nan with the flag "never_in_equilibrium" (freeze-in
    regime, not computed), labelled with the requested method.
    """
    gscale = _validate(method, width, gamma_multiplier)
    if not isinstance(tight_coupling, bool | np.bool_):
        raise ValueError(f"tight_coupling must be True or False, got {tight_coupling!r}")
    fbe = method == "fbe"
    if fbe and per_decade is not None:
        raise ValueError("per_decade sets the nBE/cBE ⟨σv⟩ tables; it does not apply to method='fbe'")
    if not fbe and fbe_options is not None:
        raise ValueError(f"fbe_options apply to method='fbe' only, not to method={method!r}")
    if per_decade is not None and (check_positive("per_decade", per_decade) < 2):
        raise ValueError(f"per_decade must be >= 2, got {per_decade!r}")
    defaults = DEFAULTS_FBE if fbe else DEFAULTS_BE
    rtol = _option("rtol", rtol, defaults["rtol"])
    freeze_tol = _option("freeze_tol", freeze_tol, defaults["freeze_tol"])
    x_max = _option("x_max", x_max, defaults["x_max"])
    x_start = None if x_start is None else check_positive("x_start", x_start)
    x_min_end = None if x_min_end is None else check_positive("x_min_end", x_min_end)
    if thermo is not None and not isinstance(thermo, ThermoTable):
        raise ValueError(f"thermo must be a physics.thermo.ThermoTable, got {type(thermo).__name__}")
    tab = thermo or default_table()
    opts = FBEOptions.from_dict(fbe_options) if fbe else None
    pt = _model_view(model, width)
    if fbe and pt.sigma is None:
        raise ValueError(
            "method='fbe' needs the cross-section sigma(s); this model gives only thermal_sigma_v(T)"
        )
    st = _setup(pt, None if fbe else x_start, per_decade, tab, x_min_end, second=method == "cbe")
    tight = TIGHT_COUPLING_FACTOR if tight_coupling else 0.0
    if not fbe:
        return _be_result(
            st, _Solver(method, gscale, tight, rtol, freeze_tol, x_max, tab), x_start is not None
        )
    flags = [f for f in st.flags if f != FLAG_KINETIC_EQUILIBRIUM_ASSUMED]
    early = _equilibrium_flags(st, tab, method, flags)
    if early is not None:
        return early
    nbe = _integrate(st, _Solver("nbe", 0.0, 0.0, DEFAULTS_BE["rtol"], 1e-4, x_max, tab), [])
    return _fbe(st, nbe, gscale, tight, rtol, x_start, freeze_tol, x_max, tab, flags, opts)


def _equilibrium_flags(st: _Setup, tab: ThermoTable, method: str, flags: list[str]) -> RelicResult | None:
    """The chemical-equilibrium test and its flags (appended to ``flags``): a not-computed result
    if the point never reaches equilibrium (freeze-in regime), else None."""
    rate_max = _equilibrium_check(st, tab)
    if rate_max < 1.0:
        T_kd = st.pt.m / st.x_kd if math.isfinite(st.x_kd) and st.x_kd > 0 else math.nan
        return not_computed(
            method,
            (*flags, FLAG_NEVER_IN_EQUILIBRIUM),
            f"never in equilibrium (max Γ_ann/H = {rate_max:.2g} < 1): freeze-in regime, not computed",
            T_kd,
        )
    if rate_max < 100.0:
        flags.append(FLAG_MARGINAL_EQUILIBRIUM)
    if method != "nbe" and st.pt.gamma is None:
        flags.append(FLAG_NO_ELASTIC_RATE)
    return None


@dataclass(frozen=True)
class _Solver:
    """How one nBE/cBE solve runs (the options of :func:`omega_h2`, validated)."""

    method: str
    gscale: float  # scale of the elastic rate γ
    tight: float  # tight-coupling factor (0: off)
    rtol: float
    freeze_tol: float
    x_max: float
    tab: ThermoTable

    @classmethod
    def default(cls, method: str, tab: ThermoTable) -> _Solver:
        """The defaults of :func:`omega_h2` (physics.relic_grid)."""
        return cls(
            method, 1.0, 0.0, DEFAULTS_BE["rtol"], DEFAULTS_BE["freeze_tol"], DEFAULTS_BE["x_max"], tab
        )


def _be_result(st: _Setup, sv: _Solver, start_given: bool, evolution: bool = True) -> RelicResult:
    """nBE or cBE from prepared tables: equilibrium test, ODE, start-sensitivity check, flags.

    The one path after the tables for :func:`omega_h2` and physics.relic_grid (which asks for
    ``evolution=False``: no x, Y, … arrays, the same numbers)."""
    flags = list(st.flags)
    early = _equilibrium_flags(st, sv.tab, sv.method, flags)
    if early is not None:
        return early
    res = _integrate(st, sv, flags, evolution)
    if not start_given and _start_sensitive(st, st.x_start, sv, res.omega_h2):
        res = _with_flag(res, FLAG_ACCURACY)
    return res


def _start_sensitive(st: _Setup, x0: float, sv: _Solver, omega: float | None = None) -> bool:
    """True if starting at x0/2 instead of x0 moves Ωh² by more than START_SENSITIVITY_MAX.

    Checked (one more ODE solve, same tables) only where Γ_ann/H̃ < START_RATE_MIN at x0: there
    the DM is not deep in chemical equilibrium at the start and the result may remember the
    assumed initial abundance Y = Y_eq (docs/relic.md#accuracy)."""
    if _rate_over_hubble(st, x0, sv.tab) >= START_RATE_MIN:
        return False
    if omega is None:
        omega = _integrate(replace(st, x_start=x0), sv, [], False).omega_h2
    early = _integrate(replace(st, x_start=0.5 * x0), sv, [], False)
    return abs(early.omega_h2 / omega - 1.0) > START_SENSITIVITY_MAX


def _with_flag(res: RelicResult, flag: str) -> RelicResult:
    flags = (*res.flags, flag)
    return replace(res, flags=flags, message=f"{res.method}: Ωh² = {res.omega_h2:.4g} ({', '.join(flags)})")


def _integrate(st: _Setup, sv: _Solver, flags: list[str], evolution: bool = True) -> RelicResult:
    """One nBE/cBE solve from st.x_start; ``evolution=False`` leaves the arrays x, Y, … empty
    (grids and the start-sensitivity check need only the numbers)."""
    pt, method, tab, x_max, freeze_tol = st.pt, sv.method, sv.tab, sv.x_max, sv.freeze_tol
    mode = 0 if method == "nbe" else 1
    u_start = math.log(st.x_start)
    ln_yeq0 = ode.background(u_start, pt.m, pt.dof, tab.breaks, tab.coef_lnh, tab.coef_lng)[0]
    out = np.empty((40000, 4))
    n, status = ode.solve(
        mode, pt.m, pt.dof, sv.gscale, sv.tight,
        tab.breaks, tab.coef_lnh, tab.coef_lng, st.u0, st.h, st.lnS0, st.lnS2, st.lnP, st.lnG, st.ext,
        u_start, st.u_min_end, math.log(x_max), ln_yeq0, sv.rtol, freeze_tol, out,
    )  # fmt: skip
    u, w0, w1, f0 = out[:n].T
    if status != ode.STATUS_OK:
        flags.append(f"integrator_status_{status}")
    if not np.all(np.isfinite(w0)):
        raise FloatingPointError("relic-density integration produced non-finite values")
    bg = (pt.m, pt.dof, tab.breaks, tab.coef_lnh, tab.coef_lng)
    if evolution:
        ln_yeq = ode.ln_yeq_array(u, *bg)
    else:  # ln Y_eq only as far as the freeze-out crossing needs (same numbers there)
        ln_yeq = ode.ln_yeq_to_crossing(u, w0, math.log(FREEZE_OUT_RATIO), *bg)
    k = ln_yeq.size
    Yeq = np.exp(ln_yeq)
    x_f = freeze_out_crossing(np.exp(u[:k]), w0[:k], np.log(np.maximum(Yeq, 1e-300)))
    if u[-1] >= math.log(x_max) and abs(f0[-1]) >= freeze_tol:
        flags.append(FLAG_NOT_FROZEN)
    Y_inf = float(math.exp(w0[-1]) * math.exp(f0[-1]))  # remaining ∝ 1/x tail: Δ ln Y = d ln Y/d ln x
    omega = omega_from_yield(Y_inf, pt.m, pt.multiplicity)
    empty = np.empty(0)
    x = np.exp(u) if evolution else empty
    Y = np.exp(w0) if evolution else empty
    t_ratio = (np.exp(w1) if mode == 1 else np.ones_like(x)) if evolution else empty
    Yeq = Yeq if evolution else empty
    msg = f"{method}: Ωh² = {omega:.4g}" + (f" ({', '.join(flags)})" if flags else "")
    return RelicResult(
        omega_h2=float(omega),
        x_freeze_out=x_f,
        T_kd=pt.m / st.x_kd if math.isfinite(st.x_kd) else math.nan,
        x=x,
        Y=Y,
        Y_eq=Yeq,
        T_chi_over_T=t_ratio,
        method=method,
        Y_inf=Y_inf,
        x_end=float(math.exp(u[-1])),
        flags=tuple(flags),
        message=msg,
        extra={"x_kd": st.x_kd, "x_start": st.x_start, "n_steps": int(n), "dlnY_dlnx_end": float(f0[-1])},
    )


def _fbe_validated(pt: _Model) -> bool:
    """Inside the domain of the fBE refinement study (docs/relic.md#fbe-accuracy): no pole or a
    pole narrow enough for the exact core, |δ| ≤ 1."""
    d = pt.delta
    return narrow_pole(pt.m, pt.pole) and (not math.isfinite(d) or abs(d) <= 1.0 + 1e-9)


def _fbe(
    st: _Setup,
    nbe: RelicResult,
    gscale: float,
    tight: float,
    rtol: float,
    x_start: float | None,
    freeze_tol: float,
    x_max: float,
    tab: ThermoTable,
    flags: list[str],
    opts: FBEOptions | None,
) -> RelicResult:
    """Run the fBE (physics.fbe) and label its result "fbe"."""
    pt = st.pt
    x_f = nbe.x_freeze_out if math.isfinite(nbe.x_freeze_out) else 20.0
    problem = FBEProblem(pt.m, pt.dof, pt.sigma, pt.pole, pt.delta, pt.gamma, st.x_kd, x_f, tab)  # type: ignore[arg-type]
    kw = dict(gamma_multiplier=gscale, tight_factor=tight, rtol=rtol, freeze_tol=freeze_tol)
    kw.update(x_min_end=math.exp(st.u_min_end), x_max=x_max, options=opts)
    sol = solve_fbe(problem, x_start=x_start, **kw)  # type: ignore[arg-type]
    flags += list(sol.flags)
    if not _fbe_validated(pt):
        flags.append(FLAG_ACCURACY)
    elif x_start is None and _rate_over_hubble(st, sol.x_start, tab) < START_RATE_MIN:
        # not deep in chemical equilibrium at x₀: does the result remember the start?
        early = solve_fbe(problem, x_start=0.5 * sol.x_start, **kw)  # type: ignore[arg-type]
        y_ratio = math.exp(early.lnY[-1] + early.dlnY_dlnx_end - sol.lnY[-1] - sol.dlnY_dlnx_end)
        if abs(y_ratio - 1.0) > FBE_START_SENSITIVITY_MAX:
            flags.append(FLAG_ACCURACY)
    if not np.all(np.isfinite(sol.lnY)):
        raise FloatingPointError("fBE integration produced non-finite values")
    Y = np.exp(sol.lnY)
    Y_inf = float(Y[-1] * math.exp(sol.dlnY_dlnx_end))
    omega = omega_from_yield(Y_inf, pt.m, pt.multiplicity)
    x_fo = freeze_out_crossing(sol.x, sol.lnY, sol.lnYeq)
    info = sol.info
    msg = (
        f"fbe: Ωh² = {omega:.4g} ({info['n_cells']} momentum cells, q̂ ≤ {info['q_max']:.3g}, "
        f"start x = {sol.x_start:.3g})" + (f" ({', '.join(flags)})" if flags else "")
    )
    return RelicResult(
        omega_h2=float(omega),
        x_freeze_out=x_fo,
        T_kd=pt.m / st.x_kd if math.isfinite(st.x_kd) else math.nan,
        x=sol.x,
        Y=Y,
        Y_eq=np.exp(sol.lnYeq),
        T_chi_over_T=sol.T_chi_over_T,
        method="fbe",
        Y_inf=Y_inf,
        x_end=float(sol.x[-1]),
        flags=tuple(flags),
        message=msg,
        extra={
            "q": sol.q_end,
            "f_end": sol.f_end,
            "x_kd": st.x_kd,
            "x_start": sol.x_start,
            "omega_nbe": nbe.omega_h2,
            "dlnY_dlnx_end": sol.dlnY_dlnx_end,
            **info,
        },
    )


__all__ = ["FREEZE_OUT_RATIO", "METHODS", "ConstantSigmaV", "RelicResult", "omega_h2"]
