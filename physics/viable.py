"""The jointly viable region: δ* solving Ωh² = 0.120, and the viability of one point.

- :func:`delta_star` — every detuning δ (both signs) where Ωh² = 0.120 at fixed
  (m_a, g_aWW, g_aχχ) by the nBE, cBE or fBE (docs/physics.md#viability).
- :func:`viability` — Belle II ∧ relic ∧ measured limits ∧ CMB ∧ scenario for one
  :class:`~physics.model.ALPModel`, with the failed criteria as reasons.
- :func:`viability_at_delta_star` — both steps at once: one verdict per δ*, or a single
  "relic: no solution" verdict.

Only the public :func:`physics.relic.omega_h2` API is used for the relic density.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from . import limits
from .cmb import CMB_VERDICT_KEY, FLAG_HALO_POLE, HALO_POLE_DELTA
from .constants import BELLE2_R_MAX_M, OMEGA_H2_PLANCK, OMEGA_H2_RELATIVE_TOLERANCE, P_ANN_PLANCK_2018
from .decays import br_a_invisible, p_invisible_belle2, scenario
from .flavour import br_B_to_K_a
from .model import ALPModel, check_mass, check_non_negative, check_positive
from .relic import METHODS, RelicResult, omega_h2
from .targets import DEFAULT_TARGET, TARGET_CHOICES, belle2_target

# ----------------------------------------------------------------------------- δ* search settings
ABS_DELTA_MIN = 1e-6
"""Smallest |δ| searched by default. Below it halo velocities reach the pole today (line
searches, not modelled; docs/physics.md#cmb) and resonant annihilation lasts to x ~ 1/|δ| > 10⁶,
close to the relic engine's x_max = 10⁹ for δ < 0."""
ABS_DELTA_MAX = 10.0
"""Largest δ > 0 searched by default (m_χ = m_a/(2√11): far from the resonance)."""
NEGATIVE_DELTA_LIMIT = 0.75
"""Largest |δ| searched for δ < 0: at δ = −0.75, m_χ = m_a and χχ̄ → aa opens, a channel the
relic engine does not include."""
POINTS_PER_DECADE = 1.0
"""Default grid density in |δ| (log nodes per decade, per sign)."""
XTOL_LN_DELTA = 1e-4
"""Brent's method stops when the bracket in ln|δ| is below this ..."""
FTOL_LN_OMEGA = 1e-4
"""... or as soon as |ln(Ωh²/0.120)| is below this."""
SIGN_CHOICES = ("both", "positive", "negative")
"""Values of the ``signs`` search option of :func:`delta_star` (which signs of δ are searched)."""
_SEARCH_OPTIONS = ("g_aBB", "abs_delta_min", "abs_delta_max", "points_per_decade", "xtol", "ftol", "signs")


@dataclass(frozen=True)
class DeltaStar:
    """All δ with Ωh² = 0.120 found by :func:`delta_star`.

    roots : δ values, sorted ascending (negative ones first); empty if there is no solution.
    root_flags : per root, the relic engine's flags at that δ, plus
        ``"halo_velocities_reach_pole"`` for 0 < δ ≤ 10⁻⁶ (physics.cmb).
    method : "nbe", "cbe" or "fbe".
    flags : search-level notes: ``"relic_not_computed_on_grid"`` (some nodes gave no Ωh², e.g.
        never in equilibrium: a root next to them can be missed), ``"outside_model_domain"``
        (some nodes skipped: m_χ out of range or y_χ > 4π).
    samples : every evaluated (δ, Ωh²), sorted by δ (NaN: not computed).
    domain : the searched δ intervals, ((−|δ|_max⁻, −|δ|_min), (|δ|_min, |δ|_max)).
    """

    roots: tuple[float, ...]
    root_flags: tuple[tuple[str, ...], ...]
    method: str
    flags: tuple[str, ...]
    samples: tuple[tuple[float, float], ...]
    domain: tuple[tuple[float, float], ...] = ()

    def describe_domain(self) -> str:
        """The searched δ range as text, e.g. "δ ∈ [-0.75, -1e-06] ∪ [1e-06, 10]"."""
        return "δ ∈ " + " ∪ ".join(f"[{a:.3g}, {b:.3g}]" for a, b in self.domain)

    def __len__(self) -> int:
        return len(self.roots)


class _NoNumber(Exception):
    """Raised inside the root finder when Ωh² has no number inside a bracket."""


class _Converged(Exception):
    """Raised inside the root finder once |ln(Ωh²/0.120)| ≤ ftol (early exit)."""

    def __init__(self, ln_abs_delta: float) -> None:
        super().__init__(ln_abs_delta)
        self.ln_abs_delta = ln_abs_delta


def _omega_option_names() -> frozenset[str]:
    params = inspect.signature(omega_h2).parameters
    return frozenset(name for name in params if name not in ("model", "method"))


def _check_method(method: str) -> str:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


def _split_options(opts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(search options, omega_h2 options); ValueError naming an unknown option."""
    allowed = _omega_option_names()
    unknown = sorted(k for k in opts if k not in allowed and k not in _SEARCH_OPTIONS)
    if unknown:
        raise ValueError(
            f"unknown option(s) {unknown}; search options {list(_SEARCH_OPTIONS)}, "
            f"omega_h2 options {sorted(allowed)}"
        )
    search = {k: v for k, v in opts.items() if k in _SEARCH_OPTIONS}
    return search, {k: v for k, v in opts.items() if k not in _SEARCH_OPTIONS}


@dataclass
class _Evaluator:
    """ln(Ωh²/0.120) at signed δ, memoised; None where there is no number."""

    m_a: float
    g_aWW: float
    g_achi: float
    g_aBB: float
    method: str
    omega_opts: dict[str, Any]

    def __post_init__(self) -> None:
        self.cache: dict[float, tuple[float | None, tuple[str, ...]]] = {}
        self.skipped = 0
        self.not_computed = 0

    def __call__(self, delta: float) -> float | None:
        if delta not in self.cache:
            self.cache[delta] = self._evaluate(delta)
        return self.cache[delta][0]

    def _evaluate(self, delta: float) -> tuple[float | None, tuple[str, ...]]:
        try:
            model = ALPModel.from_detuning(self.m_a, delta, self.g_aWW, self.g_achi, self.g_aBB)
        except ValueError:  # m_χ outside 1 keV – 10 TeV or y_χ > 4π at this δ
            self.skipped += 1
            return None, ()
        res = omega_h2(model, method=self.method, **self.omega_opts)
        if not (math.isfinite(res.omega_h2) and res.omega_h2 > 0):
            self.not_computed += 1
            return None, tuple(res.flags)
        return math.log(res.omega_h2 / OMEGA_H2_PLANCK), tuple(res.flags)

    def flags_at(self, delta: float) -> tuple[str, ...]:
        """The relic engine's flags at ``delta`` (evaluated if the root finder did not)."""
        self(delta)
        return self.cache[delta][1]


def _side_grid(lo: float, hi: float, per_decade: float) -> np.ndarray:
    """|δ| nodes lo·10^(k/per_decade) up to hi, plus hi itself: no gap wider than
    1/per_decade decades, and both signs share their nodes below the shorter side's end."""
    n_steps = math.floor(per_decade * math.log10(hi / lo) + 1e-9)
    nodes = lo * 10.0 ** (np.arange(n_steps + 1) / per_decade)
    return nodes if nodes[-1] >= hi * (1.0 - 1e-9) else np.append(nodes, hi)


def _refine(
    f: Callable[[float], float | None],
    sign: float,
    bracket: tuple[float, float],
    ends: tuple[float, float],
    xtol: float,
    ftol: float,
) -> float | None:
    """Brent's method in u = ln|δ| on ``bracket`` (a sign change; ``ends`` are the known values
    there, so the nodes are not recomputed); returns δ, or None if Ωh² has no number somewhere
    inside the bracket."""
    known = dict(zip(bracket, ends, strict=True))

    def g(u: float) -> float:
        val = known[u] if u in known else f(sign * math.exp(u))
        if val is None:
            raise _NoNumber
        if abs(val) <= ftol:
            raise _Converged(u)
        return val

    try:
        u = brentq(g, *bracket, xtol=xtol)
    except _Converged as done:
        u = done.ln_abs_delta
    except _NoNumber:
        return None
    return sign * math.exp(u)


def _search_side(f: _Evaluator, sign: float, nodes: np.ndarray, xtol: float, ftol: float) -> list[float]:
    """Roots on one side: sign changes of ln(Ωh²/0.120) between neighbouring nodes."""
    deltas = [sign * float(v) for v in nodes]
    values = [f(d) for d in deltas]
    roots: list[float] = []
    for i, (d, v) in enumerate(zip(deltas, values, strict=True)):
        if v == 0.0:
            roots.append(d)
            continue
        if i + 1 == len(deltas):
            break
        w = values[i + 1]
        if v is None or w is None or w == 0.0 or (v > 0) == (w > 0):
            continue
        bracket = (math.log(abs(d)), math.log(abs(deltas[i + 1])))
        root = _refine(f, sign, bracket, (v, w), xtol, ftol)
        if root is not None:
            roots.append(root)
    return roots


def delta_star(m_a: float, g_aWW: float, g_achi: float, method: str = "cbe", **opts: Any) -> DeltaStar:
    """Every δ = (m_a² − 4m_χ²)/(4m_χ²) with Ωh² = 0.120 (Planck 2018) at fixed m_a [GeV],
    g_aWW [GeV⁻¹], g_aχχ [GeV⁻¹] (docs/physics.md#viability).

    Ωh²(δ) is not monotonic in general, so each sign of δ is searched separately: ln(Ωh²/0.120)
    is evaluated on log-spaced nodes in |δ| (``points_per_decade``, default 1, both ends
    included) over [``abs_delta_min``, ``abs_delta_max``] = [10⁻⁶, 10] for δ > 0 and
    [10⁻⁶, min(``abs_delta_max``, 0.75)] for δ < 0 (m_χ ≤ m_a: χχ̄ → aa is not modelled); every
    sign change between neighbouring nodes is refined with Brent's method in ln|δ| with the same
    relic settings, until the bracket is below ``xtol`` (1e-4) in ln|δ| or
    |ln(Ωh²/0.120)| ≤ ``ftol`` (1e-4).

    Guaranteed: every returned δ is a sign change of Ωh² − 0.120 for the chosen relic settings.
    Not guaranteed: two roots closer than one grid spacing (a factor 10 in |δ| by default), or
    a root next to a node without a number (flag ``relic_not_computed_on_grid``), can be missed;
    raise ``points_per_decade`` to look closer. Nodes where m_χ leaves the model's domain
    (1 keV – 10 TeV, y_χ ≤ 4π) are skipped (flag ``outside_model_domain``).

    Options: ``g_aBB`` (default 0), ``abs_delta_min``, ``abs_delta_max``, ``points_per_decade``,
    ``xtol``, ``ftol``, ``signs`` ("both" (default), "positive" or "negative": search only one
    side, e.g. a window around a known root); any other keyword is passed to :func:`physics.relic.omega_h2`
    (e.g. ``width``, ``rtol``, ``fbe_options``). ``ValueError`` for bad input (non-positive
    couplings, unknown method or option, g_aWW·m_a > 4π, …).
    """
    method = _check_method(method)
    search, omega_opts = _split_options(opts)
    m_a = check_mass("m_a", m_a)
    g_aWW = check_positive("g_aWW", g_aWW)
    g_achi = check_positive("g_achi", g_achi)
    g_aBB = check_non_negative("g_aBB", search.get("g_aBB", 0.0))
    ALPModel(m_a, 0.5 * m_a, g_aWW, 0.0, g_aBB)  # validates the δ-independent couplings
    lo = check_positive("abs_delta_min", search.get("abs_delta_min", ABS_DELTA_MIN))
    hi = check_positive("abs_delta_max", search.get("abs_delta_max", ABS_DELTA_MAX))
    if hi <= lo:
        raise ValueError(f"abs_delta_max must be > abs_delta_min, got {hi!r} <= {lo!r}")
    per_decade = check_positive("points_per_decade", search.get("points_per_decade", POINTS_PER_DECADE))
    xtol = check_positive("xtol", search.get("xtol", XTOL_LN_DELTA))
    ftol = check_positive("ftol", search.get("ftol", FTOL_LN_OMEGA))
    signs = search.get("signs", "both")
    if not isinstance(signs, str) or signs not in SIGN_CHOICES:
        raise ValueError(f"signs must be one of {SIGN_CHOICES}, got {signs!r}")

    f = _Evaluator(m_a, g_aWW, g_achi, g_aBB, method, omega_opts)
    roots = []
    domain: list[tuple[float, float]] = []
    hi_neg = min(hi, NEGATIVE_DELTA_LIMIT)
    if hi_neg > lo and signs != "positive":
        roots += _search_side(f, -1.0, _side_grid(lo, hi_neg, per_decade), xtol, ftol)
        domain.append((-hi_neg, -lo))
    if signs != "negative":
        roots += _search_side(f, 1.0, _side_grid(lo, hi, per_decade), xtol, ftol)
        domain.append((lo, hi))
    roots = sorted(roots)
    root_flags = tuple(
        f.flags_at(d) + ((FLAG_HALO_POLE,) if 0.0 < d <= HALO_POLE_DELTA else ()) for d in roots
    )
    flags = (("relic_not_computed_on_grid",) if f.not_computed else ()) + (
        ("outside_model_domain",) if f.skipped else ()
    )
    samples = tuple(
        sorted((d, math.nan if v is None else OMEGA_H2_PLANCK * math.exp(v)) for d, (v, _) in f.cache.items())
    )
    return DeltaStar(tuple(roots), root_flags, method, flags, samples, tuple(domain))


# ----------------------------------------------------------------------------- viability
REASON_PREFIXES = ("belle2", "relic", "limit:", "cmb", "scenario")
"""Every reason of :class:`Viability` starts with one of these ("limit:<key>" for a limit)."""


@dataclass(frozen=True)
class Viability:
    """Whether one point explains the Belle II excess and the dark matter at once.

    viable : True when ``reasons`` is empty.
    reasons : the failed criteria, each starting with "belle2", "relic", "limit:<key>", "cmb"
        or "scenario" (docs/physics.md#viability).
    omega_h2 : Ωh² by ``method`` (NaN when the relic engine gives no number).
    belle2_pull : (BR(B→Ka)·P_inv − centre)/σ of the chosen target, σ the 1σ half-width on the
        side of the prediction (NaN outside the target's mass range).
    babar_pull : BaBar B→KX two-body tension pull (physics.limits.babar_tension_pull), reported
        and never a reason.
    signal : BR(B⁺→K⁺a)·P_inv. cmb_ratio : p_ann / 3.2×10⁻²⁸ cm³ s⁻¹ GeV⁻¹ (NaN: not applicable).
    delta : the point's δ (NaN for a "relic: no solution" verdict without a point).
    notes : remarks that are not failures (relic-engine flags, halo-pole regime, …).
    """

    viable: bool
    reasons: tuple[str, ...]
    omega_h2: float
    belle2_pull: float
    babar_pull: float
    method: str
    target: str
    n_sigma: float
    relic_tolerance: float
    signal: float = math.nan
    cmb_ratio: float = math.nan
    delta: float = math.nan
    notes: tuple[str, ...] = ()


def _check_criteria(method: str, target: str, n_sigma: float, relic_tolerance: float) -> tuple[float, float]:
    _check_method(method)
    if not isinstance(target, str) or target not in TARGET_CHOICES:
        raise ValueError(f"target must be one of {TARGET_CHOICES}, got {target!r}")
    return check_positive("n_sigma", n_sigma), check_positive("relic_tolerance", relic_tolerance)


def _pull(signal: float, centre: float, low_1sigma: float, high_1sigma: float) -> float:
    """(signal − centre)/σ with the asymmetric 1σ half-width on the signal's side."""
    sigma = high_1sigma - centre if signal >= centre else centre - low_1sigma
    return (signal - centre) / sigma if sigma > 0 else math.nan


def _belle2(
    model: ALPModel, target: str, n_sigma: float, r_max_m: float
) -> tuple[float, float, str | None, str | None]:
    """(signal, pull, belle2 reason, scenario reason) for the Belle II criterion."""
    br = float(br_B_to_K_a(model.m_a, model.g_aWW))
    signal = br * p_invisible_belle2(model, r_max_m)
    centre, low1, high1 = (float(v) for v in belle2_target(model.m_a, target))
    _, low, high = (float(v) for v in belle2_target(model.m_a, target, n_sigma=n_sigma))
    if not math.isfinite(centre):
        return (
            signal,
            math.nan,
            f"belle2: m_a = {model.m_a:g} GeV is outside the {target} target's mass range",
            None,
        )
    pull = _pull(signal, centre, low1, high1)
    if not low <= signal <= high:
        why = (
            f"belle2: BR(B→Ka)·P_inv = {signal:.3g} outside the {n_sigma:g}σ {target} band "
            f"[{low:.3g}, {high:.3g}] ({pull:+.2f}σ)"
        )
        return signal, pull, why, None
    br_inv = br_a_invisible(model)
    if br * br_inv < low:  # Belle II holds only because the ALP escapes undecayed
        why = (
            f"scenario: BR(a→χχ̄) = {br_inv:.3g} too small for missing energy: BR(B→Ka)·BR(a→χχ̄) = "
            f"{br * br_inv:.3g} is below the band; the ALP escapes undecayed instead "
            f"({scenario(model, r_max_m)})"
        )
        return signal, pull, None, why
    return signal, pull, None, None


def _relic(
    model: ALPModel, method: str, tolerance: float, options: dict[str, Any], given: RelicResult | None
) -> tuple[float, list[str], list[str]]:
    """(Ωh², reasons, notes) for the relic criterion (``given``: a result already computed)."""
    res = omega_h2(model, method=method, **options) if given is None else given
    notes = [f"relic: {flag}" for flag in res.flags]
    value = float(res.omega_h2)
    if not math.isfinite(value):
        return value, [f"relic: no number ({res.message or 'not computed'})"], notes
    deviation = value / OMEGA_H2_PLANCK - 1.0
    if abs(deviation) > tolerance:
        why = (
            f"relic: Ωh² = {value:.4g} ({method}) is {value / OMEGA_H2_PLANCK:.3g}× {OMEGA_H2_PLANCK:.3f} "
            f"(tolerance ±{100 * tolerance:g}%)"
        )
        return value, [why], notes
    return value, [], notes


def _limits_and_cmb(model: ALPModel, limit_options: dict[str, Any]) -> tuple[list[str], float, list[str]]:
    """(reasons, CMB ratio, notes): measured limits that exclude, and the Planck CMB bound."""
    reasons: list[str] = []
    notes: list[str] = []
    cmb_ratio = math.nan
    for v in limits.verdicts(model, **limit_options):
        if v.key == CMB_VERDICT_KEY:
            cmb_ratio = v.ratio
            if v.excluded:
                p = v.ratio * P_ANN_PLANCK_2018
                reasons.append(
                    f"cmb: p_ann = {p:.3g} cm³ s⁻¹ GeV⁻¹ is {v.ratio:.3g}× the Planck 2018 limit "
                    f"{P_ANN_PLANCK_2018:g}"
                )
            if v.note:
                notes.append(f"cmb: {v.note}")
        elif v.excluded and v.status == "measured":
            reasons.append(f"limit:{v.key}: {v.label} excludes it (prediction/limit = {v.ratio:.3g})")
    return reasons, cmb_ratio, notes


def viability(
    model: ALPModel,
    method: str = "cbe",
    *,
    target: str = DEFAULT_TARGET,
    n_sigma: float = 1.0,
    relic_tolerance: float = OMEGA_H2_RELATIVE_TOLERANCE,
    relic_options: dict[str, Any] | None = None,
    r_max_m: float = BELLE2_R_MAX_M,
    babar_as_limit: bool = False,
    cww_mapping: str = limits.CWW_MAPPING_DEFAULT,
    relic_result: RelicResult | None = None,
) -> Viability:
    """Does ``model`` explain the Belle II excess and the dark matter at once?
    (docs/physics.md#viability)

    Criteria (each failure adds a reason):

    1. ``belle2``: BR(B⁺→K⁺a)·P_inv inside the ``target`` band ("excess" or "two_body_fit",
       physics.targets) at ``n_sigma``;
    2. ``relic``: |Ωh²/0.120 − 1| ≤ ``relic_tolerance`` by ``method`` ("nbe", "cbe", "fbe";
       ``relic_options`` go to :func:`physics.relic.omega_h2`); no number → "relic: no number …";
    3. ``limit:<key>``: no measured limit of :func:`physics.limits.verdicts` excludes it
       (projections do not count; the BaBar B→KX two-body band is a tension, reported as
       ``babar_pull``);
    4. ``cmb``: p_ann below the Planck 2018 bound (physics.cmb);
    5. ``scenario``: missing energy, i.e. δ > 0 and BR(a→χχ̄) large enough that
       BR(B→Ka)·BR(a→χχ̄) alone reaches the band.

    Options of the parts: ``r_max_m`` [m], the Belle II radius of P_inv and of the ALP's
    signature (:func:`physics.decays.p_invisible_belle2`); ``babar_as_limit`` and
    ``cww_mapping`` as for :func:`physics.limits.verdicts` (BaBar's band counted as a limit at its
    2σ edge: a ``limit:babar_bk_inv`` reason); ``relic_result``: Ωh² already computed by
    ``method`` for this model (e.g. a slow fBE), used instead of solving again.

    ``ValueError`` for an unknown method or target, n_sigma ≤ 0, relic_tolerance ≤ 0, r_max_m ≤ 0
    or not finite, an unknown cww_mapping, or a relic_result computed by another method.
    """
    n_sigma, relic_tolerance = _check_criteria(method, target, n_sigma, relic_tolerance)
    if not isinstance(model, ALPModel):
        raise ValueError(f"model must be an ALPModel, got {type(model).__name__}")
    r_max_m = check_positive("r_max_m", r_max_m)
    limits.cww_to_g_aWW(cww_mapping)  # validates
    if relic_result is not None and getattr(relic_result, "method", None) != method:
        got = getattr(relic_result, "method", type(relic_result).__name__)
        raise ValueError(f"relic_result must be a result of method {method!r}, got {got!r}")
    reasons: list[str] = []
    signal, pull, why_belle2, why_scenario = _belle2(model, target, n_sigma, r_max_m)
    reasons += [why_belle2] if why_belle2 else []
    omega, why_relic, notes = _relic(model, method, relic_tolerance, dict(relic_options or {}), relic_result)
    reasons += why_relic
    limit_options = {"babar_as_limit": bool(babar_as_limit), "cww_mapping": cww_mapping}
    why_limits, cmb_ratio, limit_notes = _limits_and_cmb(model, limit_options)
    reasons += why_limits
    notes += limit_notes
    if model.delta <= 0.0:
        reasons.append(
            f"scenario: δ = {model.delta:.3g} ≤ 0: a → χχ̄ is closed (displaced-diphoton scenario); "
            "missing energy needs m_a > 2m_χ"
        )
    elif why_scenario:
        reasons.append(why_scenario)
    babar = float(limits.babar_tension_pull(model))
    return Viability(
        viable=not reasons,
        reasons=tuple(reasons),
        omega_h2=omega,
        belle2_pull=pull,
        babar_pull=babar,
        method=method,
        target=target,
        n_sigma=n_sigma,
        relic_tolerance=relic_tolerance,
        signal=signal,
        cmb_ratio=cmb_ratio,
        delta=model.delta,
        notes=tuple(notes),
    )


def viability_at_delta_star(
    m_a: float,
    g_aWW: float,
    g_achi: float,
    method: str = "cbe",
    *,
    target: str = DEFAULT_TARGET,
    n_sigma: float = 1.0,
    relic_tolerance: float = OMEGA_H2_RELATIVE_TOLERANCE,
    **opts: Any,
) -> tuple[Viability, ...]:
    """Solve Ωh² = 0.120 for δ (:func:`delta_star`, ``opts`` as there) and judge each solution
    with :func:`viability` (same relic settings). Without a solution: one verdict, not viable,
    reasons ("relic: no solution …",), every number NaN.
    """
    n_sigma, relic_tolerance = _check_criteria(method, target, n_sigma, relic_tolerance)
    found = delta_star(m_a, g_aWW, g_achi, method, **opts)
    search, omega_opts = _split_options(opts)
    if not found.roots:
        where = found.describe_domain()
        if "relic_not_computed_on_grid" in found.flags:
            where += "; Ωh² has no number at some δ (e.g. never in equilibrium)"
        nan = math.nan
        return (
            Viability(
                viable=False,
                reasons=(f"relic: no solution of Ωh² = {OMEGA_H2_PLANCK:.3f} by {method} for {where}",),
                omega_h2=nan,
                belle2_pull=nan,
                babar_pull=nan,
                method=method,
                target=target,
                n_sigma=n_sigma,
                relic_tolerance=relic_tolerance,
            ),
        )
    g_aBB = search.get("g_aBB", 0.0)
    return tuple(
        viability(
            ALPModel.from_detuning(m_a, d, g_aWW, g_achi, g_aBB),
            method,
            target=target,
            n_sigma=n_sigma,
            relic_tolerance=relic_tolerance,
            relic_options=omega_opts,
        )
        for d in found.roots
    )


__all__ = [
    "DeltaStar",
    "Viability",
    "delta_star",
    "viability",
    "viability_at_delta_star",
]
