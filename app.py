"""ALP-portal dark-matter explorer: assembles the Dash app and exposes ``server`` for gunicorn.

Run locally with ``make run`` (http://127.0.0.1:8050) or serve with ``gunicorn app:server``
(``make serve`` uses gunicorn.conf.py). Configuration by environment: ``ALP_CACHE_DIR`` (file
caches, default ./var/cache), ``REDIS_URL`` (shared physics cache; falls back to files if
unreachable), ``HOST``/``PORT`` for ``python app.py``.
"""

from __future__ import annotations

import logging
import os

import diskcache
from dash import Dash
from flask import request

import callbacks
from dashboard import cache
from dashboard.jobs import JobManager, install_fork_hygiene
from layouts import build_layout

MAX_REQUEST_BYTES = 1 << 20
"""Largest request body accepted (a callback request is ~10 kB); larger ones get 413."""


def background_manager() -> JobManager:
    """Background-callback manager on a disk cache shared by the workers of one host."""
    directory = cache.cache_dir() / "background"
    directory.mkdir(parents=True, exist_ok=True)
    return JobManager(diskcache.Cache(str(directory)))


def create_app() -> Dash:
    """Build a fresh Dash app (tests call this to get an isolated instance)."""
    app = Dash(
        __name__,
        title="ALP-portal DM explorer",
        update_title=None,
        background_callback_manager=background_manager(),
        serve_locally=True,
    )
    app.layout = build_layout
    server = app.server
    cache.make_cache(server)
    callbacks.register(app)

    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES

    @server.before_request
    def refuse_malformed_callbacks() -> tuple[str, int] | None:
        """400 (not a 500 and a logged traceback) for a callback request the renderer never sends."""
        if request.method == "POST" and request.path.endswith("/_dash-update-component"):
            body = request.get_json(silent=True)
            if not (
                isinstance(body, dict)
                and isinstance(body.get("output"), str)
                and body["output"] in app.callback_map
                and isinstance(body.get("inputs"), list)
            ):
                return "malformed callback request", 400
        return None

    @server.route("/health")
    def health() -> tuple[str, int]:
        return "ok", 200

    return app


logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper())
app = create_app()
server = app.server

if __name__ == "__main__":
    install_fork_hygiene()  # background jobs forked from the dev server drop its sockets
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
