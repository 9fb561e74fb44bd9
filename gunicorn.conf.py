"""gunicorn settings for the dashboard (``make serve`` / ``gunicorn -c gunicorn.conf.py app:server``).

Every value can be overridden by the environment: ``GUNICORN_BIND`` (default 0.0.0.0:8050,
or ``PORT``), ``GUNICORN_WORKERS`` (2), ``GUNICORN_THREADS`` (2), ``GUNICORN_TIMEOUT`` (120 s:
above any synchronous callback; heavy work runs in background callbacks). Two threads per
worker: Dash blocks a thread for up to 1 s when it terminates a superseded background job of
another worker, and the second thread keeps serving slider moves meanwhile (measured: with one
thread the browser p95 rose to ~2 s). Workers share the
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
control_socket_disable = True  # no shared $HOME/.gunicorn/gunicorn.ctl between servers on one host


def post_worker_init(worker: object) -> None:
    """Background jobs forked from this worker drop its sockets; Dash's first-request setup runs
    before the worker accepts a request; warm the physics up."""
    from dashboard.jobs import install_fork_hygiene

    install_fork_hygiene()
    # Dash registers the script paths it may serve in its first-request setup, after marking the
    # setup done: a request racing the first one in the worker's other thread got a 500 ("dash" is
    # not a registered library) and the page stayed at "Loading...". Run that setup here, once.
    status = worker.wsgi.test_client().get("/").status_code  # type: ignore[attr-defined]
    print(f"worker {os.getpid()}: Dash set up before serving (index {status})", flush=True)
    try:
        from dashboard.warmup import warm_up

        warm_up()
    except Exception as err:  # warming is an optimisation: never stop a worker for it
        print(f"warm-up skipped: {err!r}", flush=True)


def worker_exit(server: object, worker: object) -> None:
    """Kill the worker's running background jobs, so that a restart or shutdown never waits.

    (SIGKILL: the jobs are forks of the worker and inherit its SIGTERM handler, which only
    flags the worker loop to stop.)
    """
    try:
        import psutil

        for child in psutil.Process().children(recursive=True):
            child.kill()
    except Exception as err:  # best effort
        print(f"could not stop background jobs: {err!r}", flush=True)
