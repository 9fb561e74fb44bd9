"""The dashboard's state: defaults, ranges, presets, choices, URL query string, typed-input parsing.

Pure functions only (no Dash import), so they are tested directly. The state is a small frozen
dataclass; the URL query string carries every field, e.g.
``?ma=2&delta=0.024&gww=8.4e-05&gchi=0.001&target=excess&width=energy_dependent&theme=light``
``&method=cbe&nsigma=1&rmax=1&babar=tension&cww=alpinist_gW``.
Query strings are length-limited, only whitelisted keys are read, numbers go through ``float``
(never ``eval``) and are range-checked; anything wrong is reported and replaced by the default.
A missing key is its default, so links written before a field existed keep working.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from physics import constants as C
from physics.annihilation import WIDTH_MODES
from physics.benchmark_points import ABSTRACT_CENTRE, BENCHMARK_POINTS, BenchmarkPoint
from physics.limits import CWW_MAPPING_CHOICES, CWW_MAPPING_DEFAULT, CWW_MAPPING_LABELS
from physics.model import delta_from_masses, m_chi_from_delta
from physics.relic import METHODS
from physics.targets import DEFAULT_TARGET, TARGET_CHOICES, TARGET_LABELS

SIG_FIGS = 4
"""Physics arguments are rounded to 4 significant figures (finer than the 0.01-decade slider step)."""

MAX_QUERY_LENGTH = 400
MAX_VALUE_LENGTH = 32

# numeric ranges (inclusive); δ is signed, |δ| in ABS_DELTA, and δ ≥ −NEG_DELTA_MAX
M_A_RANGE = (0.05, 5.0)
ABS_DELTA_RANGE = (1e-4, 1.0)
NEG_DELTA_MAX = 0.99
G_AWW_RANGE = (1e-7, 1e-2)
G_ACHI_RANGE = (1e-6, 1.0)
R_MAX_RANGE = (0.01, 10.0)
"""Belle II radius r_max [m] a user may set (default physics.constants.BELLE2_R_MAX_M = 1 m)."""
N_SIGMA_RANGE = (0.1, 5.0)
"""Width of the Belle II target band in its 1σ errors (default 1)."""
SLIDER_STEP = 0.01
"""Step of every log10 slider (decades)."""

METHOD_LABELS = {"nbe": "nBE", "cbe": "cBE", "fbe": "fBE (slow: in the background)"}
"""Display names of the relic methods (physics.relic.METHODS)."""
DEFAULT_METHOD = "cbe"
"""The viability verdict's default method (the paper's cBE; physics.viability's default)."""

CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "target": tuple(
        (t, TARGET_LABELS[t]) for t in (DEFAULT_TARGET, *(t for t in TARGET_CHOICES if t != DEFAULT_TARGET))
    ),
    "width": (("energy_dependent", "energy-dependent Γ(√s)"), ("constant", "constant Γ(m_a)")),
    "theme": (("light", "screen"), ("talk", "presentation (large, high contrast)")),
    "method": tuple(
        (m, METHOD_LABELS[m]) for m in (DEFAULT_METHOD, *(m for m in METHODS if m != DEFAULT_METHOD))
    ),
    "babar": (
        ("tension", "a tension: its pull in σ, never an exclusion"),
        ("limit", "a limit at its 2σ edge (excludes beyond it)"),
    ),
    "cww": tuple(
        (c, CWW_MAPPING_LABELS[c])
        for c in (CWW_MAPPING_DEFAULT, *(c for c in CWW_MAPPING_CHOICES if c != CWW_MAPPING_DEFAULT))
    ),
}
"""(value, label) of every choice control: the one source for the radio items and the URL check.
The first value is the default. Values and labels are the physics package's where it has them
(``physics.targets.TARGET_LABELS``, ``physics.annihilation.WIDTH_MODES``, ``physics.relic.METHODS``,
``physics.limits.CWW_MAPPING_LABELS``); ``babar`` is ``verdicts(..., babar_as_limit=...)``."""
TARGETS: tuple[str, ...] = tuple(v for v, _ in CHOICES["target"])
WIDTHS: tuple[str, ...] = tuple(v for v, _ in CHOICES["width"])
THEMES: tuple[str, ...] = tuple(v for v, _ in CHOICES["theme"])
assert set(WIDTHS) == set(WIDTH_MODES), "the width choices must be the relic engine's"
assert set(TARGETS) == set(TARGET_CHOICES), "the target choices must be physics.targets'"
assert {v for v, _ in CHOICES["method"]} == set(METHODS), "the methods must be the relic engine's"
assert {v for v, _ in CHOICES["cww"]} == set(CWW_MAPPING_CHOICES), "the C_WW mappings must be physics'"

# URL key -> state field
QUERY_KEYS = {
    "ma": "m_a",
    "delta": "delta",
    "gww": "g_aWW",
    "gchi": "g_achi",
    "target": "target",
    "width": "width",
    "theme": "theme",
    "method": "method",
    "nsigma": "n_sigma",
    "rmax": "r_max",
    "babar": "babar",
    "cww": "cww",
}
FIELD_LABELS = {
    "m_a": "m_a",
    "delta": "δ",
    "m_chi": "m_χ",
    "g_aWW": "g_aWW",
    "g_achi": "g_aχχ",
    "target": "Belle II target",
    "width": "width treatment",
    "theme": "theme",
    "method": "relic method",
    "n_sigma": "Belle II n_σ",
    "r_max": "Belle II r_max",
    "babar": "BaBar two-body band",
    "cww": "C_WW mapping",
}


@dataclass(frozen=True)
class AppState:
    """Every control of the dashboard (masses in GeV, couplings in GeV⁻¹)."""

    m_a: float = ABSTRACT_CENTRE.m_a
    delta: float = ABSTRACT_CENTRE.delta
    g_aWW: float = ABSTRACT_CENTRE.g_aWW
    g_achi: float = ABSTRACT_CENTRE.g_achi
    target: str = TARGETS[0]
    width: str = WIDTHS[0]
    theme: str = THEMES[0]
    method: str = CHOICES["method"][0][0]
    n_sigma: float = 1.0
    r_max: float = C.BELLE2_R_MAX_M
    babar: str = CHOICES["babar"][0][0]
    cww: str = CHOICES["cww"][0][0]

    @property
    def babar_as_limit(self) -> bool:
        """BaBar's two-body band counted as a limit (``physics.verdicts(babar_as_limit=...)``)."""
        return self.babar == "limit"

    @property
    def m_chi(self) -> float:
        """m_χ = m_a / (2√(1+δ)) [GeV] (physics.model.m_chi_from_delta)."""
        return float(m_chi_from_delta(self.m_a, self.delta))

    def physics_fields(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        """The values of ``names``, numbers rounded to the cache-key precision (4 significant figures)."""
        values = (getattr(self, n) for n in names)
        return tuple(round_sig(float(v)) if isinstance(v, float) else v for v in values)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for a dcc.Store)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AppState:
        """Rebuild from a dcc.Store dict; anything invalid falls back to the defaults."""
        if not isinstance(data, dict):
            return cls()
        state, _ = state_from_pairs([(k, str(data[f])) for k, f in QUERY_KEYS.items() if f in data])
        return state


@dataclass(frozen=True)
class Preset:
    """A benchmark point offered as a button (physics.benchmark_points)."""

    key: str
    label: str
    description: str
    state: AppState


PHYSICS_POINT_FIELDS = ("m_a", "delta", "g_aWW", "g_achi")
"""The fields a benchmark point sets (a preset keeps every other choice)."""


def _preset(point: BenchmarkPoint) -> Preset:
    state = AppState(m_a=point.m_a, delta=point.delta, g_aWW=point.g_aWW, g_achi=point.g_achi)
    return Preset(point.key, point.label, point.description, state)


def presets() -> tuple[Preset, ...]:
    """The benchmark points offered as buttons."""
    return tuple(_preset(p) for p in BENCHMARK_POINTS)


def preset_state(key: str) -> AppState | None:
    """The state of preset ``key`` (None if unknown)."""
    for p in presets():
        if p.key == key:
            return p.state
    return None


# ----------------------------------------------------------------------------- numbers
def round_sig(x: float, sig: int = SIG_FIGS) -> float:
    """Round to ``sig`` significant figures (the cache-key and display precision)."""
    if x == 0.0 or not math.isfinite(x):
        return x
    return float(f"{x:.{sig}g}")


def fmt(x: float) -> str:
    """Compact display of a rounded number."""
    return f"{round_sig(x):.4g}"


def parse_number(text: object, label: str) -> float:
    """Parse a typed number (str or number) or raise ``ValueError`` with a readable message."""
    if isinstance(text, bool) or text is None:
        raise ValueError(f"{label}: enter a number")
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:  # an integer beyond 1.8e308 (a JSON request can carry one)
            raise ValueError(f"{label}: must be a finite number") from None
    else:
        s = str(text).strip().replace("−", "-").replace("×10^", "e").replace("E", "e")
        if not s:
            raise ValueError(f"{label}: enter a number")
        if len(s) > MAX_VALUE_LENGTH:
            raise ValueError(f"{label}: value too long")
        try:
            value = float(s)
        except ValueError:
            raise ValueError(f"{label}: {s!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{label}: must be a finite number")
    return value


def _check_range(label: str, value: float, lo: float, hi: float, unit: str = "") -> float:
    u = f" {unit}" if unit else ""
    if not lo <= value <= hi:
        raise ValueError(f"{label} must be between {lo:g} and {hi:g}{u}, got {value:g}")
    return round_sig(value)


def check_m_a(value: float) -> float:
    """Validated m_a [GeV]."""
    return _check_range("m_a", value, *M_A_RANGE, "GeV")


def check_g_aWW(value: float) -> float:
    """Validated g_aWW [GeV⁻¹]."""
    return _check_range("g_aWW", value, *G_AWW_RANGE, "GeV⁻¹")


def check_g_achi(value: float) -> float:
    """Validated g_aχχ [GeV⁻¹]."""
    return _check_range("g_aχχ", value, *G_ACHI_RANGE, "GeV⁻¹")


def check_delta(value: float) -> float:
    """Validated signed detuning δ: 1e-4 ≤ |δ| ≤ 1 and δ ≥ −0.99 (m_χ finite)."""
    lo, hi = ABS_DELTA_RANGE
    if value < -NEG_DELTA_MAX:
        raise ValueError(f"δ must be ≥ −{NEG_DELTA_MAX:g} (m_χ finite), got {value:g}")
    if not lo <= abs(value) <= hi:
        raise ValueError(f"|δ| must be between {lo:g} and {hi:g}, got {value:g}")
    return round_sig(value)


def check_r_max(value: float) -> float:
    """Validated Belle II radius r_max [m] (> 0; the decay volume counted as visible)."""
    if value <= 0:
        raise ValueError(f"Belle II r_max must be > 0 m, got {value:g}")
    return _check_range("Belle II r_max", value, *R_MAX_RANGE, "m")


def check_n_sigma(value: float) -> float:
    """Validated width of the Belle II target band in σ (> 0)."""
    if value <= 0:
        raise ValueError(f"n_σ must be > 0, got {value:g}")
    return _check_range("n_σ", value, *N_SIGMA_RANGE)


def check_m_chi(value: float, m_a: float) -> float:
    """δ implied by a typed m_χ at the current m_a (validated like δ)."""
    if value <= 0:
        raise ValueError(f"m_χ must be > 0 GeV, got {value:g}")
    ratio = m_a / (2.0 * value)
    if ratio > 1e3:  # δ would be ~1e6 or overflow: far outside the range
        raise ValueError(f"m_χ = {value:g} GeV is too small for m_a = {m_a:g} GeV")
    if ratio < 1e-3:  # δ ≈ −1 (and m_χ² could overflow)
        raise ValueError(f"m_χ = {value:g} GeV is too large for m_a = {m_a:g} GeV (δ ≥ −{NEG_DELTA_MAX:g})")
    return check_delta(float(delta_from_masses(float(m_a), float(value))))


_NUMERIC_CHECKS = {
    "m_a": check_m_a,
    "delta": check_delta,
    "g_aWW": check_g_aWW,
    "g_achi": check_g_achi,
    "n_sigma": check_n_sigma,
    "r_max": check_r_max,
}
_CHOICES = {name: tuple(v for v, _ in options) for name, options in CHOICES.items()}


def check_field(name: str, raw: object) -> Any:
    """Validate one state field from raw text or a number; ``ValueError`` with a message."""
    label = FIELD_LABELS.get(name, name)
    if name in _CHOICES:
        if not isinstance(raw, str) or raw not in _CHOICES[name]:
            shown = str(raw)[:MAX_VALUE_LENGTH]
            raise ValueError(f"{label}: {shown!r} is not one of {', '.join(_CHOICES[name])}")
        return raw
    return _NUMERIC_CHECKS[name](parse_number(raw, label))


# ----------------------------------------------------------------------------- URL
def state_from_pairs(pairs: list[tuple[str, str]]) -> tuple[AppState, list[str]]:
    """Build a state from (key, value) query pairs; problems are returned as messages."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, raw in pairs:
        name = QUERY_KEYS.get(key)
        if name is None:
            problems.append(f"unknown parameter {key[:MAX_VALUE_LENGTH]!r} ignored")
            continue
        if name in values:
            problems.append(f"{key} given twice: first value used")
            continue
        try:
            values[name] = check_field(name, raw)
        except ValueError as err:
            problems.append(f"{err} — default used")
    return replace(AppState(), **values), problems


def parse_query(search: str | None) -> tuple[AppState, list[str]]:
    """State from a URL query string (``?a=1&b=2`` or ``a=1&b=2``) plus a list of problems.

    Over-long or malformed strings give the defaults and a message; nothing is evaluated.
    """
    if not search:
        return AppState(), []
    if not isinstance(search, str):
        return AppState(), ["link not understood: defaults used"]
    if len(search) > MAX_QUERY_LENGTH:
        return AppState(), [f"link too long (> {MAX_QUERY_LENGTH} characters): defaults used"]
    s = search[1:] if search.startswith("?") else search
    try:
        pairs = parse_qsl(s, keep_blank_values=True, strict_parsing=True, max_num_fields=len(QUERY_KEYS) + 4)
    except ValueError:
        return AppState(), ["link not understood (malformed query string): defaults used"]
    return state_from_pairs(pairs)


def to_query(state: AppState) -> str:
    """URL query string (with the leading ``?``) carrying every field of ``state``."""
    out: dict[str, str] = {}
    for key, name in QUERY_KEYS.items():
        v = getattr(state, name)
        out[key] = fmt(v) if isinstance(v, float) else str(v)
    return "?" + urlencode(out)


def state_fields() -> tuple[str, ...]:
    """Names of the state fields, in order."""
    return tuple(f.name for f in fields(AppState))


# ----------------------------------------------------------------------------- sliders
def to_slider(value: float) -> float:
    """log10 slider position of a positive value, on the slider step."""
    return round(round(math.log10(value) / SLIDER_STEP) * SLIDER_STEP, 6)


MAX_SLIDER_POSITION = 20.0
"""|log10| bound on a slider position sent by the page (the sliders span −7…1)."""


def slider_position(raw: object, label: str) -> float:
    """A log10 slider position from a request, or ``ValueError`` (never OverflowError/TypeError)."""
    pos = parse_number(raw, label)
    if abs(pos) > MAX_SLIDER_POSITION:
        raise ValueError(f"{label}: slider position {pos:g} out of range")
    return pos


def from_slider(position: float) -> float:
    """Physical value of a log10 slider position (rounded to 4 significant figures)."""
    return round_sig(10.0 ** float(position))


def delta_from_controls(sign: int | str, log_abs: float) -> float:
    """Signed δ from the sign toggle and the log10|δ| slider (δ ≥ −0.99 enforced)."""
    s = -1.0 if str(sign) in ("-1", "-") else 1.0
    mag = from_slider(log_abs)
    if s < 0:
        mag = min(mag, NEG_DELTA_MAX)
    return round_sig(s * mag)


def delta_controls(delta: float) -> tuple[int, float]:
    """(sign, log10|δ| slider position) for a δ."""
    return (1 if delta > 0 else -1), to_slider(abs(delta))
