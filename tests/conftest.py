"""Shared test configuration: hypothesis profiles.

- "ci" (default): a few hundred examples per property, fast enough for `make test`.
- "large": thousands of examples per property (`HYPOTHESIS_PROFILE=large make test-slow`).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "large", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
