"""Fixtures of the dashboard tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard import cache as physics_cache


@pytest.fixture
def no_cache() -> Iterator[None]:
    """Call the physics directly (no file cache) so every test computes what it checks.

    Use per module: ``pytestmark = pytest.mark.usefixtures("no_cache")``.
    """
    saved = physics_cache.active_cache()
    physics_cache.use_cache(None)
    yield
    physics_cache.use_cache(saved)
