"""ALP decay widths, lifetime, Belle II invisibility and the scenario (``docs/physics.md#decays``).

Loop-induced leptonic and hadronic widths of a W-only ALP are below ~1 % of Γ(a→γγ) for
m_a ≳ 0.3 GeV (docs/physics.md#decays) and are neglected: Γ_tot = Γ(γγ) + Γ(χχ̄).

The ``*_kernel`` functions take plain arrays (vectorised, used by scans and limit grids);
the public functions take an :class:`~physics.model.ALPModel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C
from .model import ALPModel, check_non_negative, check_positive

FloatArray = NDArray[np.float64]

# Gauss–Legendre nodes for averaging over the decay angle cos θ ∈ [−1, 1]
_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)


def kallen(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> FloatArray:
    """Källén function λ(a, b, c) = a² + b² + c² − 2ab − 2ac − 2bc (symmetric)."""
    a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
    return a * a + b * b + c * c - 2.0 * (a * b + a * c + b * c)


def width_photons_kernel(g_agg: ArrayLike, m_a: ArrayLike) -> FloatArray:
    """Γ(a→γγ) = g_aγγ² m_a³ / (64π) [GeV]; g_aγγ in GeV⁻¹, m_a in GeV."""
    g, m = np.asarray(g_agg, dtype=float), np.asarray(m_a, dtype=float)
    return g * g * m**3 / (64.0 * np.pi)


def width_chi_kernel(y_chi: ArrayLike, m_chi: ArrayLike, m_a: ArrayLike) -> FloatArray:
    """Γ(a→χχ̄) = y_χ² m_a β / (8π), β = √(1 − 4m_χ²/m_a²), zero below threshold [GeV].

    y_χ = g_aχχ m_χ is the on-shell pseudoscalar Yukawa (docs/physics.md#model).
    """
    y, mc, ma = (np.asarray(v, dtype=float) for v in (y_chi, m_chi, m_a))
    beta2 = 1.0 - 4.0 * mc * mc / (ma * ma)
    beta = np.sqrt(np.clip(beta2, 0.0, None))
    return y * y * ma * beta / (8.0 * np.pi)


def width_a_to_photons(model: ALPModel) -> float:
    """Γ(a→γγ) [GeV] = g_aγγ² m_a³/(64π) (docs/physics.md#decays)."""
    return float(width_photons_kernel(model.g_agg, model.m_a))


def width_a_to_chi(model: ALPModel) -> float:
    """Γ(a→χχ̄) [GeV] = g_aχχ² m_χ² m_a β/(8π), 0 below threshold (docs/physics.md#decays)."""
    return float(width_chi_kernel(model.y_chi, model.m_chi, model.m_a))


def total_width(model: ALPModel) -> float:
    """Γ_tot = Γ(γγ) + Γ(χχ̄) [GeV]; loop-induced SM channels neglected (docs/physics.md#decays)."""
    return width_a_to_photons(model) + width_a_to_chi(model)


def br_a_invisible(model: ALPModel) -> float:
    """BR(a→χχ̄) (dimensionless); 0 when both widths vanish."""
    tot = total_width(model)
    return width_a_to_chi(model) / tot if tot > 0.0 else 0.0


def ctau_kernel(width: ArrayLike) -> FloatArray:
    """Proper decay length cτ = ħc/Γ [m]; +inf for Γ = 0 (or a width below ~1e-308 GeV)."""
    w = np.asarray(width, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):  # a denormal width gives +inf, not a warning
        return np.where(w > 0.0, C.HBARC_GEV_M / np.where(w > 0.0, w, 1.0), np.inf)


def ctau(model: ALPModel) -> float:
    """Proper decay length cτ = ħc/Γ_tot [m] (docs/physics.md#decays)."""
    return float(ctau_kernel(total_width(model)))


def decay_length(model: ALPModel, momentum: ArrayLike) -> FloatArray | float:
    """Lab decay length L = βγ cτ = (|p_a|/m_a) cτ [m] for ALP momentum |p_a| [GeV] ≥ 0.

    0 for an ALP at rest; +inf for a stable (decoupled) ALP or beyond double precision.
    """
    p = np.asarray(momentum, dtype=float)
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"momentum must be finite and >= 0 GeV, got {momentum!r}")
    ct = ctau(model)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.where(p > 0.0, p / model.m_a * ct, 0.0)  # +inf: the ALP never decays
    return float(out) if out.ndim == 0 else out


def two_body_momentum(m_parent: float, m_sibling: float, m_a: ArrayLike) -> FloatArray:
    """Rest-frame momentum of a in P → P′ a [GeV]; 0 outside the kinematic range."""
    ma = np.asarray(m_a, dtype=float)
    lam = kallen(m_parent**2, m_sibling**2, ma * ma)
    return np.sqrt(np.clip(lam, 0.0, None)) / (2.0 * m_parent)


def escape_probability(
    m_a: ArrayLike,
    ctau_m: ArrayLike,
    *,
    m_parent: float,
    m_sibling: float,
    parent_betagamma: float,
    r_max_m: float,
) -> FloatArray:
    """Probability that an ALP from P → P′ a decays beyond r_max [m] in the lab.

    The parent moves with βγ = ``parent_betagamma``; the decay is isotropic in the parent
    frame, so exp(−r_max/L(θ)) is averaged over cos θ (24-point Gauss–Legendre), with
    p_lab(θ)² = (βγ E* + γ p* cos θ)² + (p* sin θ)². Vectorised over m_a and cτ.
    """
    ma = np.asarray(m_a, dtype=float)[..., None]
    ct = np.asarray(ctau_m, dtype=float)[..., None]
    pstar = two_body_momentum(m_parent, m_sibling, ma)
    estar = np.sqrt(pstar**2 + ma**2)
    gam = np.sqrt(1.0 + parent_betagamma**2)
    cos = _GL_X
    sin2 = 1.0 - cos * cos
    p_lab = np.sqrt((parent_betagamma * estar + gam * pstar * cos) ** 2 + pstar**2 * sin2)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        lab_length = p_lab / ma * ct
        prob = np.where(lab_length > 0.0, np.exp(-r_max_m / lab_length), 0.0)
    return 0.5 * np.sum(_GL_W * prob, axis=-1)


def p_invisible_kernel(
    m_a: ArrayLike,
    br_inv: ArrayLike,
    ctau_m: ArrayLike,
    *,
    m_parent: float = C.M_B_PLUS,
    m_sibling: float = C.M_K_PLUS,
    parent_betagamma: float = C.BELLE2_BOOST_BETAGAMMA,
    r_max_m: float = C.BELLE2_R_MAX_M,
) -> FloatArray:
    """P_inv = BR_inv + (1 − BR_inv) · ⟨exp(−r_max/L)⟩ (docs/physics.md#decays), vectorised."""
    b = np.asarray(br_inv, dtype=float)
    esc = escape_probability(
        m_a,
        ctau_m,
        m_parent=m_parent,
        m_sibling=m_sibling,
        parent_betagamma=parent_betagamma,
        r_max_m=r_max_m,
    )
    return b + (1.0 - b) * esc


def p_invisible_belle2(model: ALPModel, r_max_m: float = C.BELLE2_R_MAX_M) -> float:
    """Probability that the ALP of B⁺→K⁺a counts as invisible at Belle II.

    P_inv = BR(a→χχ̄) + (1 − BR(a→χχ̄)) ⟨exp(−r_max/L)⟩, with L the lab decay length of
    the ALP, the B boosted by βγ(Υ(4S)) = 0.28 and the decay angle averaged over
    (docs/physics.md#decays). ``r_max_m`` [m] is the radius inside which a decay is visible
    (default :data:`~physics.constants.BELLE2_R_MAX_M` = 1 m, an assumption: the calorimeter
    starts at ≈ 1.25 m); ``ValueError`` if it is not finite and > 0.
    """
    check_positive("r_max_m", r_max_m)
    return float(p_invisible_kernel(model.m_a, br_a_invisible(model), ctau(model), r_max_m=r_max_m))


ALPSignature = Literal["invisible", "long_lived_diphoton", "displaced_diphoton", "prompt_diphoton"]
SCENARIO_CHOICES: tuple[str, ...] = (
    "invisible",
    "long_lived_diphoton",
    "displaced_diphoton",
    "prompt_diphoton",
)
SCENARIO_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "invisible": "Invisible: a → χχ̄ dominates (missing energy at Belle II)",
        "long_lived_diphoton": (
            "Long-lived diphoton: a → γγ, escapes Belle II (missing energy there), "
            "displaced γγ in kaon and beam-dump experiments"
        ),
        "displaced_diphoton": "Displaced diphoton: a → γγ inside Belle II, ≥ 1 mm from the B decay",
        "prompt_diphoton": "Prompt diphoton: a → γγ within 1 mm of the B decay (not missing energy)",
    }
)
"""Display text of each :func:`scenario` value (one source for every user interface)."""


def belle2_decay_length(model: ALPModel) -> float:
    """Lab decay length [m] of the ALP from B⁺→K⁺a: (p*/m_a) cτ, p* the B-frame momentum.

    The Υ(4S) boost (βγ = 0.28) changes it by a few per cent and is neglected here. Above the
    end point m_B − m_K (no B⁺→K⁺a) the proper decay length cτ is returned.
    """
    p_star = float(two_body_momentum(C.M_B_PLUS, C.M_K_PLUS, model.m_a))
    bg = p_star / model.m_a if p_star > 0.0 else 1.0
    ct = ctau(model)
    with np.errstate(over="ignore"):
        return float(np.multiply(bg, ct))


def scenario(model: ALPModel, r_max_m: float = C.BELLE2_R_MAX_M) -> ALPSignature:
    """What the ALP does at the experiments (``docs/physics.md#decays``), from its decays:

    - "invisible": BR(a→χχ̄) ≥ ½ (missing energy whatever the lifetime);
    - otherwise a → γγ dominates and the Belle II lab decay length L (:func:`belle2_decay_length`)
      names it: L ≥ ``r_max_m`` (1 m) "long_lived_diphoton" (escapes Belle II, displaced at
      kaon and beam-dump experiments), 1 mm ≤ L < r_max "displaced_diphoton",
      L < 1 mm (:data:`~physics.constants.PROMPT_DECAY_LENGTH_M`) "prompt_diphoton".

    Unlike :attr:`ALPModel.scenario` (m_a above or below 2m_χ) this accounts for the lifetime:
    at m_a = 2 GeV a photon-only ALP with g_aWW = 1e-4 GeV⁻¹ decays within ~10 µm (prompt).
    Labels: :data:`SCENARIO_LABELS`. ``ValueError`` for r_max_m ≤ 0 or not finite.
    """
    check_positive("r_max_m", r_max_m)
    if br_a_invisible(model) >= 0.5:
        return "invisible"
    length = belle2_decay_length(model)
    if length >= r_max_m:
        return "long_lived_diphoton"
    if length >= C.PROMPT_DECAY_LENGTH_M:
        return "displaced_diphoton"
    return "prompt_diphoton"


__all__ = [
    "SCENARIO_CHOICES",
    "SCENARIO_LABELS",
    "belle2_decay_length",
    "br_a_invisible",
    "check_non_negative",
    "ctau",
    "decay_length",
    "escape_probability",
    "kallen",
    "p_invisible_belle2",
    "p_invisible_kernel",
    "scenario",
    "total_width",
    "two_body_momentum",
    "width_a_to_chi",
    "width_a_to_photons",
]
