"""Faults: the cache disappears or rots, Redis is down or hangs, two processes write one cache
key, a background job is killed. The quick versions (here, default suite) call the app's cache
layer and job manager directly; ``@pytest.mark.load`` ones run a real gunicorn and a real
redis-server (``make test-load``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import diskcache
import pytest
import requests
from flask import Flask

from callbacks import background
from dashboard import cache as physics_cache
from dashboard.dependencies import cache_args
from dashboard.flavour_data import _flavour_point, flavour_point
from dashboard.jobs import JOB_LOST, JobManager
from dashboard.state import AppState, from_slider, to_query, to_slider
from layouts.panels import DELTA_SCAN_PANEL, DM_PLANE_PANEL
from tests._servers import REDIS_SERVER, ROOT, free_port, gunicorn, redis_server
from tests.ops.load.dash_protocol import UPDATE, Protocol, dm_job, end_id, scan_job

STATE = AppState()
ARGS = cache_args(STATE, "flavour_point")
"""The cache-key arguments of flavour_point(STATE) (dashboard.dependencies)."""
needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server not installed (scripts/system_deps.sh)"
)


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """The flavour point computed without any cache."""
    return _flavour_point.uncached(*ARGS)


@pytest.fixture
def file_cache(tmp_path: Path) -> Iterator[Path]:
    """The app's physics cache on files under ``tmp_path`` (active for the test); yields its dir."""
    saved = physics_cache.active_cache()
    physics_cache.make_cache(Flask(__name__), {"ALP_CACHE_DIR": str(tmp_path)})
    yield tmp_path / "physics"
    physics_cache.use_cache(saved)


def cached(args: tuple = ARGS) -> Any:
    """What the cache holds for flavour_point(*args) (None: a miss; never computes)."""
    return physics_cache.peek(_flavour_point, *args)


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> bool:
    return not [r for r in caplog.records if r.levelno >= logging.ERROR]


# ----------------------------------------------------------------------------- file cache
def test_deleted_cache_directory_is_recomputed_and_recreated(
    file_cache: Path, reference: dict, caplog: pytest.LogCaptureFixture
) -> None:
    assert flavour_point(STATE) == reference and cached() == reference
    shutil.rmtree(file_cache)
    assert flavour_point(STATE) == reference  # recomputed, no exception
    assert file_cache.is_dir() and cached() == reference, "the cache must work again, not stay disabled"
    assert no_errors_logged(caplog)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b"", id="emptied"),
        pytest.param(lambda b: b[:3], id="truncated-header"),
        pytest.param(lambda b: b[:4] + os.urandom(64), id="garbage-pickle"),
        # a pickle whose protocol-2 string is not ASCII: UnicodeDecodeError, which cachelib misses
        pytest.param(lambda b: b[:4] + b"\x80\x02U\x02\xc9\xff.", id="non-ascii-pickle"),
        pytest.param(lambda b: b[: len(b) // 2], id="half-written"),
    ],
)
def test_corrupted_cache_files_are_recomputed_and_healed(
    file_cache: Path, reference: dict, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    flavour_point(STATE)
    files = [p for p in file_cache.iterdir() if p.is_file()]
    assert files
    for p in files:  # every entry, the memoize version keys included
        p.write_bytes(damage(p.read_bytes()))
    assert flavour_point(STATE) == reference
    assert cached() == reference, "a corrupted entry must be replaced, not fail forever"
    assert no_errors_logged(caplog)


WRITER = r"""
import sys, time
sys.path.insert(0, {root!r})
from flask import Flask
from dashboard import cache as physics_cache
from layouts.panels import DELTA_SCAN_PANEL, DM_PLANE_PANEL
from dashboard.flavour_data import flavour_point
from dashboard.state import AppState
cache = physics_cache.make_cache(Flask("w"), {{"ALP_CACHE_DIR": {dir!r}}})
me, n, bad = int(sys.argv[1]), 0, 0
deadline = time.time() + {seconds}
while time.time() < deadline:
    n += 1
    value = {{"writer": me, "seq": n, "payload": [me] * 20000}}
    cache.set("shared-key", value)
    got = cache.get("shared-key")
    if got is not None and (got["payload"] != [got["writer"]] * 20000):
        bad += 1
ref = flavour_point(AppState(delta=0.0241))  # both compute and store one memo key
print(n, bad, ref["br_B_to_K_a"], flush=True)
"""


def test_two_processes_writing_one_key_never_corrupt_it(tmp_path: Path) -> None:
    script = WRITER.format(root=str(ROOT), dir=str(tmp_path), seconds=3.0)
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(i)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for i in (1, 2)
    ]
    outs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert all(int(n) > 20 and int(bad) == 0 for n, bad, _ in outs), outs
    assert outs[0][2] == outs[1][2]  # the same memoized value from both processes
    saved = physics_cache.active_cache()
    try:
        cache = physics_cache.make_cache(Flask(__name__), {"ALP_CACHE_DIR": str(tmp_path)})
        last = cache.get("shared-key")
        assert last["writer"] in (1, 2) and last["payload"] == [last["writer"]] * 20000
        assert str(cached(cache_args(AppState(delta=0.0241), "flavour_point"))["br_B_to_K_a"]) == outs[0][2]
    finally:
        physics_cache.use_cache(saved)


# ----------------------------------------------------------------------------- Redis
@contextmanager
def silent_server() -> Iterator[str]:
    """A TCP port that accepts connections and never answers (a hung Redis); yields its URL."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        yield f"redis://127.0.0.1:{srv.getsockname()[1]}/0"


def within(seconds: float, fn: Any) -> Any:
    """``fn()`` in a thread; fails if it has not returned after ``seconds`` (a hang)."""
    box: dict[str, Any] = {}
    t = threading.Thread(target=lambda: box.setdefault("out", fn()), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still blocked after {seconds} s"
    return box.get("out")


def test_redis_url_on_a_closed_port_falls_back_to_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "ALP_CACHE_DIR": str(tmp_path)}
    cfg = physics_cache.cache_config(env)  # how long it takes: benchmarks/bench_faults.py
    assert cfg["CACHE_TYPE"] == "FileSystemCache"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "REDIS_URL" in r.getMessage()]
    assert warnings and "file cache" in warnings[0].getMessage()


def test_a_hung_redis_at_start_up_falls_back_quickly(tmp_path: Path) -> None:
    with silent_server() as url:
        env = {"REDIS_URL": url, "ALP_CACHE_DIR": str(tmp_path)}
        cfg = within(5.0, lambda: physics_cache.cache_config(env))
    assert cfg["CACHE_TYPE"] == "FileSystemCache"


def redis_cache(url: str) -> None:
    """Make a RedisCache on ``url`` the active physics cache (as make_cache does when Redis answers)."""
    physics_cache.make_cache(Flask(__name__), {"REDIS_URL": url}, reachable=lambda u: True)


def test_redis_that_hangs_after_start_up_is_a_slow_miss_not_a_hang(reference: dict) -> None:
    saved = physics_cache.active_cache()
    try:
        with silent_server() as url:
            redis_cache(url)
            assert within(10.0, lambda: flavour_point(STATE)) == reference
    finally:
        physics_cache.use_cache(saved)


@needs_redis
def test_redis_killed_or_stopped_mid_run_keeps_answering(
    tmp_path: Path, reference: dict, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(physics_cache, "REDIS_RETRY_S", 0.3)  # the breaker's pause, shortened
    saved = physics_cache.active_cache()
    try:
        with redis_server(tmp_path) as (url, proc):
            redis_cache(url)
            assert flavour_point(STATE) == reference and cached() == reference  # stored in Redis
            os.kill(proc.pid, signal.SIGSTOP)  # hung: accepts nothing, answers nothing
            try:
                assert within(3.0, lambda: flavour_point(STATE)) == reference  # one 0.5-s timeout
                assert within(0.5, lambda: flavour_point(STATE)) == reference  # then no wait at all
            finally:
                os.kill(proc.pid, signal.SIGCONT)
            assert any("physics cache bypassed" in r.getMessage() for r in caplog.records)
            time.sleep(0.4)
            assert cached() == reference  # back after the pause: hits again
            proc.kill()
            proc.wait()
            assert within(10.0, lambda: flavour_point(STATE)) == reference  # gone: computed
    finally:
        physics_cache.use_cache(saved)


# ----------------------------------------------------------------------------- background jobs
@pytest.fixture
def manager(tmp_path: Path) -> Iterator[JobManager]:
    with diskcache.Cache(str(tmp_path / "jobs")) as cache:
        yield JobManager(cache)


def dead_job() -> str:
    """The pid of a process that existed and was SIGKILLed (reaped), as Dash passes a job id."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    proc.kill()
    proc.wait()
    return str(proc.pid)


def test_a_killed_job_becomes_a_retry_not_a_stuck_spinner(manager: JobManager) -> None:
    result = manager.get_result("key-of-a-killed-job", dead_job())
    assert isinstance(result, dict) and JOB_LOST in result["background_callback_error"]["msg"]
    err = Exception(f"An error occurred inside a background callback: {JOB_LOST}")
    fig, status, retry_hidden = background.retry_state(DM_PLANE_PANEL, err)
    assert "Retry" in json.dumps(fig) and "stopped" in status and retry_hidden is False
    fig, status, retry_hidden = background.retry_state(DELTA_SCAN_PANEL, err, "talk")
    assert "Retry" in json.dumps(fig) and retry_hidden is False
    assert "retry" in str(background.fbe_retry_state(err))


def test_a_superseded_job_is_not_reported_as_lost(manager: JobManager) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    manager.terminate_job(str(proc.pid))
    proc.wait(timeout=10)
    assert manager.get_result("key-of-a-superseded-job", str(proc.pid)) is manager.UNDEFINED


def test_a_deleted_job_store_is_recreated_for_every_worker(tmp_path: Path) -> None:
    directory = str(tmp_path / "jobs")
    one, two = JobManager(diskcache.Cache(directory)), JobManager(diskcache.Cache(directory))  # 2 workers
    secret = one.get_or_create_signing_secret(lambda: "s3cret")
    assert two.get_or_create_signing_secret(lambda: "other") == secret
    one.get_progress("k")
    two.get_progress("k")
    shutil.rmtree(directory)  # rm -r var/cache/background under the running app
    one.get_progress("k")  # the next poll of one worker recreates it …
    one.handle.set("result", {"figure": 1})  # … and a job writes there
    assert two.get_result("result", None) == {"figure": 1}, "the other worker reads the new store"
    assert two.handle.get(JobManager.SIGNING_SECRET_KEY) == secret  # a respawned worker signs alike


def test_results_are_shared_and_errors_are_not_kept(manager: JobManager) -> None:
    manager.handle.set("k", {"figure": 1})
    assert manager.get_result("k", None) == {"figure": 1}
    assert manager.get_result("k", None) == {"figure": 1}, "a second page with the same inputs gets it too"
    manager.handle.set("e", {"background_callback_error": {"msg": "boom", "tb": ""}})
    assert "background_callback_error" in manager.get_result("e", None)
    assert manager.get_result("e", None) is manager.UNDEFINED, "an error is shown once, then recomputed"


# ----------------------------------------------------------------------------- live (make test-load)
class Page:
    """One browser page on a live server: its signed end_id and callback map."""

    def __init__(self, url: str, search: str = "") -> None:
        self.url, self.http = url, requests.Session()
        self.end_id = end_id(self.http.get(f"{url}/{search}", timeout=30).text)
        deps = self.http.get(f"{url}/_dash-dependencies", timeout=30).json()
        self.protocol = Protocol(deps, self.http.get(f"{url}/_dash-layout", timeout=30).json())

    def post(self, body: dict, timeout: float = 60.0, **params: str) -> requests.Response:
        return self.http.post(
            f"{self.url}{UPDATE}", params={"endId": self.end_id, **params}, json=body, timeout=timeout
        )

    def move(self, new: AppState, prev: AppState, timeout: float = 60.0) -> requests.Response:
        return self.post(self.protocol.main_payload(new, prev, to_query(prev), "ma-slider.value"), timeout)

    def sweep(self, values: tuple[float, ...], max_s: float = 60.0) -> None:
        """m_a slider moves near ``values``; each must answer 200 with the new state in time."""
        prev = AppState()
        for v in values:
            new = AppState(m_a=from_slider(to_slider(v)))
            t0 = time.perf_counter()
            r = self.move(new, prev)
            assert r.status_code == 200 and r.json()["response"]["state"]["data"] == new.to_dict()
            assert time.perf_counter() - t0 < max_s
            prev = new

    def run_job(self, body: dict, kill_after_s: float | None = None, timeout_s: float = 120.0) -> dict:
        """Start a background callback, optionally SIGKILL its process, poll until it answers."""
        handles = self.post(body).json()
        if kill_after_s is not None:
            time.sleep(kill_after_s)
            os.kill(int(handles["job"].split("~")[0]), signal.SIGKILL)
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            time.sleep(0.4)
            r = self.post(body, cacheKey=handles["cacheKey"], job=handles["job"])
            assert r.status_code == 200, f"HTTP {r.status_code}: 204 = nothing to update, a stuck panel"
            data = r.json()
            if "response" in data:
                return data["response"]
        raise AssertionError("the job never answered")


@pytest.mark.load
def test_live_killed_job_shows_a_retry_that_works(tmp_path: Path) -> None:
    with gunicorn(tmp_path, workers=2, env={"ALP_DM_GRID": "20"}) as app:
        page = Page(app.url)
        state = AppState(delta=0.0311)  # not a precomputed plane: seconds of work
        body = dm_job(page.protocol, state)
        out = page.run_job(body, kill_after_s=0.5)
        assert out["dm-retry"]["hidden"] is False and "Press Retry" in json.dumps(out["dm-fig"])
        retry = json.loads(json.dumps(body).replace('"n_clicks", "value": 0', '"n_clicks", "value": 1'))
        retry["changedPropIds"] = retry["parsedChangedPropsIds"] = ["dm-retry.n_clicks"]
        out = page.run_job(retry)
        assert out["dm-retry"]["hidden"] is True and "grid" in out["dm-status"]["children"]


@pytest.mark.load
def test_live_worker_sigkill_under_traffic(tmp_path: Path) -> None:
    with gunicorn(tmp_path, workers=2) as app:
        workers = app.worker_pids()
        assert len(workers) == 2
        stop, results = threading.Event(), []

        def traffic(seed: int) -> None:
            page, prev, i = Page(app.url), AppState(), seed
            while not stop.is_set():
                new = AppState(m_a=from_slider(-1.0 + 0.01 * (i % 170)))
                i += 7
                try:
                    results.append((time.time(), page.move(new, prev, timeout=30).status_code))
                    prev = new
                except requests.RequestException as err:
                    results.append((time.time(), type(err).__name__))
                    page = Page(app.url)  # a new connection, as a browser would open

        threads = [threading.Thread(target=traffic, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(4)
        killed_at = time.time()
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.time() + 60
        while time.time() < deadline and (workers[0] in app.worker_pids() or len(app.worker_pids()) < 2):
            time.sleep(0.2)
        respawned = app.worker_pids()
        time.sleep(8)
        stop.set()
        for t in threads:
            t.join(60)
        assert "Traceback" not in app.log_text()
    assert len(respawned) == 2 and workers[0] not in respawned, "gunicorn replaces the killed worker"
    assert not [s for _, s in results if isinstance(s, int) and s >= 500]
    failed = [s for _, s in results if s != 200]
    assert len(failed) <= 4, failed  # at most one in-flight request per client connection
    after = [s for t, s in results if t > killed_at + 5]
    assert len(after) > 10 and all(s == 200 for s in after)


@pytest.mark.load
def test_live_cache_directory_deleted_under_a_running_app(tmp_path: Path) -> None:
    with gunicorn(tmp_path, workers=2, env={"ALP_DM_GRID": "6"}) as app:
        page = Page(app.url)
        page.sweep((0.5, 0.8, 1.2))
        for sub in ("physics", "background"):  # rm -r var/cache, while the app runs
            shutil.rmtree(tmp_path / sub)
        page.sweep((0.5, 0.8, 1.2, 1.5))
        assert any((tmp_path / "physics").iterdir()), "the file cache is back in use"
        for m_a in (0.7, 0.9):  # background jobs work again, whichever worker answers
            out = Page(app.url).run_job(scan_job(page.protocol, AppState(m_a=m_a)))
            assert "scan-fig" in out and out["scan-retry"]["hidden"] is True
        log = app.log_text()
    assert "Traceback" not in log


@needs_redis
@pytest.mark.load
def test_live_redis_down_at_start_or_killed_mid_run(tmp_path: Path) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    (tmp_path / "a").mkdir()
    with gunicorn(tmp_path / "a", workers=2, env={"REDIS_URL": closed}) as app:
        Page(app.url).sweep((0.5, 0.8))
        assert "falling back to the file cache" in app.log_text()
    (tmp_path / "b").mkdir()
    with redis_server(tmp_path) as (url, redis_proc):
        with gunicorn(tmp_path / "b", workers=2, env={"REDIS_URL": url}) as app:
            assert "physics cache: RedisCache" in app.log_text()
            page = Page(app.url)
            page.sweep((0.5, 0.8))
            redis_proc.kill()
            redis_proc.wait()
            page.sweep((0.5, 0.8, 1.1), max_s=5.0)  # a miss at most one timeout long, never a hang
            assert "physics cache bypassed" in app.log_text()
            assert "Traceback" not in app.log_text()


def test_forked_jobs_yield_the_cpu_to_slider_updates() -> None:
    """Background jobs run niced, so that a CPU-bound DM plane never delays the workers."""
    from dashboard import jobs

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the "job"
        try:
            jobs._in_forked_job()
            os.write(write_end, str(os.nice(0)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    niceness = int(os.read(read_end, 16))
    os.close(read_end)
    assert niceness >= os.nice(0) + jobs.JOB_NICENESS
