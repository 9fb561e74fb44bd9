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
- A job store deleted under the running app (``rm -r var/cache``) is recreated, with the
  same signing secret, and stale connections to the deleted database are reopened, instead
  of every later job failing until a restart.
"""

from __future__ import annotations

import os
import stat
import threading
from typing import Any

from dash import DiskcacheManager

JOB_LOST = "the computation stopped before it finished"
RESULT_EXPIRE_S = 24 * 3600
_TERMINATED = "alp-terminated-job:"


def _fingerprint() -> str:
    from .backend import physics_fingerprint

    return physics_fingerprint()


class JobManager(DiskcacheManager):
    """DiskcacheManager: non-blocking ``terminate_job``, shared results, lost jobs reported."""

    def __init__(
        self, cache: Any, cache_by: list | None = None, expire: int | None = RESULT_EXPIRE_S
    ) -> None:
        super().__init__(cache, cache_by=[_fingerprint] if cache_by is None else cache_by, expire=expire)
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

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> Any:
        self._fresh_store()
        return super().call_job_fn(key, job_fn, args, context)

    def get_progress(self, key: str) -> Any:
        self._fresh_store()  # the first store access of every poll
        return super().get_progress(key)

    def get_result(self, key: str, job: Any) -> Any:
        """The job's result; an error if the job is gone without one (see the module doc)."""
        self._fresh_store()
        result = super().get_result(key, job)
        if result is self.UNDEFINED and job is not None and not self.job_running(job):
            result = super().get_result(key, job)  # it may have finished between the two looks
            if result is self.UNDEFINED and self.handle.get(f"{_TERMINATED}{job}") is None:
                return {"background_callback_error": {"msg": JOB_LOST, "tb": ""}}
        if isinstance(result, dict) and "background_callback_error" in result:
            self.clear_cache_entry(key)  # shown once; the next request computes again
        return result

    def terminate_job(self, job: Any) -> None:
        """SIGKILL the job process and its children (no lock held, no wait)."""
        import psutil

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
