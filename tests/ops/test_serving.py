"""Serving under gunicorn: every worker serves the page's scripts from its first request on."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests._servers import get, gunicorn

WORKERS = 2


def test_concurrent_first_requests_all_get_the_scripts(tmp_path: Path) -> None:
    """Dash marks its first-request setup done before it registers the script paths it may
    serve, so a script request racing a worker's first request in its other thread answered 500
    ("dash" is not a registered library) and the browser's first page stayed at "Loading..."
    (1 run in 3 of the browser tests). gunicorn.conf.py now runs that setup in each worker before
    it accepts a request; this test posts a page's scripts concurrently right after start-up."""
    import app as app_module

    page = app_module.server.test_client().get("/").get_data(as_text=True)
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert len(scripts) >= 5, page[:500]
    with gunicorn(tmp_path, workers=WORKERS) as app:
        urls = [f"{app.url}{src}" for src in scripts] * 3
        with ThreadPoolExecutor(max_workers=len(urls)) as pool:  # a new connection per request
            statuses = list(pool.map(lambda u: get(u)[0], urls))
        log = app.log_text()
    assert set(statuses) == {200}, (statuses, log[-2000:])
    assert "is not a registered library" not in log
    assert log.count("Dash set up before serving (index 200)") == WORKERS, log[-2000:]
