"""Callbacks, grouped by panel; ``register(app)`` wires them all onto a Dash app.

- ``point``: the one synchronous callback (controls/URL → state, flavour, nBE+cBE, Patch point)
- ``background``: DM plane, δ scan, fBE (background callbacks with progress)
- ``export``: CSV download, copy link
- ``backend``, ``flavour_data``, ``relic_data``, ``state``: plain, cached, Dash-free helpers
"""

from __future__ import annotations

from typing import Any


def register(app: Any) -> None:
    """Register every callback on ``app``."""
    from . import background, export, point

    point.register(app)
    background.register(app)
    export.register(app)
