"""ALP-portal dark matter physics (arXiv:2504.00383): a plain numpy/scipy package.

Natural units (GeV). No web-framework import anywhere in this package, so that
``from physics import ...`` works in a notebook or a batch job.
"""

from .decays import (
    br_a_invisible,
    ctau,
    decay_length,
    p_invisible_belle2,
    total_width,
    width_a_to_chi,
    width_a_to_photons,
)
from .flavour import br_B_to_K_a, br_K_to_pi_a, br_KL_to_pi0_a, g_aWW_for_br_B_to_K_a
from .formfactors import f0_B_to_K, f0_K_to_pi
from .limits import (
    LimitInfo,
    Verdict,
    curve_in_plane,
    is_excluded,
    limit_catalogue,
    ratio_grid,
    verdicts,
)
from .model import ALPModel
from .targets import belle2_target

__all__ = [
    "ALPModel",
    "LimitInfo",
    "Verdict",
    "belle2_target",
    "br_B_to_K_a",
    "br_KL_to_pi0_a",
    "br_K_to_pi_a",
    "br_a_invisible",
    "ctau",
    "curve_in_plane",
    "decay_length",
    "f0_B_to_K",
    "f0_K_to_pi",
    "g_aWW_for_br_B_to_K_a",
    "is_excluded",
    "limit_catalogue",
    "p_invisible_belle2",
    "ratio_grid",
    "total_width",
    "verdicts",
    "width_a_to_chi",
    "width_a_to_photons",
]

# --- relic-density engine (issue 3) exports are appended below this line ---
from .relic import ConstantSigmaV, RelicResult, omega_h2

__all__ += ["ConstantSigmaV", "RelicResult", "omega_h2"]
