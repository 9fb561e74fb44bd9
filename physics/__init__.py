"""ALP-portal dark matter physics (arXiv:2504.00383): a plain numpy/scipy package.

Natural units (GeV). No web-framework import anywhere in this package, so that
``from physics import ...`` works in a notebook or a batch job (``pip install .``). Layers on
top of this core, which it never imports: :mod:`physics.scan` (parameter scans, the dashboard's
precomputed grids) and :mod:`physics.reproduce` (the paper's report). Formulas and conventions:
docs/physics.md; the relic engine: docs/relic.md.
"""

from .band import GaWWBand, g_aWW_band
from .cmb import cmb_flags, f_eff_photons, p_ann, sigma_v_late
from .decays import (
    br_a_invisible,
    ctau,
    decay_length,
    p_invisible_belle2,
    scenario,
    total_width,
    width_a_to_chi,
    width_a_to_photons,
)
from .flavour import br_B_to_K_a, br_K_to_pi_a, br_KL_to_pi0_a, g_aWW_for_br_B_to_K_a
from .formfactors import f0_B_to_K, f0_K_to_pi
from .limits import (
    LimitInfo,
    Verdict,
    babar_tension_pull,
    curve_in_plane,
    is_excluded,
    limit_catalogue,
    ratio_grid,
    verdicts,
)
from .model import ALPModel
from .projection import ProjectionNode, ViableProjection, projection_node, viable_projection
from .relic import ConstantSigmaV, RelicResult, omega_h2
from .relic_grid import PointResults, RelicGrid, omega_h2_grid, omega_h2_grids, omega_h2_points
from .targets import belle2_target
from .viable import DeltaStar, Viability, delta_star, viability, viability_at_delta_star

__all__ = [
    "ALPModel",
    "ConstantSigmaV",
    "DeltaStar",
    "GaWWBand",
    "LimitInfo",
    "PointResults",
    "ProjectionNode",
    "RelicGrid",
    "RelicResult",
    "Verdict",
    "Viability",
    "ViableProjection",
    "babar_tension_pull",
    "belle2_target",
    "br_B_to_K_a",
    "br_KL_to_pi0_a",
    "br_K_to_pi_a",
    "br_a_invisible",
    "cmb_flags",
    "ctau",
    "curve_in_plane",
    "decay_length",
    "delta_star",
    "f0_B_to_K",
    "f0_K_to_pi",
    "f_eff_photons",
    "g_aWW_band",
    "g_aWW_for_br_B_to_K_a",
    "is_excluded",
    "limit_catalogue",
    "omega_h2",
    "omega_h2_grid",
    "omega_h2_grids",
    "omega_h2_points",
    "p_ann",
    "p_invisible_belle2",
    "projection_node",
    "ratio_grid",
    "scenario",
    "sigma_v_late",
    "total_width",
    "verdicts",
    "viability",
    "viability_at_delta_star",
    "viable_projection",
    "width_a_to_chi",
    "width_a_to_photons",
]
