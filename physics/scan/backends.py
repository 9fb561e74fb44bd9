"""Execution backends for scans: in-process, local processes, or a Dask distributed cluster.

Each backend exposes the same three operations (submit a task, wait for the first finished
ones, cancel the rest), so :func:`physics.scan.run_scan` drives all of them with one loop and
the task function (:func:`physics.scan.observables.evaluate_chunk`) is the same everywhere.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
LOCAL_NAMES = ("local", "processes")
INLINE_NAMES = ("inline", "serial")
_ADDRESS = re.compile(
    r"^(?P<scheme>[a-z]+)://(?P<host>\[[0-9a-fA-F:]+\]|[^:/\s\[\]]+)(:(?P<port>\d{1,5}))?/?$"
)


def validate_scheduler(scheduler: str | None) -> str | None:
    """Check a scheduler string before any work; return it normalised.

    ``None``/"local"/"processes": local process pool; "inline"/"serial": this process
    (debugging); ``scheme://host:port`` with scheme in tcp, tls, ws, wss, ucx: a Dask scheduler.
    """
    if scheduler is None:
        return None
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler must be a non-empty string, got {scheduler!r}")
    s = scheduler.strip()
    if s in LOCAL_NAMES:
        return None
    if s in INLINE_NAMES:
        return "inline"
    m = _ADDRESS.match(s)
    if m is None or m["scheme"] not in DASK_SCHEMES:
        raise ValueError(
            f"cannot read scheduler address {scheduler!r}: expected e.g. tcp://10.0.0.5:8786 "
            f"(schemes: {', '.join(DASK_SCHEMES)}), 'local' or 'inline'"
        )
    if m["scheme"] != "inproc" and (m["port"] is None or not 0 < int(m["port"]) < 65536):
        raise ValueError(f"scheduler address {scheduler!r} needs a port in 1..65535, e.g. tcp://host:8786")
    return s


def check_count(name: str, value: int | None, minimum: int = 1) -> int | None:
    """``None`` or an integer ≥ ``minimum``, else ``ValueError`` naming ``name``."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def validate_workers(n_workers: int | None) -> int | None:
    """``None`` (all CPUs) or an integer ≥ 1."""
    return check_count("n_workers", n_workers)


class Backend(Protocol):
    """What the scan loop needs from an executor."""

    n_workers: int

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    def wait_first(self, futures: set[Any]) -> tuple[set[Any], set[Any]]: ...

    def cancel(self, futures: set[Any]) -> None: ...


class _Done:
    """An already-computed result with the future interface used by the loop."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self) -> Any:
        return self._value


class InlineBackend:
    """Run each task immediately in this process (debugging; no parallelism)."""

    n_workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Done:
        return _Done(fn(*args))

    def wait_first(self, futures: set[Any]) -> tuple[set[Any], set[Any]]:
        return set(futures), set()

    def cancel(self, futures: set[Any]) -> None:
        return None


class PoolBackend:
    """A ``ProcessPoolExecutor`` with the 'spawn' start method (no fork of a threaded parent)."""

    def __init__(self, n_workers: int | None) -> None:
        self.n_workers = n_workers or os.cpu_count() or 1
        ctx = multiprocessing.get_context("spawn")
        self._pool = cf.ProcessPoolExecutor(max_workers=self.n_workers, mp_context=ctx)

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        return self._pool.submit(fn, *args)

    def wait_first(self, futures: set[Any]) -> tuple[set[Any], set[Any]]:
        done, pending = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return set(done), set(pending)

    def cancel(self, futures: set[Any]) -> None:
        for f in futures:
            f.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """A ``dask.distributed.Client`` connected to an existing scheduler."""

    def __init__(self, address: str, timeout_s: float) -> None:
        from distributed import Client

        try:
            self._client = Client(address, timeout=f"{timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        workers = self._client.scheduler_info(n_workers=-1).get("workers", {})
        self.n_workers = max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(fn, *args, pure=False)

    def wait_first(self, futures: set[Any]) -> tuple[set[Any], set[Any]]:
        from distributed import wait

        with self._client.as_current():  # our client, not a process-wide default
            done, pending = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(pending)

    def cancel(self, futures: set[Any]) -> None:
        if futures:
            self._client.cancel(list(futures))

    def close(self) -> None:
        self._client.close()


@contextmanager
def open_backend(scheduler: str | None, n_workers: int | None, timeout_s: float = 30.0) -> Iterator[Backend]:
    """The backend for a validated ``scheduler`` (see :func:`validate_scheduler`), closed on exit."""
    if scheduler == "inline":
        yield InlineBackend()
        return
    backend: PoolBackend | DaskBackend
    backend = PoolBackend(n_workers) if scheduler is None else DaskBackend(scheduler, timeout_s)
    try:
        yield backend
    finally:
        backend.close()
