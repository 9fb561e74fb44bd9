"""Host-wide limits of the background jobs: slots, a FIFO queue, memory and time per job.

Every background job (DM plane, δ scan, fBE …) is a process forked from a gunicorn worker.
Unbounded, a hostile or merely busy client can fork one per request (40 at once measured
≈ 9 GiB resident, load 16 on 2 cores). These limits are shared by every worker of a host
(every process using the same ``ALP_CACHE_DIR``):

- **Slots** (:class:`SlotPool`): ``ALP_MAX_JOBS`` lock files ``<cache>/run/slots/slot-<i>``.
  A job is forked holding an exclusive ``flock`` of a free slot; the lock belongs to the open
  file, which only the job keeps open, so the slot frees itself when the job exits, is killed
  or dies (no bookkeeping to go stale, whichever worker forked it).
- **Queue** (:class:`JobQueue`): starts beyond the slots wait in a FIFO of at most
  ``ALP_MAX_QUEUE`` entries (``<cache>/run/queue.json``, guarded by a POSIX lock, which forked
  jobs do not inherit). An entry starts when a slot is free for it; an entry whose page stopped
  polling for :data:`STALE_S` is dropped (the page was closed). Beyond the queue a start is
  refused with a message.
- **Per job**: address space (``RLIMIT_AS``) at most ``ALP_JOB_MEMORY_MB`` above what the job
  inherits from its worker, and a wall-clock limit of ``ALP_JOB_TIMEOUT_S`` (``SIGALRM``, with
  ``RLIMIT_CPU`` as a backstop), see :func:`apply_job_limits`.

docs/reliability.md ("Bounded background work") describes the knobs and the measured numbers.
"""

from __future__ import annotations

import fcntl
import json
import os
import resource
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_JOBS_ENV = "ALP_MAX_JOBS"
MAX_QUEUE_ENV = "ALP_MAX_QUEUE"
JOB_MEMORY_ENV = "ALP_JOB_MEMORY_MB"
JOB_TIMEOUT_ENV = "ALP_JOB_TIMEOUT_S"
DEFAULT_QUEUE_PER_SLOT = 16
DEFAULT_JOB_MEMORY_MB = 1024
DEFAULT_JOB_TIMEOUT_S = 600.0
STALE_S = 10.0
"""A queued entry not polled for this long is dropped (the renderer polls every 0.4 s)."""
LIMIT_MARK = "alp-job-limit:"
"""Prefix of the error message of a job stopped by a limit or refused (callbacks/background.py)."""
BUSY = f"{LIMIT_MARK} busy"
TIMED_OUT = f"{LIMIT_MARK} time"
OUT_OF_MEMORY = f"{LIMIT_MARK} memory"


@dataclass(frozen=True)
class JobLimits:
    """The limits in force (from the environment, :meth:`from_env`)."""

    max_jobs: int
    max_queue: int
    memory_mb: int
    timeout_s: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> JobLimits:
        """``ALP_MAX_JOBS`` (default: the core count), ``ALP_MAX_QUEUE`` (16 per slot),
        ``ALP_JOB_MEMORY_MB`` (1024; 0: no limit), ``ALP_JOB_TIMEOUT_S`` (600; 0: none);
        a malformed value raises ``ValueError`` naming the variable."""
        env = os.environ if env is None else env

        def number(name: str, default: float, kind: type = int) -> Any:
            raw = env.get(name, "").strip()
            if not raw:
                return kind(default)
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"{name}={raw!r} is not a number") from None
            if not value >= 0:
                raise ValueError(f"{name}={raw!r} must be ≥ 0")
            return value

        max_jobs = max(1, number(MAX_JOBS_ENV, os.cpu_count() or 1))
        return cls(
            max_jobs=max_jobs,
            max_queue=number(MAX_QUEUE_ENV, DEFAULT_QUEUE_PER_SLOT * max_jobs),
            memory_mb=number(JOB_MEMORY_ENV, DEFAULT_JOB_MEMORY_MB),
            timeout_s=number(JOB_TIMEOUT_ENV, DEFAULT_JOB_TIMEOUT_S, float),
        )


class SlotPool:
    """``size`` flock'd slot files in ``directory``: at most ``size`` holders on the host."""

    def __init__(self, directory: Path, size: int) -> None:
        self.directory, self.size = Path(directory), size

    def _open(self, i: int) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        return os.open(self.directory / f"slot-{i}", os.O_RDWR | os.O_CREAT, 0o600)

    def _try(self, i: int) -> int | None:
        fd = self._open(i)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    def acquire(self) -> int | None:
        """A locked file descriptor of a free slot (the holder keeps it open), or None."""
        for i in range(self.size):
            fd = self._try(i)
            if fd is not None:
                return fd
        return None

    def free(self) -> int:
        """How many slots are free now."""
        n = 0
        for i in range(self.size):
            fd = self._try(i)
            if fd is not None:
                os.close(fd)  # closing releases the probe's lock
                n += 1
        return n


class JobQueue:
    """A FIFO of waiting job starts, shared by the processes of a host (a locked JSON file)."""

    _thread_lock = threading.Lock()  # POSIX locks exclude processes, not the threads of one

    def __init__(self, directory: Path, max_len: int, stale_s: float = STALE_S) -> None:
        self.directory, self.max_len, self.stale_s = Path(directory), max_len, stale_s

    @contextmanager
    def _locked(self) -> Iterator[list[dict[str, Any]]]:
        """The live entries (stale ones dropped), written back on exit if they changed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / "queue.json"
        with self._thread_lock:
            fd = os.open(self.directory / "queue.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX)  # POSIX lock: never inherited by a forked job
                try:
                    entries = json.loads(path.read_text())
                except (OSError, ValueError):  # missing or damaged: an empty queue
                    entries = []
                if not isinstance(entries, list):
                    entries = []
                before, now = json.dumps(entries), time.time()
                live = [e for e in entries if _fresh(e, now, self.stale_s)]
                yield live
                after = json.dumps(live)
                if after != before:
                    tmp = path.with_suffix(f".{os.getpid()}.tmp")
                    tmp.write_text(after)
                    os.replace(tmp, path)
            finally:
                os.close(fd)  # releases the lock

    def add(self, job_id: str) -> int | None:
        """Append ``job_id``; its number of entries ahead, or None if the queue is full."""
        with self._locked() as entries:
            if len(entries) >= self.max_len:
                return None
            now = time.time()
            entries.append({"id": job_id, "t": now, "seen": now})
            return len(entries) - 1

    def position(self, job_id: str, touch: bool = True) -> int | None:
        """Entries ahead of ``job_id`` (refreshing its liveness), or None if it is not queued."""
        with self._locked() as entries:
            for i, e in enumerate(entries):
                if e["id"] == job_id:
                    if touch:
                        e["seen"] = time.time()
                    return i
            return None

    def remove(self, job_id: str) -> bool:
        with self._locked() as entries:
            kept = [e for e in entries if e["id"] != job_id]
            removed = len(kept) != len(entries)
            entries[:] = kept
            return removed

    def __len__(self) -> int:
        with self._locked() as entries:
            return len(entries)


def _fresh(entry: object, now: float, stale_s: float) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return False
    seen = entry.get("seen")
    return isinstance(seen, int | float) and now - seen <= stale_s


def _address_space() -> int:
    """Bytes of address space this process uses now (Linux ``/proc/self/statm``), or 0."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


class JobTimeout(Exception):
    """Raised in a job when it ran longer than ``ALP_JOB_TIMEOUT_S``."""


def apply_job_limits(limits: JobLimits) -> None:
    """In a freshly forked job: cap its address space and its run time (see the module doc).

    The address-space cap is relative to what the fork inherits from its worker (the imported
    libraries), so ``ALP_JOB_MEMORY_MB`` is what the computation itself may allocate. The time
    limit raises :class:`JobTimeout` in the job (the panel says so); ``RLIMIT_CPU`` a little
    later kills a job stuck in compiled code that never returns to Python.
    """
    if limits.memory_mb > 0:
        cap = _address_space() + limits.memory_mb * (1 << 20)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        except (ValueError, OSError):  # not permitted: no cap
            pass
    if limits.timeout_s > 0:
        seconds = max(1, int(limits.timeout_s + 0.999))

        def expired(_signum: int, _frame: Any) -> None:
            raise JobTimeout(f"{TIMED_OUT} {seconds} s")

        signal.signal(signal.SIGALRM, expired)
        signal.alarm(seconds)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        cpu = seconds + 5
        hard = cpu + 5 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
        except (ValueError, OSError):
            pass
