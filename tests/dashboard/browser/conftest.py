"""Real-browser tests: headless Chromium drives the app served by gunicorn (2 workers).

The app runs once per session on 127.0.0.1 and a free port, with its caches in a temporary
directory (tests/_servers.py), and is polled on /health before the first test. Chromium is
looked for on PATH and at the usual paths (tests/_servers.find_chromium). Without it every test
here **fails**; it skips only when ``ALP_SKIP_BROWSER=1`` is set, which ``make test`` clears,
so CI cannot skip them silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._servers import CHROMIUM_ARGS, find_chromium, gunicorn

SKIP_ENV = "ALP_SKIP_BROWSER"
CHROMIUM = find_chromium()


def _missing() -> str:
    return (
        "no Chromium found (chromium, chromium-browser or google-chrome on PATH, or /usr/bin/chromium); "
        "install it (scripts/system_deps.sh does, as root)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a browser test; without Chromium they skip only if ALP_SKIP_BROWSER=1."""
    here = Path(__file__).parent
    skip = CHROMIUM is None and os.environ.get(SKIP_ENV) == "1"
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if skip:
                item.add_marker(pytest.mark.skip(reason=f"{_missing()} ({SKIP_ENV}=1)"))


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium executable; a failure (not a skip) when there is none."""
    if CHROMIUM is None:
        pytest.fail(f"{_missing()}; set {SKIP_ENV}=1 to skip the browser tests outside make test")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, chromium: Path) -> dict:
    """Use the system Chromium (no browser download is possible offline)."""
    return {**browser_type_launch_args, "executable_path": str(chromium), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> Iterator[str]:
    """The app under gunicorn (2 workers) on a free port; yields its base URL."""
    # a coarse DM plane and projections grid keep the background-callback tests short on a busy
    # 2-core machine
    with gunicorn(
        tmp_path_factory.mktemp("cache"), workers=2, env={"ALP_DM_GRID": "8", "ALP_PROJECTION_GRID": "2,2"}
    ) as app:
        yield app.url


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright resolves page.goto("/…") against this."""
    return live_server
