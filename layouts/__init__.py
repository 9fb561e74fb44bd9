"""Component builders (functions, never import-time globals)."""

from __future__ import annotations

from dash import dcc, html

from dashboard.state import AppState

from . import ids
from .controls import control_panel, method_choice
from .panels import (
    BACKGROUND_PANELS,
    DELTA_SCAN_PANEL,
    DM_PLANE_PANEL,
    PROJECTION_PANEL,
    background_panel,
    evolution_panel,
    flavour_panel,
    relic_panel,
    sources_panel,
)


def header() -> html.Header:
    """Title bar with sharing and export actions."""
    return html.Header(
        [
            html.Div(
                [
                    html.H1("ALP-portal dark matter explorer"),
                    html.P(
                        "Resonant ALP-portal dark matter and the B→Kνν̄ excess (arXiv:2504.00383).",
                        className="subtitle",
                    ),
                ]
            ),
            html.Div(
                [
                    html.Span(
                        [
                            dcc.Clipboard(
                                id=ids.COPY_LINK,
                                title="Copy a link to this exact state",
                                className="clipboard",
                            ),
                            " Copy link",
                        ],
                        className="action",
                    ),
                    html.Button("Download CSV", id=ids.CSV_BUTTON, n_clicks=0, className="action"),
                    dcc.Download(id=ids.CSV_DOWNLOAD),
                ],
                className="actions",
            ),
        ],
        className="header",
    )


def build_layout() -> html.Div:
    """The page layout (a function so every page load gets fresh components).

    Controls start at the defaults; the URL callback then restores any shared state.
    """
    state = AppState()
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.STATE, data=None),
            *(dcc.Store(id=spec.ids.key, data=None) for spec in BACKGROUND_PANELS),
            dcc.Store(id=ids.VIABILITY_KEY, data=None),
            header(),
            html.Div(id=ids.NOTICE, className="notice", role="status"),
            html.Div(
                [
                    control_panel(state),
                    html.Main(
                        [
                            html.Div(
                                [
                                    html.Div(id=ids.SCENARIO),
                                    html.Div(
                                        [
                                            method_choice(state),
                                            html.Div(id=ids.VIABILITY, className="viability"),
                                            html.Progress(
                                                id=ids.VIABILITY_PROGRESS,
                                                value="0",
                                                max="1",
                                                className="progress",
                                            ),
                                        ],
                                        className="viability-row",
                                    ),
                                ],
                                className="scenario",
                            ),
                            html.Div(
                                [
                                    flavour_panel(state.theme),
                                    relic_panel(),
                                    evolution_panel(state.theme),
                                    background_panel(DM_PLANE_PANEL, state.theme),
                                    background_panel(DELTA_SCAN_PANEL, state.theme),
                                    background_panel(PROJECTION_PANEL, state.theme),
                                    sources_panel(),
                                ],
                                className="panels",
                            ),
                        ],
                        className="results",
                    ),
                ],
                className="body",
            ),
        ],
        id=ids.PAGE,
        className=f"theme-{state.theme}",
    )
