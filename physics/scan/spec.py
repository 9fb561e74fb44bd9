"""Scan specifications: axes, grid or random sampling, validation, hashing (see docs/scans.md).

A :class:`ScanSpec` is a plain, frozen, JSON-serialisable description of a set of points in
(m_a, m_χ or δ, g_aWW, g_aχχ). Every point has an integer index; ``spec.points(start, stop)``
rebuilds the points of any index range on any machine, so a scan task only ships
``(spec.to_dict(), start, stop)`` and a resumed scan regenerates exactly the same points.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Scale = Literal["lin", "log"]
Sampling = Literal["grid", "random"]
MassAxis = Literal["m_chi", "delta"]

AXIS_UNITS = {"m_a": "GeV", "m_chi": "GeV", "delta": "1", "g_aWW": "GeV⁻¹", "g_achi": "GeV⁻¹"}
"""Units of every scannable parameter."""
_POSITIVE = {"m_a", "m_chi"}  # masses must be > 0 whatever the scale
_NON_NEGATIVE = {"g_aWW", "g_achi"}


def _finite(label: str, value: object) -> float:
    """``value`` as a finite float, else ``ValueError`` naming ``label``."""
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise ValueError(f"{label} must be a real number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{label} must be finite, got {out!r}")
    return out


@dataclass(frozen=True)
class Axis:
    """One scanned parameter: a lin/log range with ``n`` nodes, or explicit ``values``.

    Parameters
    ----------
    lo, hi : float
        Range ends in the parameter's unit (GeV, GeV⁻¹ or dimensionless for δ); ``lo < hi``,
        or ``lo == hi`` with ``n == 1`` for a fixed value.
    n : int
        Grid nodes (≥ 1) for grid sampling. Random sampling draws continuously in
        [lo, hi) and requires the default ``n = 1``.
    scale : "lin" | "log"
        Node spacing (grid) or sampling density (random, log = log-uniform); log needs lo > 0.
    values : tuple of float, optional
        Explicit nodes instead of a range (grid: all of them; random: a uniform choice).
    """

    lo: float = math.nan
    hi: float = math.nan
    n: int = 1
    scale: Scale = "lin"
    values: tuple[float, ...] | None = None

    @classmethod
    def fixed(cls, value: float) -> Axis:
        """A single value."""
        return cls(values=(value,))

    @classmethod
    def of(cls, *values: float) -> Axis:
        """Explicit nodes (e.g. a few detunings)."""
        return cls(values=tuple(values))

    @classmethod
    def lin(cls, lo: float, hi: float, n: int = 1) -> Axis:
        """Linearly spaced nodes (``n = 1`` for random sampling)."""
        return cls(lo, hi, n, "lin")

    @classmethod
    def log(cls, lo: float, hi: float, n: int = 1) -> Axis:
        """Logarithmically spaced nodes, lo > 0 (``n = 1`` for random sampling)."""
        return cls(lo, hi, n, "log")

    @property
    def is_range(self) -> bool:
        """True for a continuous range (lo < hi), False for fixed or explicit values."""
        return self.values is None and self.hi != self.lo

    def validate(self, name: str, sampling: Sampling) -> None:
        """Raise ``ValueError`` (naming the axis) if the axis is empty, inverted, or not finite."""
        if self.values is not None:
            if len(self.values) == 0:
                raise ValueError(f"{name}: empty list of values")
            for v in self.values:
                _finite(f"{name} value", v)
            return
        lo, hi = _finite(f"{name} lower end", self.lo), _finite(f"{name} upper end", self.hi)
        if self.scale not in ("lin", "log"):
            raise ValueError(f"{name}: scale must be 'lin' or 'log', got {self.scale!r}")
        if isinstance(self.n, bool) or not isinstance(self.n, int | np.integer) or self.n < 1:
            raise ValueError(f"{name}: number of points n must be an integer >= 1, got {self.n!r}")
        if lo > hi:
            raise ValueError(f"{name}: inverted range, lower end {lo:g} > upper end {hi:g}")
        if sampling == "grid" and self.n > 1 and lo == hi:
            raise ValueError(f"{name}: empty range [{lo:g}, {hi:g}] with n = {self.n}")
        if sampling == "grid" and self.n == 1 and lo != hi:
            raise ValueError(f"{name}: n = 1 on the range [{lo:g}, {hi:g}]; give n > 1 or a fixed value")
        if sampling == "random" and self.n != 1:
            raise ValueError(f"{name}: n = {self.n} has no meaning for random sampling; give only lo, hi")
        if self.scale == "log" and lo <= 0:
            raise ValueError(f"{name}: a log axis needs a lower end > 0, got {lo:g}")

    def check_domain(self, name: str) -> None:
        """Raise if the whole axis lies outside the parameter's physical domain."""
        vals = self.values if self.values is not None else (self.lo, self.hi)
        if name in _POSITIVE and min(vals) <= 0:
            raise ValueError(f"{name}: masses must be > 0 GeV, got {min(vals):g}")
        if name in _NON_NEGATIVE and min(vals) < 0:
            raise ValueError(f"{name}: couplings must be >= 0 GeV⁻¹, got {min(vals):g}")
        if name == "delta" and min(vals) <= -1:
            raise ValueError(f"delta must be > -1, got {min(vals):g}")

    def nodes(self) -> FloatArray:
        """Grid nodes (explicit values, a fixed value, or ``n`` lin/log-spaced nodes)."""
        if self.values is not None:
            return np.asarray(self.values, dtype=float)
        if self.n == 1:
            return np.array([float(self.lo)])
        if self.scale == "log":
            return np.geomspace(float(self.lo), float(self.hi), self.n)
        return np.linspace(float(self.lo), float(self.hi), self.n)

    def sample(self, u: FloatArray) -> FloatArray:
        """Map uniform draws u ∈ [0, 1) to the axis (continuous range or a choice of nodes)."""
        if not self.is_range:
            nodes = self.nodes()
            return nodes[np.minimum((u * len(nodes)).astype(np.int64), len(nodes) - 1)]
        lo, hi = float(self.lo), float(self.hi)
        if self.scale == "log":
            return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        return lo + u * (hi - lo)

    def size(self) -> int:
        """Number of grid nodes."""
        return len(self.values) if self.values is not None else int(self.n)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        if self.values is not None:
            return {"values": [float(v) for v in self.values]}
        return {"lo": float(self.lo), "hi": float(self.hi), "n": int(self.n), "scale": self.scale}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Axis:
        """Inverse of :meth:`to_dict`."""
        if "values" in d:
            return cls(values=tuple(float(v) for v in d["values"]))
        return cls(float(d["lo"]), float(d["hi"]), int(d.get("n", 1)), d.get("scale", "lin"))


@dataclass(frozen=True)
class ScanSpec:
    """A scan over (m_a, m_χ or δ, g_aWW, g_aχχ).

    Give exactly one of ``m_chi`` [GeV] or ``delta`` (detuning (m_a² − 4m_χ²)/(4m_χ²)).
    ``sampling="grid"``: the Cartesian product of the axes' nodes, C order over
    (m_a, m_chi|delta, g_aWW, g_achi) (the last axis varies fastest).
    ``sampling="random"``: ``n_samples`` points, each axis drawn independently with a
    PCG64 generator seeded by ``seed`` (the points do not depend on the chunking).
    ``observables`` are observable-group names (``None``: every available group, resolved
    by :func:`physics.scan.run_scan`); ``relic_options`` are keyword arguments passed to
    ``physics.omega_h2`` (e.g. ``{"width": ...}``).
    """

    m_a: Axis
    g_aWW: Axis
    g_achi: Axis
    m_chi: Axis | None = None
    delta: Axis | None = None
    sampling: Sampling = "grid"
    n_samples: int | None = None
    seed: int | None = None
    observables: tuple[str, ...] | None = None
    relic_options: tuple[tuple[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        self.validate()

    # --- validation ------------------------------------------------------------------
    def validate(self) -> None:
        """Raise ``ValueError`` with a clear message for any inconsistent field."""
        if (self.m_chi is None) == (self.delta is None):
            raise ValueError("give exactly one of m_chi or delta")
        if self.sampling not in ("grid", "random"):
            raise ValueError(f"sampling must be 'grid' or 'random', got {self.sampling!r}")
        for name, axis in self.axes().items():
            if not isinstance(axis, Axis):
                raise ValueError(f"{name} must be an Axis, got {type(axis).__name__}")
            axis.validate(name, self.sampling)
            axis.check_domain(name)
        if self.sampling == "random":
            n = self.n_samples
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
                raise ValueError(f"random sampling needs n_samples >= 1, got {n!r}")
            if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer) or self.seed < 0:
                raise ValueError(f"random sampling needs an integer seed >= 0, got {self.seed!r}")
        elif self.n_samples is not None or self.seed is not None:
            raise ValueError("n_samples and seed are only for sampling='random'")
        if self.observables is not None and not all(isinstance(o, str) for o in self.observables):
            raise ValueError(f"observables must be group names, got {self.observables!r}")
        json.dumps(dict(self.relic_options))  # must be JSON-serialisable (TypeError otherwise)

    # --- structure -------------------------------------------------------------------
    @property
    def mass_axis(self) -> MassAxis:
        """Which second mass parameter is scanned: "m_chi" or "delta"."""
        return "m_chi" if self.m_chi is not None else "delta"

    def axes(self) -> dict[str, Axis]:
        """Scanned axes in point order: m_a, m_chi|delta, g_aWW, g_achi."""
        second = self.m_chi if self.m_chi is not None else self.delta
        return {"m_a": self.m_a, self.mass_axis: second, "g_aWW": self.g_aWW, "g_achi": self.g_achi}

    @property
    def n_points(self) -> int:
        """Total number of points."""
        if self.sampling == "random":
            return int(self.n_samples or 0)
        return math.prod(a.size() for a in self.axes().values())

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape (m_a, m_chi|delta, g_aWW, g_achi); (n_samples,) for random sampling."""
        if self.sampling == "random":
            return (self.n_points,)
        return tuple(a.size() for a in self.axes().values())

    def points(self, start: int = 0, stop: int | None = None) -> dict[str, FloatArray]:
        """Parameter arrays of points ``start ≤ i < stop`` (keys: the axis names)."""
        stop = self.n_points if stop is None else stop
        if not 0 <= start <= stop <= self.n_points:
            raise ValueError(f"point range [{start}, {stop}) outside [0, {self.n_points})")
        axes = self.axes()
        if self.sampling == "grid":
            idx = np.unravel_index(np.arange(start, stop, dtype=np.int64), self.shape)
            return {name: a.nodes()[i] for (name, a), i in zip(axes.items(), idx, strict=True)}
        bitgen = np.random.PCG64(self.seed)
        bitgen.advance(start * len(axes))  # one 64-bit draw per double: chunking-independent
        u = np.random.Generator(bitgen).random((stop - start, len(axes)))
        return {name: a.sample(u[:, j]) for j, (name, a) in enumerate(axes.items())}

    def with_observables(self, groups: tuple[str, ...]) -> ScanSpec:
        """A copy with an explicit observable list."""
        return ScanSpec(**{**self._fields(), "observables": tuple(groups)})

    # --- serialisation ---------------------------------------------------------------
    def _fields(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (round-trips through :meth:`from_dict`)."""
        d: dict[str, Any] = {name: a.to_dict() for name, a in self.axes().items()}
        d["sampling"] = self.sampling
        if self.sampling == "random":
            d["n_samples"], d["seed"] = int(self.n_samples or 0), int(self.seed or 0)
        d["observables"] = None if self.observables is None else list(self.observables)
        d["relic_options"] = dict(self.relic_options)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScanSpec:
        """Inverse of :meth:`to_dict`."""
        axes = {k: Axis.from_dict(d[k]) for k in AXIS_UNITS if k in d}
        obs = d.get("observables")
        return cls(
            **axes,
            sampling=d.get("sampling", "grid"),
            n_samples=d.get("n_samples"),
            seed=d.get("seed"),
            observables=None if obs is None else tuple(obs),
            relic_options=tuple(sorted(d.get("relic_options", {}).items())),
        )

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form: equal specs give equal digests."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()
