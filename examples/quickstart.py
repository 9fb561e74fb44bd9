"""The physics package from any directory (after ``pip install .`` or ``make``): one benchmark point.

    python examples/quickstart.py

Prints the Belle II signal of the abstract's centre, the experiments that exclude it and its
relic density with the nBE and the cBE (``tests/ops/test_packaging.py`` runs this script against
a freshly built wheel, from a directory outside the checkout).
"""

from __future__ import annotations

from physics import belle2_target, br_B_to_K_a, omega_h2, p_invisible_belle2, verdicts
from physics.benchmark_points import ABSTRACT_CENTRE
from physics.provenance import code_version


def main() -> None:
    model = ABSTRACT_CENTRE.model()  # m_a = 2 GeV, δ = 0.024, g_aWW = 8.4e-5, g_aχχ = 1e-3 GeV⁻¹
    signal = br_B_to_K_a(model.m_a, model.g_aWW) * p_invisible_belle2(model)
    excluded = [v.label for v in verdicts(model) if v.excluded]
    print(f"physics {code_version()['version']}: {model}")
    central, low, high = belle2_target(model.m_a, "excess")
    print(f"BR(B→Ka)·P_inv = {signal:.3e} (Belle II excess {central:.3e}, 1σ {low:.3e} – {high:.3e})")
    print(f"excluded by: {', '.join(excluded) or 'nothing'}")
    for method in ("nbe", "cbe"):
        print(f"Ωh² ({method}) = {omega_h2(model, method=method).omega_h2:.4f}")


if __name__ == "__main__":
    main()
