"""Late-time annihilation χχ̄ → a* → γγ and the Planck 2018 CMB bound (docs/physics.md#cmb).

At recombination the dark matter is cold (v ≲ 10⁻⁷), so the annihilation happens at
s → 4m_χ². From σ(s) of docs/relic.md §3 (σ v_rel = y_χ² g_aγγ² s² / (64π D(s)))::

    σv₀ = y_χ² g_aγγ² 16 m_χ⁴ / (64π [(4m_χ² − m_a²)² + m_a² Γ_a²])
        ≈ y_χ² g_aγγ² / (64π δ²)          (|δ| ≫ Γ_a/m_a),

the same for both signs of δ = (m_a² − 4m_χ²)/(4m_χ²). Each photon carries E = m_χ.
Planck 2018 (arXiv:1807.06209, TT,TE,EE+lowE+lensing, 95 % CL) bounds
p_ann = f_eff ⟨σv⟩ / m_χ for self-conjugate DM; for Dirac DM with n_χ = n_χ̄ = n_DM/2 the
injected power is half:  p_ann = f_eff(m_χ) σv₀ / (2 m_χ)  < 3.2×10⁻²⁸ cm³ s⁻¹ GeV⁻¹.
f_eff for photons: Slatyer, arXiv:1506.03811, fig. 3 (table from hazma 2.2.0, MIT licence,
``physics/data/cmb/``), interpolated linearly in ln E.

For 0 < δ ≲ 10⁻⁶ halo velocities today (v_rel ~ 10⁻³, s = 4m_χ²(1 + v_rel²/4)) reach the pole:
γ-ray line searches would then apply. That is flagged, not modelled.

This module must not import :mod:`physics.limits` (limits imports it to add the
``"planck_cmb"`` verdict); it returns the verdict's fields as a plain dict.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import constants as C
from .annihilation import WIDTH_MODES
from .decays import width_chi_kernel, width_photons_kernel
from .model import ALPModel

FloatArray = NDArray[np.float64]

F_EFF_PHOTONS_FILE = Path(str(resources.files("physics") / "data" / "cmb" / "f_eff_photons_slatyer2016.csv"))
"""f_eff for photons versus the photon energy E [eV] (Slatyer 2016 via hazma 2.2.0)."""
EV_PER_GEV = 1e9
HALO_POLE_DELTA = 1e-6
"""Largest δ > 0 at which halo relative velocities today (v_rel ~ 10⁻³, up to ≈ 2×10⁻³) reach
the pole, s = 4m_χ²(1 + v_rel²/4) = m_a² ⇔ δ = v_rel²/4 ≲ 10⁻⁶ (order of magnitude)."""
FLAG_HALO_POLE = "halo_velocities_reach_pole"
_LN_ROUNDING = 1e-12
"""Rounding allowance in ln E at the table's ends (a tabulated energy is inside the table)."""
CMB_VERDICT_KEY = "planck_cmb"
CMB_LABEL = "Planck 2018 CMB, late-time χχ̄→γγ"
CMB_REFERENCE = (
    "Planck Collaboration, A&A 641 (2020) A6, arXiv:1807.06209 (p_ann < 3.2e-28 cm³/s/GeV, "
    "TT,TE,EE+lowE+lensing, 95% CL); f_eff: T. R. Slatyer, arXiv:1506.03811"
)


# ----------------------------------------------------------------------------- f_eff
@cache
def _f_eff_table() -> tuple[FloatArray, FloatArray]:
    """(ln E [eV], f_eff) from the data file, E strictly ascending."""
    data = np.loadtxt(F_EFF_PHOTONS_FILE, delimiter=",", comments="#")
    energy, f_eff = data[:, 0], data[:, 1]
    if not (np.all(np.diff(energy) > 0) and np.all(energy > 0) and np.all((f_eff > 0) & (f_eff <= 1))):
        raise ValueError(f"{F_EFF_PHOTONS_FILE.name}: energies not ascending or f_eff outside (0, 1]")
    return np.log(energy), f_eff


def f_eff_range_gev() -> tuple[float, float]:
    """Photon energies [GeV] covered by the f_eff table (5.0 keV – 5.9 TeV)."""
    ln_e, _ = _f_eff_table()
    return float(math.exp(ln_e[0]) / EV_PER_GEV), float(math.exp(ln_e[-1]) / EV_PER_GEV)


def f_eff_photons(E: ArrayLike) -> FloatArray | float:
    """Energy-deposition efficiency f_eff for photons injected with energy E [GeV].

    Slatyer, arXiv:1506.03811, fig. 3 (hazma 2.2.0's table), linear in ln E between the 40
    tabulated energies. ``ValueError`` for a non-finite or non-positive E, or E outside the
    table (5.0 keV – 5.9 TeV); no extrapolation.
    """
    e = np.asarray(E, dtype=float)
    if not np.all(np.isfinite(e)) or np.any(e <= 0):
        raise ValueError(f"E must be finite and > 0 GeV, got {E!r}")
    ln_e, f = _f_eff_table()
    ln_q = np.log(e) + math.log(EV_PER_GEV)  # no overflow of e·10⁹ for absurd E
    if np.any(ln_q < ln_e[0] - _LN_ROUNDING) or np.any(ln_q > ln_e[-1] + _LN_ROUNDING):
        lo, hi = f_eff_range_gev()
        raise ValueError(f"E must be inside the f_eff table, {lo:.3g}–{hi:.3g} GeV, got {E!r}")
    out = np.interp(ln_q, ln_e, f)
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------------- σv₀ and p_ann
def sigma_v_late_kernel(
    m_a: ArrayLike, m_chi: ArrayLike, g_agg: ArrayLike, y_chi: ArrayLike, *, energy_dependent: bool = True
) -> FloatArray:
    """σv at s = 4m_χ² [GeV⁻²], exact Breit–Wigner, vectorised (docs/physics.md#cmb).

    σv₀ = y² g² s² / (64π D(s)), D(s) = (s − m_a²)² + m_a² Γ_a², s = 4m_χ². The width is
    Γ_a evaluated at mass √s = 2m_χ (``energy_dependent``, the default of the relic engine:
    only a → γγ is open there) or the on-shell Γ_a(m_a) (γγ + χχ̄).
    """
    ma, mc, g, y = (np.asarray(v, dtype=float) for v in (m_a, m_chi, g_agg, y_chi))
    mass_for_width = 2.0 * mc if energy_dependent else ma
    width = width_photons_kernel(g, mass_for_width) + width_chi_kernel(y, mc, mass_for_width)
    s = 4.0 * mc * mc
    off_shell = (2.0 * mc - ma) * (2.0 * mc + ma)  # s − m_a², factored
    sqrt_denom = np.hypot(off_shell, ma * width)  # √D without under/overflow of the squares
    numerator = np.abs(y * g) * s
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        amplitude = np.where(numerator > 0, numerator / np.where(sqrt_denom > 0, sqrt_denom, 0.0), 0.0)
        return amplitude * amplitude / (64.0 * math.pi)


def _check_width(width: str) -> bool:
    if width not in WIDTH_MODES:
        raise ValueError(f"width must be one of {WIDTH_MODES}, got {width!r}")
    return width == "energy_dependent"


def sigma_v_late(model: ALPModel, width: str = "energy_dependent") -> float:
    """Late-time σv₀ = σ v_rel at s → 4m_χ² [cm³/s] for χχ̄ → γγ (docs/physics.md#cmb).

    Exact Breit–Wigner including the m_a²Γ_a² term, for both signs of δ
    (≈ y_χ² g_aγγ²/(64π δ²) for |δ| ≫ Γ_a/m_a). ``width``: "energy_dependent" (Γ_a at
    √s = 2m_χ, default) or "constant" (Γ_a(m_a)).
    """
    energy_dependent = _check_width(width)
    sv = sigma_v_late_kernel(
        model.m_a, model.m_chi, model.g_agg, model.y_chi, energy_dependent=energy_dependent
    )
    return float(sv) * C.GEV2_TO_CM3_PER_S


def p_ann(model: ALPModel, width: str = "energy_dependent") -> float:
    """CMB annihilation parameter p_ann = f_eff(m_χ) σv₀ / (2 m_χ) [cm³ s⁻¹ GeV⁻¹].

    The ½ is the Dirac factor (n_χ = n_χ̄ = n_DM/2 halves the injected power relative to the
    self-conjugate definition of Planck 2018, arXiv:1807.06209); f_eff for two photons of
    energy m_χ (Slatyer, arXiv:1506.03811). ``ValueError`` if m_χ is outside the f_eff table.
    """
    try:
        f = f_eff_photons(model.m_chi)
    except ValueError as exc:
        lo, hi = f_eff_range_gev()
        raise ValueError(
            f"m_chi = {model.m_chi:g} GeV is outside the f_eff table ({lo:.3g}–{hi:.3g} GeV)"
        ) from exc
    return float(f) * sigma_v_late(model, width) / (2.0 * model.m_chi)


def p_ann_ratio_kernel(
    m_a: ArrayLike, m_chi: ArrayLike, g_agg: ArrayLike, y_chi: ArrayLike, *, energy_dependent: bool = True
) -> FloatArray:
    """p_ann / P_ANN_PLANCK_2018, vectorised; NaN (not applicable) where m_χ is outside the
    f_eff table or σv₀ overflows (exactly on the pole with a vanishing width)."""
    ma, mc, g, y = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (m_a, m_chi, g_agg, y_chi)))
    ln_e, f_tab = _f_eff_table()
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_q = np.log(mc) + math.log(EV_PER_GEV)
    inside = np.isfinite(ln_q) & (ln_q >= ln_e[0] - _LN_ROUNDING) & (ln_q <= ln_e[-1] + _LN_ROUNDING)
    f = np.interp(np.where(inside, ln_q, ln_e[0]), ln_e, f_tab)
    sv = sigma_v_late_kernel(ma, mc, g, y, energy_dependent=energy_dependent) * C.GEV2_TO_CM3_PER_S
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = f * sv / (2.0 * np.where(inside, mc, 1.0)) / C.P_ANN_PLANCK_2018
    return np.where(inside & np.isfinite(ratio), ratio, np.nan)


# ----------------------------------------------------------------------------- flags, verdict
def cmb_flags(model: ALPModel) -> tuple[str, ...]:
    """Regimes where the CMB verdict alone is not the whole story (docs/physics.md#cmb).

    ``"halo_velocities_reach_pole"`` for 0 < δ ≤ HALO_POLE_DELTA = 10⁻⁶: halo velocities
    today put annihilations on the pole, so γ-ray line searches would apply (not modelled).
    Below the pole (δ < 0) velocities only move s away from m_a², so σv₀ is the largest rate.
    """
    delta = model.delta
    return (FLAG_HALO_POLE,) if 0.0 < delta <= HALO_POLE_DELTA else ()


def cmb_verdict_fields(model: ALPModel) -> dict[str, Any]:
    """Fields of the ``"planck_cmb"`` :class:`physics.limits.Verdict` for ``model``.

    ratio = p_ann / 3.2×10⁻²⁸ cm³ s⁻¹ GeV⁻¹ (measured, Planck 2018); not applicable (NaN)
    when m_χ is outside the f_eff table. A plain dict so that this module needs no import of
    :mod:`physics.limits`.
    """
    notes = []
    try:
        ratio = p_ann(model) / C.P_ANN_PLANCK_2018
        applicable = math.isfinite(ratio)
        if not applicable:
            ratio = math.nan
            notes.append("not applicable: σv₀ overflows exactly on the pole (m_a = 2m_χ, vanishing width)")
    except ValueError as exc:
        ratio, applicable = math.nan, False
        notes.append(f"not applicable: {exc}")
    if FLAG_HALO_POLE in cmb_flags(model):
        notes.append(
            f"δ = {model.delta:.2g} ≤ {HALO_POLE_DELTA:g}: halo velocities reach the pole today; "
            "γ-ray line searches would apply (not modelled)"
        )
    return {
        "key": CMB_VERDICT_KEY,
        "label": CMB_LABEL,
        "status": "measured",
        "reference": CMB_REFERENCE,
        "applicable": applicable,
        "ratio": ratio,
        "excluded": applicable and ratio > 1.0,
        "note": "; ".join(notes),
    }


__all__ = [
    "CMB_VERDICT_KEY",
    "HALO_POLE_DELTA",
    "cmb_flags",
    "cmb_verdict_fields",
    "f_eff_photons",
    "f_eff_range_gev",
    "p_ann",
    "p_ann_ratio_kernel",
    "sigma_v_late",
    "sigma_v_late_kernel",
]
