"""Real servers for the browser, load and fault tests and the benchmarks: gunicorn (the app),
redis-server and headless Chromium, on loopback.

Each server runs in its own process group on 127.0.0.1 and a free port, with its files in a
directory the caller owns, and is stopped (TERM, then KILL of the whole group) when the context
exits. :func:`find_chromium` looks for the browser where ``scripts/system_deps.sh`` does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium", "/snap/bin/chromium")
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
"""Headless Chromium flags for a container (no sandbox, no GPU, no network of its own)."""


def find_chromium() -> Path | None:
    """A Chromium or Chrome executable: on PATH (chromium, chromium-browser, google-chrome) or at
    a usual Debian/snap path, like scripts/system_deps.sh; None if there is none."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return next((Path(p) for p in CHROMIUM_PATHS if Path(p).is_file() and os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_group(proc: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """TERM the process group of ``proc``, then KILL whatever is left of it."""
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait_s)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # jobs forked by the workers share the group
    except ProcessLookupError:
        pass


def get(url: str, timeout_s: float = 5.0) -> tuple[int, bytes]:
    """(status, body) of a GET; status 0 if nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except OSError:
        return 0, b""


@dataclass
class App:
    """A running gunicorn serving the app."""

    url: str
    proc: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn, its workers and every reaped background job."""
        import psutil

        total = 0.0
        master = psutil.Process(self.proc.pid)
        for p in [master, *master.children(recursive=True)]:
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
        return total

    def worker_pids(self) -> list[int]:
        import psutil

        return [c.pid for c in psutil.Process(self.proc.pid).children() if "gunicorn" in c.name()]


@contextmanager
def gunicorn(
    cache_dir: Path, workers: int = 2, env: dict[str, str] | None = None, timeout_s: float = 90.0
) -> Iterator[App]:
    """The app under ``gunicorn -c gunicorn.conf.py`` on 127.0.0.1, caches in ``cache_dir``."""
    port = free_port()
    log = cache_dir / "gunicorn.log"
    full_env = {
        **os.environ,
        "ALP_CACHE_DIR": str(cache_dir),
        "GUNICORN_ACCESSLOG": "",
        "REDIS_URL": "",
        "LOG_LEVEL": "info",
        **(env or {}),
    }
    cmd = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", str(workers), "app:server"]
    with log.open("w") as fh:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=full_env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    app = App(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.time() + timeout_s
        while get(f"{app.url}/health", 1.0)[0] != 200:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{app.log_text()[-3000:]}")
            time.sleep(0.2)
        wait_for_warm_workers(app, workers, deadline)
        yield app
    finally:
        stop_group(proc)


def wait_for_warm_workers(app: App, workers: int, deadline: float) -> None:
    """Until every worker has logged its warm-up (post_worker_init), or the deadline."""
    while app.log_text().count("warm-up") < workers and time.time() < deadline:
        time.sleep(0.2)


@contextmanager
def redis_server(directory: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A throwaway redis-server on 127.0.0.1 (no persistence); yields (url, process)."""
    if REDIS_SERVER is None:
        raise RuntimeError("redis-server not installed (scripts/system_deps.sh installs it)")
    port = free_port()
    cmd = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(directory), "--protected-mode", "yes"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        deadline = time.time() + 20
        while True:
            try:
                if redis.Redis.from_url(url, socket_connect_timeout=0.5).ping():
                    break
            except redis.RedisError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url, proc
    finally:
        stop_group(proc, 10.0)
