"""Parameter scans: evaluate a grid or random sample of model points into one Parquet table.

>>> from physics.scan import Axis, ScanSpec, run_scan, load_scan
>>> spec = ScanSpec(m_a=Axis.log(0.1, 4.5, 30), delta=Axis.fixed(0.05),
...                 g_aWW=Axis.log(1e-5, 1e-3, 30), g_achi=Axis.fixed(1e-2))
>>> df = load_scan(run_scan(spec, "scans/bk_plane"))           # doctest: +SKIP

Points are evaluated in coarse chunks (a task each) by local processes (default), in this
process (``scheduler="inline"``) or on a Dask cluster (``scheduler="tcp://host:8786"``); the
same task function runs everywhere, so the tables are identical. Each finished chunk is
written at once (``chunks/chunk-NNNNNN.parquet``) next to a ``manifest.json`` (spec hash,
chunk list, code version): an interrupted scan rerun with the same spec skips finished
chunks; a different spec or different physics code in the same directory is refused. When
every chunk is done they are combined into ``scan.parquet`` (and removed).

Command line: ``python -m physics.scan run|precompute|status|columns ...`` (see
``--help`` and docs/scans.md; :mod:`physics.scan.cli`). Precomputed dashboard grids:
:mod:`physics.scan.precompute`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from ..provenance import code_version
from .backends import Backend, check_count, open_backend, validate_scheduler, validate_workers
from .observables import ChunkResult, check_relic_options, columns_for, evaluate_chunk, resolve_groups
from .spec import ScanSpec

MANIFEST = "manifest.json"
TABLE = "scan.parquet"
CHUNK_DIR = "chunks"
LOCK = ".lock"
MANIFEST_FORMAT = 1
PARQUET_META_KEY = b"physics.scan"


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ScanResult:
    """Outcome of :func:`run_scan`; usable as a path (``os.PathLike``) to the scan directory.

    ``computed``/``skipped`` count chunks evaluated now / found finished from an earlier run;
    ``seconds`` is the wall time of this call, ``cpu_seconds`` the CPU time the workers spent
    on the chunks computed now (summed over workers; start-up and file writing excluded).
    """

    def __fspath__(self) -> str:
        return str(self.path)

    @property
    def table(self) -> Path:
        """The combined Parquet table (exists when ``complete``)."""
        return self.path / TABLE

    path: Path
    n_chunks: int
    computed: int
    skipped: int
    complete: bool
    seconds: float
    cpu_seconds: float = 0.0


# ----------------------------------------------------------------------------- validation
def default_chunk_size(n_points: int, groups: Sequence[str]) -> int:
    """Points per task: ~seconds of work with the relic engine, ~0.5 s without.

    Depends only on the scan (never on the machine), so every backend chunks alike.
    """
    base, floor = (200, 10) if {"relic", "relic_fbe"} & set(groups) else (2000, 250)
    return max(1, min(base, max(floor, math.ceil(n_points / 16))))


def _check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """The scan directory may be missing (it is created) but its parent must exist."""
    path = Path(out_dir).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"output path {path} exists and is not a directory")
    parent = path.resolve().parent
    if not parent.is_dir():
        raise ValueError(f"parent directory of the output {path} does not exist: {parent}")
    if not os.access(parent if not path.exists() else path, os.W_OK):
        raise ValueError(f"output directory {path} is not writable")
    return path


def _chunk_plan(n_points: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """[(index, start, stop)] covering 0..n_points."""
    return [(i, s, min(s + chunk_size, n_points)) for i, s in enumerate(range(0, n_points, chunk_size))]


def _chunk_path(path: Path, index: int) -> Path:
    return path / CHUNK_DIR / f"chunk-{index:06d}.parquet"


def _new_manifest(spec: ScanSpec, chunk_size: int) -> dict[str, Any]:
    groups = spec.observables or ()
    return {
        "format": MANIFEST_FORMAT,
        "spec": spec.to_dict(),
        "spec_sha256": spec.digest(),
        "code": None,  # the workers' code version, recorded with the first chunk
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_points": spec.n_points,
        "shape": list(spec.shape),
        "chunk_size": chunk_size,
        "chunks": [[i, s, e] for i, s, e in _chunk_plan(spec.n_points, chunk_size)],
        "columns": [c.name for c in columns_for(tuple(groups))],
        "complete": False,
    }


def _read_manifest(path: Path) -> dict[str, Any] | None:
    file = path / MANIFEST
    if not file.exists():
        return None
    try:
        return json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{file} is unreadable ({exc}); delete the directory to start over") from exc


def _compatible(old: dict[str, Any], spec: ScanSpec, chunk_size: int | None, check_code: bool) -> int:
    """Raise unless an existing manifest is the same scan; return its chunk size.

    ``check_code``: compare the recorded code version with the files on this machine (local
    backends; a Dask cluster's workers are checked with every chunk instead).
    """
    if old.get("spec_sha256") != spec.digest():
        raise ValueError(
            f"the directory holds a different scan (spec sha256 {str(old.get('spec_sha256'))[:12]}…, "
            f"this one {spec.digest()[:12]}…): use another output directory, or resume=False "
            "(--overwrite) to replace it"
        )
    now = code_version(cached=False)
    if check_code and old.get("code") is not None and old["code"] != now:
        raise ValueError(
            "the physics code changed since this scan started "
            f"({old['code']} → {now}): finished chunks would mix two code versions; "
            "use another output directory or resume=False (--overwrite)"
        )
    if chunk_size is not None and chunk_size != old["chunk_size"]:
        raise ValueError(f"chunk_size {chunk_size} differs from the scan's {old['chunk_size']}")
    return int(old["chunk_size"])


def _prepare(
    spec: ScanSpec, path: Path, chunk_size: int | None, resume: bool, local: bool
) -> tuple[ScanSpec, dict[str, Any]]:
    """Resolve observables and the manifest; raise before touching anything on a mismatch."""
    spec = spec.with_observables(resolve_groups(spec.observables))
    if "relic" in (spec.observables or ()):
        check_relic_options(dict(spec.relic_options))
    old = _resumed(path, spec, chunk_size, resume, local)
    if old is not None:
        return spec, {**old, "chunk_size": int(old["chunk_size"])}
    size = chunk_size or default_chunk_size(spec.n_points, spec.observables or ())
    return spec, _new_manifest(spec, size)


def _resumed(
    path: Path, spec: ScanSpec, chunk_size: int | None, resume: bool, local: bool
) -> dict[str, Any] | None:
    """The manifest of the scan in ``path`` if it is resumed (checked by :func:`_compatible`,
    ``local``: its code too); None for a missing or empty directory or ``resume=False``.
    ``ValueError`` for a directory that is not empty and holds no scan."""
    if not (path.exists() and any(path.iterdir())):
        return None
    old = _read_manifest(path)
    if old is None:
        raise ValueError(f"{path} is not empty and holds no {MANIFEST}: refusing to write a scan there")
    if not resume:
        return None
    _compatible(old, spec, chunk_size, check_code=local)
    return old


def _clear_scan_files(path: Path) -> None:
    """Remove only the files a scan writes (never anything else)."""
    for name in (MANIFEST, TABLE):
        (path / name).unlink(missing_ok=True)
    if (path / CHUNK_DIR).is_dir():
        shutil.rmtree(path / CHUNK_DIR)


# ----------------------------------------------------------------------------- locking
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale_lock(lock: Path, host: str, pid: str) -> bool:
    """Left by a dead process on this host, or empty (killed while writing it) for > 10 s."""
    if host == socket.gethostname() and pid.isdigit():
        return not _pid_alive(int(pid))
    return not pid and time.time() - lock.stat().st_mtime > 10.0


@contextmanager
def _dir_lock(path: Path) -> Iterator[None]:
    """One writer per scan directory; a lock left by a dead process on this host is taken over."""
    lock = path / LOCK
    me = f"{socket.gethostname()} {os.getpid()}"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            host, _, pid = lock.read_text().strip().partition(" ")
            if _stale_lock(lock, host, pid):
                lock.unlink(missing_ok=True)
                continue
            raise RuntimeError(f"another scan ({host} pid {pid}) is writing to {path}; lock {lock}") from None
        with os.fdopen(fd, "w") as fh:
            fh.write(me)
        break
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- running
def _write_json(file: Path, data: dict[str, Any]) -> None:
    tmp = file.with_suffix(file.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    os.replace(tmp, file)


def _write_chunk(path: Path, res: ChunkResult) -> None:
    target = _chunk_path(path, res.index)
    tmp = target.with_suffix(".parquet.tmp")
    res.frame.to_parquet(tmp, index=False)
    os.replace(tmp, target)  # atomic: a chunk file is either complete or absent


def _pending(path: Path, plan: list[list[int]]) -> list[tuple[int, int, int]]:
    return [(i, s, e) for i, s, e in plan if not _chunk_path(path, i).exists()]


def _accept_code(path: Path, manifest: dict[str, Any], res: ChunkResult) -> None:
    """Record the workers' code version with the first chunk; refuse a chunk from other code.

    ``manifest`` (the driver's working copy) is updated in place and rewritten on first use.
    """
    if manifest["code"] is None:
        manifest["code"] = res.code
        _write_json(path / MANIFEST, manifest)
    elif res.code != manifest["code"]:
        raise RuntimeError(
            f"a worker runs different physics code ({res.code}) from this scan's ({manifest['code']}); "
            "run the same code on every worker, and do not edit physics/ during a scan"
        )


def _drive(
    backend: Backend,
    spec_dict: dict[str, Any],
    todo: list[tuple[int, int, int]],
    path: Path,
    manifest: dict[str, Any],
    bar: Any,
    task: Any = evaluate_chunk,
) -> tuple[int, float]:
    """Submit chunks (bounded in flight) of ``task`` (default: the observables' chunk
    evaluator; the viable workload passes its own), write each as it finishes.

    Returns (chunks written, worker CPU seconds spent on them).
    """
    queue = iter(todo)
    inflight: set[Any] = set()
    written, cpu = 0, 0.0
    window = 2 * backend.n_workers + 1
    try:
        while True:
            for i, s, e in queue:
                inflight.add(backend.submit(task, spec_dict, i, s, e))
                if len(inflight) >= window:
                    break
            if not inflight:
                return written, cpu
            done, inflight = backend.wait_first(inflight)
            for fut in done:
                res: ChunkResult = fut.result()
                _accept_code(path, manifest, res)
                _write_chunk(path, res)
                written += 1
                cpu += res.cpu_seconds
                bar.update(len(res.frame))
    except BaseException:
        backend.cancel(inflight)
        raise


def _combine(path: Path, manifest: dict[str, Any]) -> Path:
    """Stream the chunk files, in point order, into one Parquet table; remove the chunks."""
    target = path / TABLE
    tmp = target.with_suffix(".parquet.tmp")
    meta = {PARQUET_META_KEY: json.dumps({k: manifest[k] for k in ("spec", "spec_sha256", "code")})}
    writer: pq.ParquetWriter | None = None
    try:
        for i, _, _ in manifest["chunks"]:
            table = pq.read_table(_chunk_path(path, i))
            if writer is None:
                schema = table.schema.with_metadata({**(table.schema.metadata or {}), **meta})
                writer = pq.ParquetWriter(tmp, schema, compression="zstd")
            writer.write_table(table.replace_schema_metadata(writer.schema.metadata))
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, target)
    shutil.rmtree(path / CHUNK_DIR)
    return target


def run_scan(
    spec: ScanSpec,
    out_dir: str | os.PathLike[str],
    scheduler: str | None = None,
    n_workers: int | None = None,
    chunk_size: int | None = None,
    resume: bool = True,
    progress: bool = True,
    max_chunks: int | None = None,
    connect_timeout_s: float = 30.0,
) -> ScanResult:
    """Evaluate every point of ``spec`` and write ``out_dir/scan.parquet``.

    Parameters
    ----------
    spec : ScanSpec
        The points and observable groups (``spec.observables=None``: every available group).
    out_dir : path
        Scan directory; created if missing (its parent must exist). It must be empty, or hold
        this same scan (then finished chunks are kept: resume).
    scheduler : str, optional
        ``None``/"local": a pool of local processes; "inline": this process;
        "tcp://host:port": a running Dask scheduler.
    n_workers : int, optional
        Local processes (default: all CPUs); ignored for Dask (the cluster decides).
    chunk_size : int, optional
        Points per task (default :func:`default_chunk_size`; fixed by the first run).
    resume : bool
        Keep finished chunks of the same scan (default). ``False`` deletes this directory's
        scan files (only those) and starts over.
    progress : bool
        Show a tqdm progress bar (points) on stderr.
    max_chunks : int, optional
        Stop after computing this many new chunks (the scan stays resumable).
    connect_timeout_s : float
        Timeout [s] to reach a Dask scheduler.

    Raises
    ------
    ValueError
        Bad spec, chunk size, worker count, scheduler address or output directory, or a
        directory holding a different scan — all before any work starts.
    ConnectionError
        The Dask scheduler cannot be reached.
    """
    t0 = time.perf_counter()
    run = _Run(
        scheduler=validate_scheduler(scheduler),
        n_workers=validate_workers(n_workers),
        progress=bool(progress),
        timeout_s=float(connect_timeout_s),
    )
    chunk_size = check_count("chunk_size", chunk_size)
    check_count("max_chunks", max_chunks, minimum=0)
    path = _check_out_dir(out_dir)
    local = run.scheduler in (None, "inline")
    spec, manifest = _prepare(spec, path, chunk_size, resume, local)
    return _run_in_dir(run, spec, path, manifest, resume=resume, max_chunks=max_chunks, t0=t0)


@dataclass(frozen=True)
class _Run:
    """Validated execution options."""

    scheduler: str | None
    n_workers: int | None
    progress: bool
    timeout_s: float


@dataclass(frozen=True)
class _Workload:
    """What a chunked run evaluates and how it reports: ``task`` per chunk, the progress bar's
    ``unit`` and ``label``, the table rows per planned item (``rows_per_item``: the chunk plan
    counts points, or nodes of several rows each) and ``finish(path)``, run once the table is
    combined and before the manifest says complete."""

    task: Callable[..., ChunkResult] = evaluate_chunk
    unit: str = "pt"
    label: str = "scan"
    rows_per_item: int = 1
    finish: Callable[[Path], None] | None = None


_SCAN = _Workload()
"""The observables scan (:func:`run_scan`)."""


def _run_in_dir(
    run: _Run,
    spec: Any,
    path: Path,
    manifest: dict[str, Any],
    *,
    resume: bool,
    max_chunks: int | None,
    t0: float,
    work: _Workload = _SCAN,
) -> ScanResult:
    """Write the manifest and compute the missing chunks under the directory's lock (``t0``: the
    run's start, for the wall time). ``resume=False`` clears the scan files first; a complete
    manifest is returned as it is. ``spec``: a ScanSpec or another workload's spec (``n_points``
    table rows, ``to_dict()`` for the tasks)."""
    path.mkdir(exist_ok=True)
    with _dir_lock(path):
        if not resume:
            _clear_scan_files(path)
        if manifest["complete"]:
            n = len(manifest["chunks"])
            return ScanResult(path, n, 0, n, True, time.perf_counter() - t0)
        (path / CHUNK_DIR).mkdir(exist_ok=True)
        _write_json(path / MANIFEST, manifest)
        (computed, cpu), skipped, complete = _execute(run, spec, path, manifest, max_chunks, work)
    n_chunks = len(manifest["chunks"])
    return ScanResult(path, n_chunks, computed, skipped, complete, time.perf_counter() - t0, cpu)


def _execute(
    run: _Run, spec: Any, path: Path, manifest: dict[str, Any], max_chunks: int | None, work: _Workload
) -> tuple[tuple[int, float], int, bool]:
    """Compute the missing chunks (at most ``max_chunks``); combine when all are done.

    Returns ((chunks computed, their CPU seconds), chunks found finished, complete).
    """
    for stale in (path / CHUNK_DIR).glob("*.tmp"):
        stale.unlink()  # a chunk being written when a previous run was killed
    pending = _pending(path, manifest["chunks"])
    skipped = len(manifest["chunks"]) - len(pending)
    todo = pending if max_chunks is None else pending[:max_chunks]
    done_rows = spec.n_points - sum(e - s for _, s, e in pending) * work.rows_per_item
    computed = _run_chunks(run, spec, path, manifest, todo, done_rows, work) if todo else (0, 0.0)
    complete = not _pending(path, manifest["chunks"])
    if complete:
        _combine(path, manifest)
        if work.finish is not None:
            work.finish(path)
        finished = datetime.now(UTC).isoformat(timespec="seconds")
        _write_json(path / MANIFEST, {**manifest, "complete": True, "finished": finished})
    return computed, skipped, complete


def _run_chunks(
    run: _Run,
    spec: Any,
    path: Path,
    manifest: dict[str, Any],
    todo: list[tuple[int, int, int]],
    done_rows: int,
    work: _Workload,
) -> tuple[int, float]:
    """Compute the chunks ``todo`` on the run's backend, with a progress bar in table rows
    (``done_rows`` of them finished earlier)."""
    from tqdm import tqdm

    with (
        tqdm(
            total=spec.n_points,
            initial=done_rows,
            unit=work.unit,
            desc=f"{work.label} {path.name}",
            disable=not run.progress,
        ) as bar,
        open_backend(run.scheduler, run.n_workers, run.timeout_s) as backend,
    ):
        try:
            return _drive(backend, spec.to_dict(), todo, path, manifest, bar, task=work.task)
        except KeyboardInterrupt:
            left = len(_pending(path, manifest["chunks"]))
            print(f"\ninterrupted: {left} chunk(s) left; rerun the same command to resume", file=sys.stderr)
            raise


# ----------------------------------------------------------------------------- reading
def scan_status(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Progress of a scan directory: points, chunks done/total, complete, spec and code."""
    path = Path(out_dir)
    manifest = _read_manifest(path)
    if manifest is None:
        raise FileNotFoundError(f"no scan in {path} (no {MANIFEST})")
    n_chunks = len(manifest["chunks"])
    done = n_chunks if manifest["complete"] else n_chunks - len(_pending(path, manifest["chunks"]))
    return {
        "n_points": manifest["n_points"],
        "chunks_done": done,
        "chunks_total": n_chunks,
        "complete": manifest["complete"],
        "spec": manifest["spec"],
        "code": manifest["code"],
    }


def load_scan(out_dir: str | os.PathLike[str], allow_partial: bool = False) -> pd.DataFrame:
    """The scan table as a DataFrame (rows in point order; ``df.attrs["scan"]`` = the manifest).

    An unfinished scan raises ``ValueError`` unless ``allow_partial=True`` (then the finished
    chunks are returned).
    """
    path = Path(out_dir)
    manifest = _read_manifest(path)
    if manifest is None:
        raise FileNotFoundError(f"no scan in {path} (no {MANIFEST})")
    if manifest["complete"]:
        df = pd.read_parquet(path / TABLE)
    else:
        files = [_chunk_path(path, i) for i, _, _ in manifest["chunks"]]
        done = [f for f in files if f.exists()]
        if not allow_partial:
            raise ValueError(
                f"scan in {path} is unfinished ({len(done)}/{len(files)} chunks): rerun it to resume, "
                "or pass allow_partial=True"
            )
        cols = manifest["columns"]
        df = (
            pd.concat([pd.read_parquet(f) for f in done], ignore_index=True)
            if done
            else pd.DataFrame(columns=cols)
        )
    df.attrs["scan"] = {k: manifest[k] for k in ("spec", "spec_sha256", "code", "n_points", "shape")}
    return df
