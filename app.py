"""ALP-portal dark-matter explorer: assembles the Dash app and exposes ``server`` for gunicorn.

Run locally with ``make run`` (http://127.0.0.1:8050) or serve with ``gunicorn app:server``.
"""

from __future__ import annotations

import os

from dash import Dash

from layouts import build_layout


def create_app() -> Dash:
    """Build a fresh Dash app (tests call this to get an isolated instance)."""
    app = Dash(__name__, title="ALP-portal DM explorer", update_title=None)
    app.layout = build_layout
    server = app.server

    @server.route("/health")
    def health() -> tuple[str, int]:
        return "ok", 200

    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
