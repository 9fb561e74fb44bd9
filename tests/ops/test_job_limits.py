"""Bounded background work (dashboard/job_limits.py, dashboard/jobs.py).

The quick tests drive the job manager directly with real forked jobs: the slot cap, the FIFO
queue and its "queued (n ahead)" progress, refusal beyond the queue, supersession, the memory
and time limits. ``test_flood_of_job_starts_stays_within_the_cap`` (``load`` marker, ≈ 1 min,
``pytest -m load tests/ops/test_job_limits.py``) floods a real gunicorn with 100 job starts
and checks processes, memory and a slider move while flooded; it prints the numbers that
docs/reliability.md ("Bounded background work") reports.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import diskcache
import psutil
import pytest

from callbacks import background
from dashboard.job_limits import BUSY, OUT_OF_MEMORY, TIMED_OUT, JobLimits, JobQueue, SlotPool
from dashboard.jobs import CACHED_JOB, REFUSED_JOB, JobManager, queued_text
from dashboard.state import AppState, from_slider, to_slider
from tests._servers import gunicorn

LIMITS = JobLimits(max_jobs=2, max_queue=2, memory_mb=256, timeout_s=30)


def sleeper(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes << 20)) >> 20


_OTHERS: set[int] = set()
"""Children of the test process that are not jobs (a browser driver started by another test)."""


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[JobManager]:
    _OTHERS.clear()
    _OTHERS.update(p.pid for p in psutil.Process().children(recursive=True))
    with diskcache.Cache(str(tmp_path / "background")) as cache:
        m = JobManager(cache, limits=LIMITS)
        for name, fn in (("sleep", sleeper), ("alloc", allocate)):
            m.register(name, fn, False)
        yield m
        for child in psutil.Process().children(recursive=True):
            if child.pid not in _OTHERS:
                child.kill()


def start(m: JobManager, key: str, fn: str = "sleep", *args: Any) -> str:
    return m.call_job_fn(key, m.func_registry[fn], list(args) or [30.0], {})


def live_jobs() -> list[psutil.Process]:
    """Job processes of this test (children started since the fixture, not zombies)."""
    return [
        p for p in psutil.Process().children() if p.pid not in _OTHERS and p.status() != psutil.STATUS_ZOMBIE
    ]


def wait_result(m: JobManager, key: str, job: str, timeout_s: float = 30.0) -> Any:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        r = m.get_result(key, job)
        if r is not m.UNDEFINED:
            return r
        time.sleep(0.05)
    raise AssertionError("no result")


def test_limits_from_the_environment() -> None:
    assert JobLimits.from_env({}).max_jobs == (os.cpu_count() or 1)
    limits = JobLimits.from_env({"ALP_MAX_JOBS": "3", "ALP_JOB_MEMORY_MB": "512", "ALP_JOB_TIMEOUT_S": "9"})
    assert (limits.max_jobs, limits.max_queue, limits.memory_mb, limits.timeout_s) == (3, 48, 512, 9.0)
    assert JobLimits.from_env({"ALP_MAX_JOBS": "0"}).max_jobs == 1
    with pytest.raises(ValueError, match="ALP_MAX_QUEUE"):
        JobLimits.from_env({"ALP_MAX_QUEUE": "many"})


def test_slots_free_themselves_when_the_holder_exits(tmp_path: Path) -> None:
    pool = SlotPool(tmp_path, 2)
    a, b = pool.acquire(), pool.acquire()
    assert a is not None and b is not None and pool.acquire() is None and pool.free() == 0
    os.close(a)
    assert pool.free() == 1


def test_queue_is_fifo_bounded_and_forgets_pages_that_left(tmp_path: Path) -> None:
    q = JobQueue(tmp_path, max_len=2, stale_s=0.3)
    assert q.add("q1") == 0 and q.add("q2") == 1 and q.add("q3") is None
    assert q.position("q2") == 1
    time.sleep(0.2)
    q.position("q2")  # q2's page keeps polling, q1's does not
    time.sleep(0.2)
    assert q.position("q1") is None and q.position("q2") == 0
    (tmp_path / "queue.json").write_text("garbage")
    assert len(q) == 0  # a damaged queue file is an empty queue


def test_starts_beyond_the_cap_queue_then_refuse(manager: JobManager) -> None:
    jobs = [start(manager, f"k{i}") for i in range(5)]
    assert jobs[0].isdigit() and jobs[1].isdigit(), "two slots: two processes"
    assert jobs[2].startswith("q") and jobs[3].startswith("q") and jobs[4] == REFUSED_JOB
    assert len(live_jobs()) == 2
    assert manager.get_result("k4", REFUSED_JOB)["background_callback_error"]["msg"] == BUSY
    assert manager.get_result("k3", jobs[3]) is manager.UNDEFINED and manager.job_running(jobs[3])
    assert manager.get_progress("k3") == ["0", "1", queued_text(1)]
    text = background.retry_state(background.DM_PLANE_PANEL, Exception(BUSY))[1]
    assert text.startswith("Server busy")
    manager.terminate_job(jobs[0])  # a slot frees: the head of the queue starts on its next poll
    manager.terminate_job(jobs[1])
    time.sleep(0.1)
    assert manager.get_result("k3", jobs[3]) is manager.UNDEFINED  # not the head: still waits
    assert manager.get_result("k2", jobs[2]) is manager.UNDEFINED and manager.job_running(jobs[2])
    assert manager.get_progress("k2") == ["0", "1", ""], "started: no longer queued"
    assert len(live_jobs()) <= 2


def test_a_queued_job_runs_to_its_result_and_a_stored_result_forks_nothing(manager: JobManager) -> None:
    busy = [start(manager, f"busy{i}") for i in range(2)]
    job = start(manager, "quick", "sleep", 0.1)
    assert job.startswith("q")
    manager.terminate_job(busy[0])
    assert wait_result(manager, "quick", job) == "done"
    before = len(live_jobs())
    assert start(manager, "quick", "sleep", 0.1) == CACHED_JOB and len(live_jobs()) == before
    assert manager.get_result("quick", CACHED_JOB) == "done"


def test_a_start_without_input_forks_nothing_and_updates_nothing(manager: JobManager) -> None:
    """A panel's key store before its first key (Dash fires its job on page load): no process,
    no slot, no queue line; the page gets Dash's "no update" (HTTP 204)."""
    busy = [start(manager, f"busy{i}") for i in range(2)]  # every slot taken
    before = len(live_jobs())
    job = start(manager, "idle-panel", "sleep", None)
    assert job == CACHED_JOB and len(live_jobs()) == before and len(manager.queue) == 0
    assert manager.get_result("idle-panel", job) == {"_dash_no_update": "_dash_no_update"}
    assert manager.get_progress("idle-panel") is None
    for b in busy:
        manager.terminate_job(b)


def test_terminating_a_queued_job_removes_it_quietly(manager: JobManager) -> None:
    [start(manager, f"busy{i}") for i in range(2)]
    job = start(manager, "waiting")
    manager.terminate_job(job)
    assert not manager.job_running(job) and len(manager.queue) == 0
    assert manager.get_result("waiting", job) is manager.UNDEFINED, "superseded, not reported lost"


def test_memory_and_time_limits_stop_a_job_with_a_message(tmp_path: Path) -> None:
    limits = JobLimits(max_jobs=2, max_queue=2, memory_mb=64, timeout_s=1)
    with diskcache.Cache(str(tmp_path / "background")) as cache:
        m = JobManager(cache, limits=limits)
        m.register("sleep", sleeper, False)
        m.register("alloc", allocate, False)
        big = start(m, "big", "alloc", 512)
        slow = start(m, "slow", "sleep", 20.0)
        msg = wait_result(m, "big", big)["background_callback_error"]["msg"]
        assert OUT_OF_MEMORY in msg
        assert "more memory" in background.failure_text(Exception(msg))
        t0 = time.time()
        msg = wait_result(m, "slow", slow)["background_callback_error"]["msg"]
        assert TIMED_OUT in msg and time.time() - t0 < 10
        assert "longer" in background.failure_text(Exception(msg))
        assert allocate(16) == 16  # the limits live in the jobs, not here


# ----------------------------------------------------------------------------- live flood
FLOOD = 100
CAP = 2


def _tree(app_pid: int, workers: list[int]) -> tuple[int, int]:
    """(live job processes, total RSS in bytes) of gunicorn and everything below it."""
    master = psutil.Process(app_pid)
    jobs = rss = 0
    for p in [master, *master.children(recursive=True)]:
        try:
            if p.status() == psutil.STATUS_ZOMBIE:
                continue
            rss += p.memory_info().rss
            jobs += p.pid != app_pid and p.pid not in workers
        except psutil.NoSuchProcess:
            pass
    return jobs, rss


@pytest.mark.load
def test_flood_of_job_starts_stays_within_the_cap(tmp_path: Path) -> None:
    from tests.ops.load.dash_protocol import dm_job, scan_job
    from tests.ops.test_faults import Page

    env = {"ALP_MAX_JOBS": str(CAP), "ALP_MAX_QUEUE": "16", "ALP_JOB_MEMORY_MB": "1024"}
    with gunicorn(tmp_path, workers=2, env=env) as app:
        workers = app.worker_pids()
        jobs0, rss0 = _tree(app.proc.pid, workers)
        pages = [Page(app.url) for _ in range(FLOOD // 2)]
        bodies = []
        for i, page in enumerate(pages):  # 100 distinct starts: a DM plane and a δ scan per page
            state = AppState(delta=round(0.0301 + 0.0007 * i, 4))
            bodies += [(page, dm_job(page.protocol, state)), (page, scan_job(page.protocol, state))]
        samples: list[tuple[int, int]] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append(_tree(app.proc.pid, workers))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            with ThreadPoolExecutor(max_workers=FLOOD) as pool:
                handles = list(pool.map(lambda pb: pb[0].post(pb[1]).json(), bodies))
            kinds = [h["job"].split("~")[0] for h in handles]
            running = sum(k.isdigit() for k in kinds)
            queued = sum(k.startswith("q") for k in kinds)
            refused = kinds.count(REFUSED_JOB)
            assert running <= CAP and queued <= 16 and running + queued + refused == FLOOD
            # a slider move answers while flooded
            page, prev = pages[0], AppState()
            new = AppState(m_a=from_slider(to_slider(0.7)))
            t0 = time.perf_counter()
            r = page.move(new, prev)
            slider_ms = (time.perf_counter() - t0) * 1e3
            assert r.status_code == 200 and r.json()["response"]["state"]["data"] == new.to_dict()
            # a queued page keeps polling: it shows its place, then starts and gets its figure
            i = next(i for i, k in enumerate(kinds) if k.startswith("q"))
            page, body = bodies[i]
            params = {"cacheKey": handles[i]["cacheKey"], "job": handles[i]["job"]}
            first = page.post(body, **params).json()
            assert "Server busy: queued" in json.dumps(first), first
            deadline, out = time.time() + 180, None
            while time.time() < deadline and out is None:
                time.sleep(0.4)
                data = page.post(body, **params).json()
                out = data.get("response")
            assert out is not None and "fig" in json.dumps(out)
            # a refused page is told so
            j = kinds.index(REFUSED_JOB)
            page, body = bodies[j]
            refused_out = page.post(body, cacheKey=handles[j]["cacheKey"], job=handles[j]["job"]).json()
            assert "Server busy" in json.dumps(refused_out)
            # one page, five starts of one panel: one job
            page = pages[-1]
            for k in range(5):
                page.post(dm_job(page.protocol, AppState(delta=round(0.0251 + 0.0003 * k, 4))))
        finally:
            stop.set()
            sampler.join()
        max_jobs = max(s[0] for s in samples)
        max_rss = max(s[1] for s in samples)
        log = app.log_text()
    worker_rss = rss0 / max(1, len(workers) + 1)
    bound = rss0 + CAP * (worker_rss + (1024 << 20))
    print(
        f"\nflood of {FLOOD} starts: {running} running, {queued} queued, {refused} refused; "
        f"max job processes {max_jobs} (cap {CAP}); RSS {rss0 / 2**20:.0f} MiB before, max "
        f"{max_rss / 2**20:.0f} MiB (bound {bound / 2**20:.0f}); slider move while flooded "
        f"{slider_ms:.0f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    assert jobs0 == 0 and max_jobs <= CAP
    assert max_rss <= bound
    assert "Traceback" not in log, log[-3000:]
