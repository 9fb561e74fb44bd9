"""16:9 slide export of the figures (SVG, PDF): ``GET export/<figure>.<svg|pdf>?<the page's query>``.

The server rebuilds the figure from the state in the query string, parsed like a shared link
(:func:`dashboard.state.parse_query`; nothing else the client sends is used), draws it with the
presentation theme at 1600 × 900 px (:func:`layouts.theme.slide_figure`) and renders it with
plotly's exporter (:mod:`dashboard.figure_export`: cached, time-limited, one at a time). The
heavy panels (DM plane, δ scan, the paper's projections) are exported once the page has
computed them (cache only).
Every failure is a one-line text message with a 4xx or 503 status, never a 500. The links
under each graph (:func:`layouts.panels.graph`) fetch it through ``assets/slides.js``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Response, request

from dashboard.figure_export import FORMATS, ExportUnavailable, render
from dashboard.flavour_data import flavour_background, flavour_point
from dashboard.projection_data import cached_projections, projection_view
from dashboard.relic_data import cached_delta_scan, cached_dm_plane_regions, evolution_results
from dashboard.state import AppState, parse_query
from layouts.figures import evolution_figure, flavour_figure
from layouts.panels import DELTA_SCAN_PANEL, DM_PLANE_PANEL, PROJECTION_PANEL, BackgroundPanel
from layouts.theme import SLIDE_SIZE, SLIDE_THEME, slide_figure

log = logging.getLogger(__name__)

ROUTE = "export/<path:filename>"
"""Below the app's routes prefix (relative links work under any prefix)."""


class NotReady(LookupError):
    """A background panel's result is not in the cache yet (the page has not computed it)."""


def _flavour(state: AppState) -> dict[str, Any]:
    return flavour_figure(flavour_background(state), flavour_point(state), SLIDE_THEME)


def _evolution(state: AppState) -> dict[str, Any]:
    return evolution_figure(evolution_results(state), SLIDE_THEME)  # with the fBE once it ran


def _not_ready(spec: BackgroundPanel) -> NotReady:
    return NotReady(
        f"“{spec.title}” is not computed for this state yet: wait until the panel shows its "
        "result, then export again."
    )


def _dm_plane(state: AppState) -> dict[str, Any]:
    plane = cached_dm_plane_regions(state)  # with its CMB and viable overlays
    if plane is None:
        raise _not_ready(DM_PLANE_PANEL)
    return DM_PLANE_PANEL.figure(plane, (state.m_a, state.g_achi), SLIDE_THEME)


def _delta_scan(state: AppState) -> dict[str, Any]:
    scan = cached_delta_scan(state)
    if scan is None:
        raise _not_ready(DELTA_SCAN_PANEL)
    return DELTA_SCAN_PANEL.figure(scan, state.delta, SLIDE_THEME)


def _projections(state: AppState) -> dict[str, Any]:
    data = cached_projections(state)  # every method cached at the link's target, n_σ and width
    if data is None:
        raise _not_ready(PROJECTION_PANEL)
    return PROJECTION_PANEL.figure(projection_view(data), None, SLIDE_THEME)


SLIDES: dict[str, Callable[[AppState], dict[str, Any]]] = {
    "flavour_plane": _flavour,
    "evolution": _evolution,
    DM_PLANE_PANEL.filename: _dm_plane,
    DELTA_SCAN_PANEL.filename: _delta_scan,
    PROJECTION_PANEL.filename: _projections,
}
"""Export name (the graph's file name, layouts/panels.py) → the figure of a state, slide theme."""


def caption(state: AppState) -> str:
    """The parameters a slide shows above its plot."""
    return (
        f"m_a = {state.m_a:.4g} GeV · δ = {state.delta:.4g} · g_aWW = {state.g_aWW:.3g} GeV⁻¹ · "
        f"g_aχχ = {state.g_achi:.3g} GeV⁻¹ · Belle II target: {state.target.replace('_', ' ')} · "
        "arXiv:2504.00383"
    )


def projections_caption(state: AppState) -> str:
    """The settings the projections depend on (not the current point: the grid spans it)."""
    return (
        f"Jointly viable region · Belle II target: {state.target.replace('_', ' ')}, "
        f"{state.n_sigma:g}σ · width: {state.width.replace('_', '-')} · arXiv:2504.00383"
    )


CAPTIONS: dict[str, Callable[[AppState], str]] = {PROJECTION_PANEL.filename: projections_caption}
"""Export name → its caption where the point's parameters (:func:`caption`) would mislead."""


def _text(message: str, status: int) -> Response:
    return Response(message, status=status, mimetype="text/plain")


def slide_response(filename: str, query: str) -> Response:
    """The export ``filename`` (``<figure>.<svg|pdf>``) for the state in ``query``, or a message."""
    name, _, fmt = filename.rpartition(".")
    if name not in SLIDES or fmt not in FORMATS:
        return _text(
            f"no slide export {filename!r}: figures {', '.join(sorted(SLIDES))}; "
            f"formats {', '.join(sorted(FORMATS))}.",
            404,
        )
    state, problems = parse_query(query)
    if problems:
        return _text("; ".join(problems), 400)
    try:
        figure = slide_figure(SLIDES[name](state), CAPTIONS.get(name, caption)(state))
        data = render(figure, fmt, *SLIDE_SIZE)
    except NotReady as err:
        return _text(str(err), 409)
    except ValueError as err:  # a point the physics refuses
        return _text(f"not exported: {err}", 400)
    except ExportUnavailable as err:
        return _text(f"Slide export unavailable: {err}", 503)
    except Exception as err:  # a bug: logged, a message for the user, never a 500
        log.exception("slide export %s failed", filename)
        return _text(f"Slide export failed on the server ({type(err).__name__}).", 503)
    response = Response(data, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}_16x9.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register(app: Any) -> None:
    """Serve the slide exports under the app's routes prefix."""
    prefix = app.config.routes_pathname_prefix or "/"

    def export_slide(filename: str) -> Response:
        return slide_response(filename, request.query_string.decode("utf-8", "replace"))

    app.server.add_url_rule(prefix + ROUTE, "export_slide", export_slide, methods=["GET"])
