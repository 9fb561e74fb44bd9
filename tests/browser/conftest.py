"""Real-browser tests: headless Debian Chromium drives the app served by gunicorn (2 workers).

The app runs once per session on 127.0.0.1 and a free port, with its caches in a temporary
directory, and is polled on /health before the first test. Tests skip (with the reason) only
if /usr/bin/chromium is absent.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a browser test; skip them all with a reason if Chromium is missing."""
    here = Path(__file__).parent
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} not found (install Debian chromium: make test does it as root)"
    )
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Use the system Chromium (no browser download is possible offline)."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_health(url: str, proc: subprocess.Popen, timeout_s: float = 40.0) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer on {url}/health after {timeout_s} s")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app under gunicorn (2 workers) on a free port; yields its base URL."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found")
    port = free_port()
    cache = tmp_path_factory.mktemp("cache")
    log = (cache / "gunicorn.log").open("w")
    # a coarse DM plane keeps the background-callback test short on a busy 2-core machine
    env = {
        **os.environ,
        "ALP_CACHE_DIR": str(cache),
        "GUNICORN_ACCESSLOG": "",
        "REDIS_URL": "",
        "ALP_DM_GRID": "8",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "app:server",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: teardown stops workers and jobs too
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, proc)
        yield url
    finally:
        stop_group(proc)
        log.close()


def stop_group(proc: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """TERM the server's process group, then KILL whatever is left of that group."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout_s)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright resolves page.goto("/…") against this."""
    return live_server
