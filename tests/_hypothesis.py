"""Example budgets of the property tests, scaled by the hypothesis profile (tests/conftest.py)."""

from __future__ import annotations

from hypothesis import settings

CI_EXAMPLES = 300
"""max_examples of the "ci" profile (the "large" profile has 5000)."""


def examples(factor: float) -> settings:
    """``factor`` × the profile's max_examples (ci: 300, large: 5000), at least 5."""
    return settings(max_examples=max(5, int(settings.default.max_examples * factor)))


def fixed(n_ci: int) -> settings:
    """Expensive properties: ``n_ci`` examples in ci, 10× that in the large profile."""
    return settings(max_examples=n_ci if settings.default.max_examples <= CI_EXAMPLES else 10 * n_ci)
