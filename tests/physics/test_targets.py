"""Belle II target definitions (arXiv:2311.14647, arXiv:2311.14629; docs/physics.md#experiments)."""

from __future__ import annotations

import numpy as np
import pytest

from physics import belle2_target
from physics.targets import TARGET_CHOICES, TARGET_HELP, TARGET_LABELS


def test_excess_is_mass_independent_and_matches_the_measurement() -> None:
    c, lo, hi = belle2_target(np.array([0.5, 2.0, 4.0]), "excess")
    np.testing.assert_allclose(c, 2.3e-5 - 5.58e-6)
    assert np.all(c == c[0]) and np.all(lo < c) and np.all(hi > c)
    # 1σ: stat ⊕ syst ⊕ SM
    assert hi[0] - c[0] == pytest.approx(np.sqrt(0.5e-5**2 + 0.5e-5**2 + 0.37e-6**2), rel=1e-12)
    assert c[0] - lo[0] == pytest.approx(np.sqrt(0.5e-5**2 + 0.4e-5**2 + 0.37e-6**2), rel=1e-12)
    _, _lo2, hi2 = belle2_target(2.0, "excess", n_sigma=2)
    assert hi2 - c[0] == pytest.approx(2 * (hi[0] - c[0]))


def test_two_body_fit_peaks_near_two_gev() -> None:
    """Altmannshofer et al.: Belle II alone peaks at ≈ (8.8 ± 2.5)×10⁻⁶ near 2 GeV."""
    m = np.linspace(0.2, 2.9, 300)
    c, _lo, hi = belle2_target(m, "two_body_fit")
    k = np.nanargmax(c)
    assert 1.7 < m[k] < 2.4
    assert c[k] == pytest.approx(8.8e-6, rel=0.1)
    assert hi[k] - c[k] == pytest.approx(2.5e-6, rel=0.3)


def test_outside_range_is_nan() -> None:
    c, _, _ = belle2_target(np.array([4.9, 5.0]), "excess")
    assert np.all(np.isnan(c))
    c, _, _ = belle2_target(3.5, "two_body_fit")  # beyond the fit's mass range
    assert np.isnan(c)


def test_recast_source() -> None:
    c, lo, hi = belle2_target(2.05, "two_body_fit", source="belle2_recast2025")
    assert 5e-6 < c < 9e-6 and lo < c < hi


@pytest.mark.parametrize(
    "bad", [{"kind": "bogus"}, {"n_sigma": -1}, {"source": "nowhere", "kind": "two_body_fit"}]
)
def test_bad_arguments(bad: dict) -> None:
    with pytest.raises(ValueError):
        belle2_target(2.0, **bad)


def test_nan_mass_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        belle2_target(float("nan"))


def test_labels_and_help_come_from_physics() -> None:
    """One source for the dashboard: the excess is labelled a proxy, the help recommends the fit."""
    assert TARGET_CHOICES == ("excess", "two_body_fit")
    assert set(TARGET_LABELS) == set(TARGET_HELP) == set(TARGET_CHOICES)
    assert "proxy" in TARGET_LABELS["excess"] and "recommended" in TARGET_LABELS["two_body_fit"]
    assert "two-body fit" in TARGET_HELP["excess"] and "Recommended" in TARGET_HELP["two_body_fit"]
    with pytest.raises(ValueError, match="two_body_fit"):
        belle2_target(2.0, "bogus")  # type: ignore[arg-type]
