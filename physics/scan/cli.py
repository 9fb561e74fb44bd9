"""Command line of the scans: ``python -m physics.scan run|viable|precompute|status|columns ...``.

See ``--help`` and docs/scans.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .observables import OBSERVABLE_GROUPS, columns_for
from .precompute import cli_precompute
from .runner import run_scan, scan_status
from .spec import AXIS_UNITS, Axis, ScanSpec
from .viable import ViableSpec, run_viable

DESCRIPTION = "Parameter scans: evaluate a grid or random sample of model points into one Parquet table."


def parse_axis(text: str) -> Axis:
    """CLI axis syntax: ``v`` (fixed), ``v1,v2,...`` (values), ``lo:hi:n[:lin|log]`` (grid),
    ``lo:hi[:lin|log]`` (range for --random)."""
    parts = text.split(":")
    try:
        if len(parts) == 1:
            vals = [float(v) for v in text.split(",")]
            return Axis.fixed(vals[0]) if len(vals) == 1 else Axis.of(*vals)
        scale = "lin"
        if parts[-1] in ("lin", "log"):
            scale = parts.pop()
        if len(parts) == 2:
            return Axis(float(parts[0]), float(parts[1]), 1, scale)  # type: ignore[arg-type]
        if len(parts) == 3:
            return Axis(float(parts[0]), float(parts[1]), int(parts[2]), scale)  # type: ignore[arg-type]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad axis {text!r}: {exc}") from exc
    raise argparse.ArgumentTypeError(
        f"bad axis {text!r}: expected v, v1,v2,..., lo:hi:n[:log] or lo:hi[:log]"
    )


def _add_backend_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scheduler",
        help="Dask scheduler address tcp://host:port (default: local processes; "
        "'inline' runs in this process)",
    )
    p.add_argument("--workers", type=int, help="local worker processes (default: all CPUs)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m physics.scan", description=DESCRIPTION)
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run (or resume) a scan into a directory")
    run.add_argument("out_dir", help="scan directory (created; its parent must exist)")
    for name, unit in AXIS_UNITS.items():
        flag = "--" + name.replace("_", "-")
        run.add_argument(
            flag,
            dest=name,
            type=parse_axis,
            help=f"{name} [{unit}]: v | v1,v2 | lo:hi:n[:log] (negative start: {flag}=-0.1:...)",
        )
    run.add_argument("--random", type=int, metavar="N", help="N random points instead of a grid")
    run.add_argument("--seed", type=int, help="seed for --random (required with it)")
    run.add_argument(
        "--observables",
        help=f"comma-separated groups from {list(OBSERVABLE_GROUPS)} (default: all available)",
    )
    run.add_argument(
        "--relic-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keyword for physics.omega_h2, e.g. width=constant (VALUE read as JSON if valid; repeatable)",
    )
    run.add_argument("--chunk-size", type=int, help="points per task")
    run.add_argument("--max-chunks", type=int, help="stop after this many new chunks")
    run.add_argument("--overwrite", action="store_true", help="discard an earlier run in out_dir")
    _add_backend_args(run)
    via = sub.add_parser("viable", help="the viable region (m_a, g_aχχ) → δ* → criteria, per method")
    via.add_argument("out_dir", help="scan directory (created; its parent must exist)")
    via.add_argument("--m-a", dest="m_a", type=parse_axis, help="m_a [GeV] (default 0.1:4.8:48)")
    via.add_argument("--g-achi", dest="g_achi", type=parse_axis, help="g_aχχ [GeV⁻¹] (default 1e-6:1:25:log)")
    via.add_argument("--methods", default="nbe,cbe,fbe", help="comma-separated relic methods")
    via.add_argument("--target", default=None, help="Belle II target: excess (default) or two_body_fit")
    via.add_argument("--n-sigma", type=float, default=1.0, help="width of the Belle II band in σ")
    via.add_argument("--fractions", default=None, help="band positions in [0, 1] (default 0,0.5,1)")
    via.add_argument("--chunk-size", type=int, help="nodes per task (default 16; fBE 2)")
    via.add_argument("--max-chunks", type=int, help="stop after this many new chunks")
    via.add_argument("--overwrite", action="store_true", help="discard an earlier run in out_dir")
    _add_backend_args(via)
    st = sub.add_parser("status", help="progress of a scan directory")
    st.add_argument("out_dir")
    sub.add_parser("columns", help="list the output columns with units")
    pre = sub.add_parser("precompute", help="regenerate the dashboard's grids under data/precomputed/")
    pre.add_argument("--only", action="append", help="grid name (repeatable; default: all)")
    pre.add_argument("--out", default=None, help="target directory (default: data/precomputed)")
    pre.add_argument("--list", action="store_true", help="list the grids and exit")
    _add_backend_args(pre)
    return ap


def _relic_options(items: list[str]) -> tuple[tuple[str, Any], ...]:
    out = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--relic-option needs KEY=VALUE, got {item!r}")
        try:
            out[key] = json.loads(val)
        except json.JSONDecodeError:
            out[key] = val
    return tuple(sorted(out.items()))


def spec_from_args(ns: argparse.Namespace) -> ScanSpec:
    """Build and validate a :class:`ScanSpec` from parsed ``run`` arguments."""
    missing = [n for n in ("m_a", "g_aWW", "g_achi") if getattr(ns, n) is None]
    if missing:
        raise ValueError(f"missing axis option(s): {', '.join('--' + m.replace('_', '-') for m in missing)}")
    obs = None if ns.observables is None else tuple(s.strip() for s in ns.observables.split(",") if s.strip())
    return ScanSpec(
        m_a=ns.m_a,
        m_chi=ns.m_chi,
        delta=ns.delta,
        g_aWW=ns.g_aWW,
        g_achi=ns.g_achi,
        sampling="random" if ns.random is not None else "grid",
        n_samples=ns.random,
        seed=ns.seed,
        observables=obs,
        relic_options=_relic_options(ns.relic_option),
    )


def _run_options(ns: argparse.Namespace) -> dict[str, Any]:
    """The backend, resume and progress options shared by ``run`` and ``viable``."""
    return {
        "scheduler": ns.scheduler,
        "n_workers": ns.workers,
        "resume": not ns.overwrite,
        "progress": not ns.no_progress,
        "max_chunks": ns.max_chunks,
    }


def _cmd_run(ns: argparse.Namespace) -> int:
    res = run_scan(spec_from_args(ns), ns.out_dir, chunk_size=ns.chunk_size, **_run_options(ns))
    state = f"complete: {res.table}" if res.complete else "incomplete (rerun to resume)"
    print(f"{res.computed} chunk(s) computed, {res.skipped} reused, {res.n_chunks} total; {state}")
    return 0


def _cmd_viable(ns: argparse.Namespace) -> int:
    kw: dict[str, Any] = {"methods": tuple(m.strip() for m in ns.methods.split(",") if m.strip())}
    if ns.m_a is not None:
        kw["m_a"] = ns.m_a
    if ns.g_achi is not None:
        kw["g_achi"] = ns.g_achi
    if ns.target is not None:
        kw["target"] = ns.target
    if ns.fractions is not None:
        kw["fractions"] = tuple(float(f) for f in ns.fractions.split(","))
    spec = ViableSpec(n_sigma=ns.n_sigma, **kw)
    res = run_viable(spec, ns.out_dir, nodes_per_chunk=ns.chunk_size, **_run_options(ns))
    state = "complete: projection-<method>.json" if res.complete else "incomplete (rerun to resume)"
    print(f"{res.computed} chunk(s) computed, {res.skipped} reused, {res.n_chunks} total; {state}")
    return 0


def _cmd_columns() -> int:
    groups = tuple(OBSERVABLE_GROUPS)
    for col in columns_for(groups):
        print(f"{col.name:32s} {col.dtype:8s} {col.unit:6s} {col.description}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (errors: message and status 2)."""
    ns = _build_parser().parse_args(argv)
    try:
        if ns.cmd == "run":
            return _cmd_run(ns)
        if ns.cmd == "viable":
            return _cmd_viable(ns)
        if ns.cmd == "status":
            print(json.dumps(scan_status(ns.out_dir), indent=1, ensure_ascii=False))
            return 0
        if ns.cmd == "columns":
            return _cmd_columns()
        return cli_precompute(ns)
    except (ValueError, KeyError, FileNotFoundError, ConnectionError, RuntimeError) as exc:
        print(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
