"""Warm-up of a fresh worker: load limit tables and compile the relic kernels once."""

from __future__ import annotations

import logging
import time

from .flavour_data import flavour_background, flavour_point
from .relic_data import engine_available, relic_pair
from .state import AppState

log = logging.getLogger(__name__)


def warm_up() -> float:
    """Evaluate the default point once (through the cache); returns the seconds it took."""
    t0 = time.perf_counter()
    s = AppState()
    flavour_point(s.m_a, s.delta, s.g_aWW, s.g_achi, s.target)
    flavour_background(s.delta, s.g_achi, s.target)
    if engine_available():
        relic_pair(s.m_a, s.delta, s.g_aWW, s.g_achi, s.width)
    dt = time.perf_counter() - t0
    log.info("worker warm-up took %.2f s", dt)
    return dt
