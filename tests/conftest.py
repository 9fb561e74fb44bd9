"""Shared test configuration: hypothesis profiles and their seed.

- "ci" (default): a few hundred examples per property, fast enough for `make test`.
- "large": thousands of examples per property (`make test-fuzz-large`).

Neither profile keeps an example database, so a run draws only from its seed. `make test` passes
`--hypothesis-seed=$(HYPOTHESIS_SEED)` (0 by default: the same examples on every CI run; another
seed: `make test HYPOTHESIS_SEED=7`). The profile and the seed are printed in the report header.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "large", max_examples=5000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed", default=None)
    how = f"seed {seed}" if seed is not None else "random seed (pass --hypothesis-seed=N to fix it)"
    return f"hypothesis: profile {PROFILE!r} ({settings.default.max_examples} examples), {how}"
