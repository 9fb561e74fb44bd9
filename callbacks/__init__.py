"""Callbacks, grouped by panel; ``register(app)`` wires them all onto a Dash app.

- ``point``: the one synchronous callback (controls/URL → state, flavour, nBE+cBE, Patch point)
- ``transitions``: its state machine (which control fired → the new state)
- ``background``: DM plane, δ scan, fBE (background callbacks with progress)
- ``preview``: the DM plane's coarse first picture while its background job runs
- ``verdict``: the banner's viability verdict by the fBE (a background callback)
- ``fbe_scan``: the δ-scan panel's fBE/nBE curve on demand (a background callback)
- ``projections``: the paper's projections panel (on demand, a background panel)
- ``export``: CSV download, copy link
- ``slides``: the 16:9 SVG/PDF export of each figure (a plain Flask route)

Imports flow one way: ``app.py`` → ``callbacks`` → ``layouts`` → ``dashboard`` → ``physics``.
"""

from __future__ import annotations

from typing import Any

from . import background, export, fbe_scan, point, preview, projections, slides, verdict


def register(app: Any) -> None:
    """Register every callback on ``app``."""
    point.register(app)
    background.register(app)
    preview.register(app)
    verdict.register(app)
    fbe_scan.register(app)
    projections.register(app)
    export.register(app)
    slides.register(app)
