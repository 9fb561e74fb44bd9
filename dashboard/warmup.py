"""Warm-up of a fresh worker: load limit tables and compile the relic kernels once."""

from __future__ import annotations

import logging
import time

from .flavour_data import flavour_background, flavour_point
from .relic_data import relic_pair
from .state import AppState

log = logging.getLogger(__name__)


def warm_up() -> float:
    """Evaluate the default point once (through the cache); returns the seconds it took."""
    t0 = time.perf_counter()
    state = AppState()
    flavour_point(state)
    flavour_background(state)
    relic_pair(state)
    dt = time.perf_counter() - t0
    log.info("worker warm-up took %.2f s", dt)
    return dt
