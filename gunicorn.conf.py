"""gunicorn settings for the dashboard (``make serve`` / ``gunicorn -c gunicorn.conf.py app:server``).

Every value can be overridden by the environment: ``GUNICORN_BIND`` (default 0.0.0.0:8050,
or ``PORT``), ``GUNICORN_WORKERS`` (2), ``GUNICORN_THREADS`` (2), ``GUNICORN_TIMEOUT`` (120 s:
above any synchronous callback; heavy work runs in background callbacks). Workers share the
physics cache (files under ``ALP_CACHE_DIR`` or Redis via ``REDIS_URL``) and the
background-callback disk cache. Debug mode is never on under gunicorn.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8050')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
preload_app = False  # each worker builds its own app (and its own cache/redis connections)
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # "" turns the access log off
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
raw_env = ["DASH_DEBUG=false"]


def post_worker_init(worker: object) -> None:
    """Warm the physics in each worker (compiled relic kernels, limit tables) before traffic."""
    try:
        from callbacks.warmup import warm_up

        warm_up()
    except Exception as err:  # warming is an optimisation: never stop a worker for it
        print(f"warm-up skipped: {err!r}", flush=True)
