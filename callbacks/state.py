"""The dashboard's state: defaults, ranges, presets, URL query string, typed-input parsing.

Pure functions only (no Dash import), so they are tested directly. The state is a small frozen
dataclass; the URL query string carries every field, e.g.
``?ma=2&delta=0.024&gww=8.4e-05&gchi=0.001&target=excess&width=energy_dependent&theme=light``.
Query strings are length-limited, only whitelisted keys are read, numbers go through ``float``
(never ``eval``) and are range-checked; anything wrong is reported and replaced by the default.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

Target = Literal["excess", "two_body_fit"]
Width = Literal["energy_dependent", "constant"]
Theme = Literal["light", "talk"]

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
SLIDER_STEP = 0.01
"""Step of every log10 slider (decades)."""

TARGETS: tuple[str, ...] = ("excess", "two_body_fit")
WIDTHS: tuple[str, ...] = ("energy_dependent", "constant")
THEMES: tuple[str, ...] = ("light", "talk")

# URL key -> state field
QUERY_KEYS = {
    "ma": "m_a",
    "delta": "delta",
    "gww": "g_aWW",
    "gchi": "g_achi",
    "target": "target",
    "width": "width",
    "theme": "theme",
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
}


@dataclass(frozen=True)
class AppState:
    """Every control of the dashboard (masses in GeV, couplings in GeV⁻¹)."""

    m_a: float = 2.0
    delta: float = 0.024
    g_aWW: float = 8.4e-5
    g_achi: float = 1e-3
    target: str = "excess"
    width: str = "energy_dependent"
    theme: str = "light"

    @property
    def m_chi(self) -> float:
        """m_χ = m_a / (2√(1+δ)) [GeV]."""
        return self.m_a / (2.0 * math.sqrt(1.0 + self.delta))

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
    """A named benchmark point."""

    key: str
    label: str
    description: str
    state: AppState


def presets() -> tuple[Preset, ...]:
    """The benchmark points offered as buttons."""
    return (
        Preset(
            "abstract",
            "Abstract's centre (m_a = 2 GeV)",
            "Centre of the abstract's missing-energy region: m_a = 2 GeV, g_aWW = 8.4e-5 GeV⁻¹, "
            "g_aχχ = 1e-3 GeV⁻¹, δ = 0.024 (cBE gives Ωh² ≈ 0.12). Inside the m-independent "
            "Belle II excess band, but above BaBar's two-body B→KX fit (docs/reproduction).",
            AppState(),
        ),
        Preset(
            "viable",
            "Viable: two-body fit (m_a = 2 GeV)",
            "m_a = 2 GeV, g_aWW = 6.4e-5 GeV⁻¹ (BR(B→Ka) = 8.8e-6, the centre of the Belle II "
            "two-body fit), g_aχχ = 1e-3 GeV⁻¹, δ = 0.0125 (cBE gives Ωh² = 0.12, nBE 0.067); "
            "allowed by every measured limit.",
            AppState(delta=0.0125, g_aWW=6.4e-5),
        ),
        Preset(
            "displaced",
            "Displaced diphoton (m_a = 0.1 GeV)",
            "m_a = 0.1 GeV with m_χ > m_a/2 (δ = −0.3): a → γγ only, long-lived; "
            "g_aWW = 1e-4 GeV⁻¹ is excluded by K⁺→π⁺X.",
            AppState(m_a=0.1, delta=-0.3, g_aWW=1e-4, g_achi=1e-3),
        ),
    )


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


def check_m_chi(value: float, m_a: float) -> float:
    """δ implied by a typed m_χ at the current m_a (validated like δ)."""
    if value <= 0:
        raise ValueError(f"m_χ must be > 0 GeV, got {value:g}")
    ratio = m_a / (2.0 * value)
    if ratio > 1e3:  # δ would be ~1e6 or overflow: far outside the range
        raise ValueError(f"m_χ = {value:g} GeV is too small for m_a = {m_a:g} GeV")
    return check_delta(ratio * ratio - 1.0)


_NUMERIC_CHECKS = {"m_a": check_m_a, "delta": check_delta, "g_aWW": check_g_aWW, "g_achi": check_g_achi}
_CHOICES = {"target": TARGETS, "width": WIDTHS, "theme": THEMES}


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
