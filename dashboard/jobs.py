"""Background-callback manager: Dash's DiskcacheManager without its 1-second stall.

Dash terminates a superseded background job (the user moved a slider while the DM plane or
the δ scan was computing) inside a disk-cache transaction and then waits up to 1 s for the
process to disappear. Under gunicorn the job is often a child of *another* worker: killed, it
stays a zombie until that worker reaps it, so the wait always times out, and the transaction
lock it holds stalls every request of every worker for that second (measured: browser slider
latency p95 ≈ 2 s). Here the job and its children are killed without holding the lock and
without waiting; the owning worker reaps the zombie when it next starts or polls a job.

Jobs are forks of a server process; :func:`install_fork_hygiene` makes them drop the server's
sockets (see :func:`close_inherited_sockets`).

Two more departures from DiskcacheManager, both found by the load and fault tests:

- Results are kept (``cache_by``: the physics fingerprint; evicted a day after the last read)
  instead of deleted by the first reader. Dash keys a result by the callback's inputs, so two
  people on the same shared link start two jobs with one key; with delete-on-read the first
  poll took the result and the other page never got its figure ("computing…" forever).
- A job that died without a result (killed, out of memory, its worker restarted) is reported
  as an error instead of "no update", so the callback's ``on_error`` shows a retry instead of
  a spinner or "computing…" that never ends. Jobs this manager terminated on purpose
  (superseded, cancelled) are not reported. Errors are never kept as results.
- Bounded (:mod:`dashboard.job_limits`): at most ``ALP_MAX_JOBS`` job processes on the host
  (flock'd slots shared by the workers), further starts wait in a FIFO of ``ALP_MAX_QUEUE``
  (their panel says "Server busy: queued (n ahead)" through its progress outputs) and are
  forked by a poll of their page once a slot is free; beyond the queue a start is refused with
  a message. A page holds at most one job per callback: its new start supersedes its old one,
  queued or running. A start whose result is already stored forks nothing. Each job has a
  memory and a time limit.
- A job store deleted under the running app (``rm -r var/cache``) is recreated, with the
  same signing secret, and stale connections to the deleted database are reopened, instead
  of every later job failing until a restart.
"""

from __future__ import annotations

import functools
import os
import secrets
import stat
import threading
from pathlib import Path
from typing import Any

from dash import DiskcacheManager

from .cache import physics_fingerprint
from .job_limits import BUSY, OUT_OF_MEMORY, JobLimits, JobQueue, SlotPool, apply_job_limits

JOB_LOST = "the computation stopped before it finished"
RESULT_EXPIRE_S = 24 * 3600
_TERMINATED = "alp-terminated-job:"
_QUEUED = "alp-queued:"
"""Queue id → (registry key of the job function, its arguments, its context): any worker starts it."""
_STARTED = "alp-started:"
"""Queue id → pid of the job once it left the queue."""
_OWNER = "alp-owner:"
"""(page, callback) → its current job: a new start supersedes it."""
CACHED_JOB = "cached"
"""Job handle of a start whose result was already stored (no process)."""
REFUSED_JOB = "refused"
"""Job handle of a start refused because the queue was full."""
QUEUED_PREFIX = "q"
_LOST = "lost"


def queued_text(ahead: int) -> str:
    """What a waiting panel shows (its third progress output)."""
    return f"Server busy: queued ({ahead} ahead)"


NO_UPDATE_RESULT = {"_dash_no_update": "_dash_no_update"}
"""Dash's stored result of a background callback that raised ``PreventUpdate`` (HTTP 204)."""


def _empty_start(args: Any) -> bool:
    """A start whose first input is ``None``: every background callback of this app then raises
    ``PreventUpdate`` (a panel's key store before its first key, a button never pressed).

    Dash fires such callbacks on page load although they have ``prevent_initial_call``, when
    their input is the output of another callback (plotly/dash#1225); forking a job for it took a
    slot, and a queued one showed "Server busy: queued" on a panel nobody had started.
    """
    values = list(args.values()) if isinstance(args, dict) else args
    if isinstance(values, list | tuple):
        return bool(values) and values[0] is None
    return values is None  # a callback with one input gets it unwrapped


def _owner() -> str | None:
    """The page (its signed per-load ``endId``) and callback of the current request, if any."""
    try:
        from flask import has_request_context, request

        if not has_request_context():
            return None
        page = request.args.get("endId")
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
    except Exception:  # no usable request: no owner
        return None
    return f"{page}|{output}" if page and isinstance(output, str) else None


def _lost() -> dict:
    return {"background_callback_error": {"msg": JOB_LOST, "tb": ""}}


def _is_error(result: Any) -> bool:
    return isinstance(result, dict) and "background_callback_error" in result


class JobManager(DiskcacheManager):
    """DiskcacheManager: non-blocking ``terminate_job``, shared results, lost jobs reported,
    bounded job processes (slots, queue, per-job limits; see the module doc).

    ``run_dir`` holds the slot files and the queue (default: ``run`` next to the store).
    """

    def __init__(
        self,
        cache: Any,
        cache_by: list | None = None,
        expire: int | None = RESULT_EXPIRE_S,
        limits: JobLimits | None = None,
        run_dir: Path | None = None,
    ) -> None:
        cache_by = [physics_fingerprint] if cache_by is None else cache_by
        self.limits = JobLimits.from_env() if limits is None else limits
        super().__init__(cache, cache_by=cache_by, expire=expire)
        run = Path(cache.directory).parent / "run" if run_dir is None else Path(run_dir)
        self.slots = SlotPool(run / "slots", self.limits.max_jobs)
        self.queue = JobQueue(run, self.limits.max_queue)
        self._launch = threading.Lock()  # one fork at a time: no job inherits another's slot
        self._seen = threading.local()  # per thread: the inode of the database it is connected to
        self._secret: Any = None

    def _fresh_store(self) -> None:
        """Recreate the store if its directory was deleted; reconnect if the database changed."""
        db = os.path.join(self.handle.directory, "cache.db")
        try:
            inode = os.stat(db).st_ino
        except FileNotFoundError:
            directory = self.handle.directory
            self.handle.close()
            self.handle.__init__(directory)  # same object: job functions hold a reference to it
            if self._secret is not None:
                self.handle.add(self.SIGNING_SECRET_KEY, self._secret)
            inode = os.stat(db).st_ino
        seen = getattr(self._seen, "inode", None)
        if seen is not None and seen != inode:
            self.handle.close()  # connected to a deleted database: reopen the new one
        self._seen.inode = inode

    def get_or_create_signing_secret(self, generate: Any) -> Any:
        self._secret = super().get_or_create_signing_secret(generate)
        return self._secret

    # ------------------------------------------------------------------ bounded starts
    def make_job_fn(self, fn: Any, progress: Any, key: Any = None) -> Any:
        memory_mb = self.limits.memory_mb

        @functools.wraps(fn)
        def limited(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except MemoryError:  # str(MemoryError()) is empty: name the limit
                raise RuntimeError(f"{OUT_OF_MEMORY} {memory_mb} MB") from None

        return super().make_job_fn(limited, progress, key)

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> Any:
        """Start a job: forked if a slot is free and nobody waits, else queued or refused.

        Returns the job handle: a pid, a queue id (``q…``), :data:`CACHED_JOB` or
        :data:`REFUSED_JOB`. The page's previous job of the same callback is terminated.
        """
        self._fresh_store()
        if _empty_start(args):  # nothing to compute: answer "no update" without a process or a slot
            self.handle.set(key, NO_UPDATE_RESULT, expire=60)
            return CACHED_JOB
        owner = _owner()
        if owner is not None:
            old = self.handle.get(f"{_OWNER}{owner}")
            if isinstance(old, dict):
                self._terminate_owned(old)
        job = self._start(key, job_fn, args, context)
        if owner is not None:
            if job in (CACHED_JOB, REFUSED_JOB):
                self.handle.delete(f"{_OWNER}{owner}")
            else:
                self.handle.set(f"{_OWNER}{owner}", {"job": job, "created": _created(job)}, expire=3600)
        return job

    def _start(self, key: str, job_fn: Any, args: Any, context: Any) -> str:
        with self._launch:
            result = self.handle.get(key)
            if result is not None and not _is_error(result):
                return CACHED_JOB
            if len(self.queue) == 0:
                pid = self._fork(key, job_fn, args, context)
                if pid is not None:
                    return str(pid)
            fn_key = next((k for k, f in self.func_registry.items() if f is job_fn), None)
            qid = f"{QUEUED_PREFIX}{secrets.token_hex(8)}"
            try:
                self.handle.set(f"{_QUEUED}{qid}", (fn_key, args, context), expire=3600)
            except Exception:  # not storable: cannot wait, say busy
                return REFUSED_JOB
            ahead = self.queue.add(qid) if fn_key is not None else None
            if ahead is None:
                self.handle.delete(f"{_QUEUED}{qid}")
                return REFUSED_JOB
            self._show_queued(key, ahead)
            return qid

    def _fork(self, key: str, job_fn: Any, args: Any, context: Any) -> int | None:
        """Fork ``job_fn`` holding a free slot (call with ``_launch`` held); None if none is free."""
        from multiprocess import Process

        fd = self.slots.acquire()
        if fd is None:
            return None
        limits = self.limits

        def run(*job_args: Any) -> None:
            apply_job_limits(limits)
            job_fn(*job_args)

        try:
            process = Process(target=run, args=(key, self._make_progress_key(key), args, context))
            process.start()
        finally:
            os.close(fd)  # the job's inherited copy holds the slot until it exits
        return int(process.pid)

    def _show_queued(self, key: str, ahead: int) -> None:
        self.handle.set(self._make_progress_key(key), ["0", "1", queued_text(ahead)], expire=600)

    def _started(self, qid: str) -> str | None:
        pid = self.handle.get(f"{_STARTED}{qid}")
        return None if pid is None else str(pid)

    def _promote(self, key: str, qid: str) -> str | None:
        """Fork queued ``qid`` if a slot is free for it: its pid, None while it waits, or
        :data:`_LOST` if it left the queue without a start (its page stopped polling)."""
        with self._launch:
            ahead = self.queue.position(qid)
            if ahead is None:
                return self._started(qid) or _LOST
            if ahead < self.slots.free():
                payload = self.handle.get(f"{_QUEUED}{qid}")
                job_fn = self.func_registry.get(payload[0]) if isinstance(payload, tuple) else None
                if job_fn is None:
                    self.queue.remove(qid)
                    return _LOST
                pid = self._fork(key, job_fn, payload[1], payload[2])
                if pid is not None:
                    self.handle.set(f"{_STARTED}{qid}", pid, expire=RESULT_EXPIRE_S)
                    self.queue.remove(qid)
                    self.handle.delete(f"{_QUEUED}{qid}")
                    self.handle.set(self._make_progress_key(key), ["0", "1", ""], expire=600)
                    return str(pid)
            self._show_queued(key, ahead)
            return None

    def _resolve(self, job: Any) -> Any:
        """The pid behind a queue id once started (else the id itself)."""
        if isinstance(job, str) and job.startswith(QUEUED_PREFIX):
            return self._started(job) or job
        return job

    def _terminate_owned(self, old: dict) -> None:
        """Supersede a page's previous job, unless its pid now belongs to another process."""
        job, created = old.get("job"), old.get("created")
        resolved = self._resolve(job)
        if str(resolved).isdigit() and created is not None and _created(resolved) != created:
            return  # it ended and its pid was reused: not ours to kill
        self.terminate_job(job)

    def job_running(self, job: Any) -> bool:
        if job in (None, CACHED_JOB, REFUSED_JOB):
            return False
        resolved = self._resolve(job)
        if isinstance(resolved, str) and resolved.startswith(QUEUED_PREFIX):
            return self.queue.position(resolved, touch=False) is not None
        try:
            return bool(super().job_running(resolved))
        except (ValueError, TypeError):
            return False

    def terminate_unhealthy_job(self, job: Any) -> bool:
        resolved = self._resolve(job)
        if not (isinstance(resolved, str | int) and str(resolved).isdigit()):
            return False
        return bool(super().terminate_unhealthy_job(resolved))

    # ------------------------------------------------------------------ polls
    def get_progress(self, key: str) -> Any:
        self._fresh_store()  # the first store access of every poll
        return super().get_progress(key)

    def get_result(self, key: str, job: Any) -> Any:
        """The job's result; an error if the job is gone without one (see the module doc).

        A queued job is forked here, by a poll of its page, when a slot is free for it.
        """
        self._fresh_store()
        if job == REFUSED_JOB:
            return {"background_callback_error": {"msg": BUSY, "tb": ""}}
        if job == CACHED_JOB:
            result = super().get_result(key, None)
            return _lost() if result is self.UNDEFINED else result  # evicted meanwhile: Retry
        if isinstance(job, str) and job.startswith(QUEUED_PREFIX):
            pid = self._started(job)
            if pid is None:
                result = self.handle.get(key)
                if result is not None and not _is_error(result):  # another page computed it
                    self.terminate_job(job)
                    return super().get_result(key, None)
                pid = self._promote(key, job)
                if pid is None:
                    return self.UNDEFINED
                if pid == _LOST:
                    if self.handle.get(f"{_TERMINATED}{job}") is not None:
                        return self.UNDEFINED
                    return _lost()
            job = pid
        result = super().get_result(key, job)
        if result is self.UNDEFINED and job is not None and not self.job_running(job):
            result = super().get_result(key, job)  # it may have finished between the two looks
            if result is self.UNDEFINED and self.handle.get(f"{_TERMINATED}{job}") is None:
                return _lost()
        if isinstance(result, dict) and "background_callback_error" in result:
            self.clear_cache_entry(key)  # shown once; the next request computes again
        return result

    def terminate_job(self, job: Any) -> None:
        """SIGKILL the job process and its children (no lock held, no wait); a queued job
        leaves the queue."""
        import psutil

        if job in (None, CACHED_JOB, REFUSED_JOB):
            return
        if isinstance(job, str) and job.startswith(QUEUED_PREFIX):
            self.handle.set(f"{_TERMINATED}{job}", True, expire=3600)
            self.queue.remove(job)
            self.handle.delete(f"{_QUEUED}{job}")
            job = self._started(job)
            if job is None:
                return
        try:
            self.handle.set(f"{_TERMINATED}{int(job)}", True, expire=3600)
            proc = psutil.Process(int(job))
            children = proc.children(recursive=True)
        except (psutil.NoSuchProcess, ValueError):
            return
        for p in [*children, proc]:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        try:  # our own child: reap it now (instantaneous); another worker's: leave it to that worker
            if proc.ppid() == psutil.Process().pid:
                proc.wait(timeout=0.05)
        except (psutil.NoSuchProcess, psutil.TimeoutExpired):
            pass


def _created(job: Any) -> float | None:
    """Start time of process ``job`` (a pid), to recognise it later; None if not a live pid."""
    import psutil

    try:
        return float(psutil.Process(int(job)).create_time())
    except (psutil.Error, ValueError, TypeError):
        return None


def close_inherited_sockets() -> None:
    """In a freshly forked background job: close every socket inherited from the server.

    A job forked from a server worker inherits the worker's client connections. When the
    worker later closes an idle keep-alive connection, the job's copy keeps it open, and the
    browser's next request on it waits unanswered until the job exits (measured: 1–2.5 s
    stalls of slider updates). The job talks to the server only through the disk cache (and
    redis-py reconnects after a fork), so it needs none of them.
    """
    fd_dir = "/proc/self/fd"
    try:
        fds = [int(name) for name in os.listdir(fd_dir)]
    except OSError:  # not Linux: nothing to do
        return
    for fd in fds:
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


JOB_NICENESS = 10
"""Background jobs run at this lower CPU priority: slider updates of the workers come first."""

_INSTALLED: dict[int, bool] = {}


def _in_forked_job() -> None:
    close_inherited_sockets()
    try:
        os.nice(JOB_NICENESS)
    except OSError:  # not permitted: run at normal priority
        pass


def install_fork_hygiene() -> None:
    """Close inherited sockets and lower the priority of every child forked from this (server)
    process (the background jobs); idempotent.

    Call it in server processes only (gunicorn workers, ``python app.py``), never in a process
    whose children must keep inherited sockets (e.g. multiprocessing pipes of a test run).
    """
    if _INSTALLED.get(os.getpid()):
        return
    os.register_at_fork(after_in_child=_in_forked_job)
    _INSTALLED[os.getpid()] = True
