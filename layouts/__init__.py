"""Component builders (functions, never import-time globals)."""

from __future__ import annotations

from dash import html


def build_layout() -> html.Div:
    """The page layout (a function so every page load gets fresh components)."""
    return html.Div(
        [
            html.H1("ALP-portal dark matter explorer"),
            html.P("Resonant ALP-portal dark matter and the B→Kνν̄ excess (arXiv:2504.00383)."),
        ],
        id="page",
    )
