"""physics.scan: specs, validation, evaluation against the per-point API, resume, backends."""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from physics import (
    ALPModel,
    belle2_target,
    br_a_invisible,
    br_B_to_K_a,
    ctau,
    is_excluded,
    p_invisible_belle2,
    total_width,
    verdicts,
)
from physics.provenance import code_version
from physics.scan import (
    CHUNK_DIR,
    MANIFEST,
    Axis,
    ScanSpec,
    columns_for,
    load_precomputed,
    load_scan,
    run_scan,
    scan_status,
)
from physics.scan.cli import main, parse_axis
from physics.scan.observables import OBSERVABLE_GROUPS, evaluate_points
from physics.scan.precompute import PrecomputedGrid, build_grid, precomputed_grids

REPO = Path(__file__).resolve().parents[2]
PRECOMPUTED = REPO / "data" / "precomputed"
FLAVOUR_GROUPS = ("derived", "flavour", "belle2", "limits")


def small_spec(**kw: object) -> ScanSpec:
    """4 × 3 × 3 × 2 = 72 points over both scenarios, flavour-side observables only."""
    base: dict[str, object] = {
        "m_a": Axis.log(0.05, 4.0, 4),
        "delta": Axis.of(-0.3, 0.02, 0.5),
        "g_aWW": Axis.log(1e-6, 1e-3, 3),
        "g_achi": Axis.of(1e-3, 1.0),
        "observables": FLAVOUR_GROUPS,
    }
    return ScanSpec(**{**base, **kw})  # type: ignore[arg-type]


def chunk_files(path: Path) -> list[Path]:
    return sorted((path / CHUNK_DIR).glob("chunk-*.parquet"))


# ----------------------------------------------------------------------------- specs
def test_grid_points_are_the_cartesian_product_in_c_order() -> None:
    spec = small_spec()
    pts = spec.points()
    nodes = [a.nodes() for a in spec.axes().values()]
    expected = np.array(list(itertools.product(*nodes)))
    got = np.column_stack([pts[k] for k in ("m_a", "delta", "g_aWW", "g_achi")])
    assert spec.n_points == 72 and spec.shape == (4, 3, 3, 2)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(nodes[0], [0.05, 0.05 * 80 ** (1 / 3), 0.05 * 80 ** (2 / 3), 4.0], rtol=1e-12)
    sub = spec.points(10, 20)
    np.testing.assert_array_equal(sub["g_aWW"], pts["g_aWW"][10:20])


def test_random_points_do_not_depend_on_the_chunking() -> None:
    spec = ScanSpec(
        m_a=Axis.log(0.01, 4.0),
        m_chi=Axis.lin(0.1, 2.0),
        g_aWW=Axis.log(1e-6, 1e-3),
        g_achi=Axis.of(0.1, 0.2, 0.3),
        sampling="random",
        n_samples=1000,
        seed=7,
    )
    whole = spec.points()
    for a, b in [(0, 1), (1, 250), (250, 999), (999, 1000)]:
        part = spec.points(a, b)
        for k in whole:
            np.testing.assert_array_equal(part[k], whole[k][a:b])
    assert np.all((whole["m_a"] >= 0.01) & (whole["m_a"] < 4.0))
    assert np.all((whole["m_chi"] >= 0.1) & (whole["m_chi"] < 2.0))
    assert set(np.unique(whole["g_achi"])) == {0.1, 0.2, 0.3}
    # log-uniform: about half the points below the geometric mean
    below = np.mean(whole["g_aWW"] < math.sqrt(1e-6 * 1e-3))
    assert 0.45 < below < 0.55
    other = ScanSpec(**{**spec._fields(), "seed": 8})
    assert not np.array_equal(other.points()["m_a"], whole["m_a"])
    assert other.digest() != spec.digest()


def test_spec_round_trips_through_json() -> None:
    for spec in (
        small_spec(),
        ScanSpec(
            m_a=Axis.lin(1, 2),
            m_chi=Axis.fixed(0.5),
            g_aWW=Axis.fixed(1e-4),
            g_achi=Axis.log(1e-3, 1),
            sampling="random",
            n_samples=5,
            seed=1,
            relic_options=(("width", "running"),),
        ),
    ):
        again = ScanSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
        assert again == spec and again.digest() == spec.digest()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"m_a": Axis.log(4.0, 0.1, 5)}, "m_a: inverted range"),
        ({"m_a": Axis.lin(1.0, 1.0, 5)}, "m_a: empty range"),
        ({"m_a": Axis.of()}, "m_a: empty list"),
        ({"m_a": Axis.lin(math.nan, 1.0, 5)}, "m_a lower end must be finite"),
        ({"g_aWW": Axis.log(1e-6, math.inf, 5)}, "g_aWW upper end must be finite"),
        ({"g_aWW": Axis.of(1e-6, math.nan)}, "g_aWW value must be finite"),
        ({"g_achi": Axis.log(0.0, 1.0, 5)}, "log axis needs a lower end > 0"),
        ({"m_a": Axis.lin(-1.0, 1.0, 5)}, "masses must be > 0"),
        ({"g_achi": Axis.lin(-1.0, 1.0, 5)}, "couplings must be >= 0"),
        ({"delta": Axis.lin(-1.5, 1.0, 5)}, "delta must be > -1"),
        ({"m_a": Axis(0.1, 1.0, 0, "log")}, "n must be an integer >= 1"),
        ({"m_a": Axis.log(0.1, 1.0, 1)}, "n = 1 on the range"),
        ({"m_a": Axis(0.1, 1.0, 3, "cubic")}, "scale must be"),  # type: ignore[arg-type]
        ({"m_chi": Axis.fixed(1.0)}, "exactly one of m_chi or delta"),
        ({"delta": None}, "exactly one of m_chi or delta"),
        ({"sampling": "random", "n_samples": 10}, "n = 4 has no meaning"),
        ({"sampling": "sobol"}, "sampling must be"),
        ({"seed": 3}, "only for sampling='random'"),
    ],
)
def test_bad_specs_are_refused_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        small_spec(**kwargs)


def test_random_spec_needs_samples_and_seed() -> None:
    axes = {"m_a": Axis.lin(1, 2), "delta": Axis.fixed(0.1), "g_aWW": Axis.fixed(1e-4)}
    axes["g_achi"] = Axis.fixed(0.1)
    with pytest.raises(ValueError, match="n_samples >= 1"):
        ScanSpec(**axes, sampling="random", n_samples=0, seed=1)
    with pytest.raises(ValueError, match="integer seed"):
        ScanSpec(**axes, sampling="random", n_samples=10)


def test_run_scan_validates_everything_before_any_work(tmp_path: Path) -> None:
    spec = small_spec()
    bad_calls = {
        "parent directory": lambda: run_scan(spec, tmp_path / "missing" / "scan"),
        "not a directory": lambda: run_scan(spec, tmp_path / "file.txt"),
        "cannot read scheduler address": lambda: run_scan(spec, tmp_path / "a", scheduler="http://x:1"),
        "needs a port": lambda: run_scan(spec, tmp_path / "a", scheduler="tcp://host"),
        "n_workers must be": lambda: run_scan(spec, tmp_path / "a", n_workers=0),
        "chunk_size must be": lambda: run_scan(spec, tmp_path / "a", chunk_size=0),
        "max_chunks must be": lambda: run_scan(spec, tmp_path / "a", max_chunks=-1),
        "unknown observable": lambda: run_scan(small_spec(observables=("flavor",)), tmp_path / "a"),
        "holds no manifest.json": lambda: run_scan(spec, tmp_path / "foreign"),
    }
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("keep me")
    for message, call in bad_calls.items():
        with pytest.raises(ValueError, match=message):
            call()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "foreign"]  # nothing created
    assert [p.name for p in (tmp_path / "foreign").iterdir()] == ["notes.txt"]


def test_unreachable_scheduler_is_a_connection_error(tmp_path: Path) -> None:
    with pytest.raises(ConnectionError, match="cannot reach the Dask scheduler"):  # time: bench_faults.py
        run_scan(small_spec(), tmp_path / "s", scheduler="tcp://127.0.0.1:9", connect_timeout_s=1.0)
    assert chunk_files(tmp_path / "s") == []


# ----------------------------------------------------------------------------- evaluation
def test_scan_rows_agree_with_the_per_point_api() -> None:
    spec = small_spec()
    df = evaluate_points(spec, 0, spec.n_points)
    assert list(df.columns) == [c.name for c in columns_for(FLAVOUR_GROUPS)]
    checked = 0
    for row in df.itertuples(index=False):
        if row.error:
            continue
        m = ALPModel.from_detuning(row.m_a, row.delta, row.g_aWW, row.g_achi)
        assert (row.m_chi, row.scenario) == (m.m_chi, m.scenario)
        assert row.width_total == pytest.approx(total_width(m), rel=1e-13)
        assert row.br_inv == pytest.approx(br_a_invisible(m), rel=1e-13, abs=1e-300)
        assert row.ctau_m == pytest.approx(ctau(m), rel=1e-13)
        assert row.p_inv_belle2 == pytest.approx(p_invisible_belle2(m), rel=1e-13)
        assert row.br_B_to_K_a == pytest.approx(br_B_to_K_a(m.m_a, m.g_aWW), rel=1e-13)
        for v in verdicts(m):
            got = getattr(row, f"ratio_{v.key}")
            assert (math.isnan(got) and math.isnan(v.ratio)) or got == pytest.approx(v.ratio, rel=1e-12)
        assert row.excluded == is_excluded(m)
        excluders = {v.key for v in verdicts(m) if v.excluded and v.status == "measured"}
        assert set(filter(None, row.excluded_by.split(","))) == excluders
        _, lo, hi = belle2_target(m.m_a, "excess", n_sigma=2.0)
        assert row.in_excess_2sigma == bool(lo <= row.br_B_to_K_a_x_p_inv <= hi)
        checked += 1
    assert checked > 40
    assert df.excluded.any() and not df.excluded.all()  # the grid straddles the limits


def test_invalid_points_give_error_rows_not_a_failed_scan() -> None:
    # g_aWW·m_a > 4π and y_χ > 4π for the largest couplings
    spec = small_spec(g_aWW=Axis.of(1e-4, 10.0), g_achi=Axis.of(1e-3, 50.0))
    df = evaluate_points(spec, 0, spec.n_points)
    bad = df[df.error != ""]
    good = df[df.error == ""]
    assert len(df) == spec.n_points and 0 < len(bad) < len(df)
    assert bad.error.str.startswith("invalid model:").all()
    assert bad.error.str.contains("4π").all()
    assert bad.br_B_to_K_a.isna().all() and bad.m_chi.isna().all() and not bad.excluded.any()
    assert good.br_B_to_K_a.notna().all() and good.m_chi.notna().all()
    for row in df.itertuples(index=False):  # error rows are exactly the points ALPModel refuses
        try:
            ALPModel.from_detuning(row.m_a, row.delta, row.g_aWW, row.g_achi)
        except ValueError as exc:
            assert row.error == f"invalid model: {exc}"
        else:
            assert row.error == ""


def test_a_chunk_of_only_invalid_points_still_has_every_column() -> None:
    spec = small_spec(g_achi=Axis.fixed(1e3))
    df = evaluate_points(spec, 0, 5)
    assert len(df) == 5 and (df.error != "").all()
    assert list(df.columns) == [c.name for c in columns_for(FLAVOUR_GROUPS)]
    assert df.dtypes["excluded"] == np.dtype(bool) and df.dtypes["point"] == np.dtype(np.int64)


# ----------------------------------------------------------------------------- running, resume
def test_inline_scan_writes_one_table_and_a_manifest(tmp_path: Path) -> None:
    spec = small_spec()
    res = run_scan(spec, tmp_path / "s", scheduler="inline", chunk_size=20, progress=False)
    assert (res.n_chunks, res.computed, res.skipped, res.complete) == (4, 4, 0, True)
    assert 0 < res.cpu_seconds < 10 * res.seconds
    assert os.fspath(res) == str(tmp_path / "s") and res.table.is_file()
    df = load_scan(res)
    assert len(df) == 72 and (df.point.to_numpy() == np.arange(72)).all()
    pd.testing.assert_frame_equal(df, evaluate_points(spec.with_observables(FLAVOUR_GROUPS), 0, 72))
    manifest = json.loads((tmp_path / "s" / MANIFEST).read_text())
    assert manifest["spec_sha256"] == spec.digest() and manifest["complete"]
    assert manifest["chunks"] == [[0, 0, 20], [1, 20, 40], [2, 40, 60], [3, 60, 72]]
    assert df.attrs["scan"]["spec"] == spec.to_dict()
    assert not (tmp_path / "s" / CHUNK_DIR).exists() and not (tmp_path / "s" / ".lock").exists()
    again = run_scan(spec, tmp_path / "s", scheduler="inline", progress=False)
    assert (again.computed, again.skipped) == (0, 4)


def test_resume_skips_finished_chunks(tmp_path: Path) -> None:
    spec, out = small_spec(), tmp_path / "s"
    first = run_scan(spec, out, scheduler="inline", chunk_size=10, progress=False, max_chunks=3)
    assert (first.n_chunks, first.computed, first.complete) == (8, 3, False)
    stamps = {p.name: p.stat().st_mtime_ns for p in chunk_files(out)}
    assert len(stamps) == 3
    with pytest.raises(ValueError, match="unfinished"):
        load_scan(out)
    assert len(load_scan(out, allow_partial=True)) == 30
    assert scan_status(out)["chunks_done"] == 3
    time.sleep(0.01)
    second = run_scan(spec, out, scheduler="inline", progress=False, max_chunks=2)
    assert (second.computed, second.skipped) == (2, 3)
    assert {p.name: p.stat().st_mtime_ns for p in chunk_files(out)}.items() >= stamps.items()
    (out / CHUNK_DIR / "chunk-000007.parquet.tmp").write_text("half-written by a killed run")
    last = run_scan(spec, out, scheduler="inline", progress=False)
    assert (last.computed, last.skipped, last.complete) == (3, 5, True)
    fresh = run_scan(spec, tmp_path / "fresh", scheduler="inline", chunk_size=10, progress=False)
    pd.testing.assert_frame_equal(load_scan(out), load_scan(fresh), check_exact=True)


def test_a_different_scan_in_the_same_directory_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "s"
    run_scan(small_spec(), out, scheduler="inline", chunk_size=10, progress=False, max_chunks=1)
    other = small_spec(g_achi=Axis.of(1e-3, 0.5))
    with pytest.raises(ValueError, match="holds a different scan"):
        run_scan(other, out, scheduler="inline", progress=False)
    with pytest.raises(ValueError, match="chunk_size 20 differs"):
        run_scan(small_spec(), out, scheduler="inline", chunk_size=20, progress=False)
    res = run_scan(other, out, scheduler="inline", chunk_size=50, progress=False, resume=False)
    assert res.complete and res.n_chunks == 2
    assert (load_scan(out).g_achi.unique() == [1e-3, 0.5]).all()


def test_changed_physics_code_is_refused_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "s"
    run_scan(small_spec(), out, scheduler="inline", chunk_size=10, progress=False, max_chunks=1)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["code"]["source_sha256"] = "0" * 64
    (out / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="physics code changed"):
        run_scan(small_spec(), out, scheduler="inline", progress=False)


RELIC_SPEC = ScanSpec(
    m_a=Axis.of(0.6, 2.0),
    delta=Axis.of(-0.005, 0.024, 0.3),
    g_aWW=Axis.fixed(8.4e-5),
    g_achi=Axis.of(1e-6, 1e-3, 50.0),  # 1e-6: never in equilibrium at δ < 0; 50: invalid model
)


def _all_backends(spec: ScanSpec, tmp_path: Path, chunk_size: int) -> list[pd.DataFrame]:
    """The same scan inline, on 2 local processes and on a real 2-process Dask LocalCluster."""
    from distributed import LocalCluster

    kw = {"chunk_size": chunk_size, "progress": False}
    out = [load_scan(run_scan(spec, tmp_path / "inline", scheduler="inline", **kw))]
    out.append(load_scan(run_scan(spec, tmp_path / "local", n_workers=2, **kw)))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        res = run_scan(spec, tmp_path / "dask", scheduler=cluster.scheduler_address, **kw)
    assert res.complete and res.n_chunks == math.ceil(spec.n_points / chunk_size)
    out.append(load_scan(res))
    return out


def test_local_processes_and_a_dask_cluster_give_identical_tables(tmp_path: Path) -> None:
    spec = small_spec(m_a=Axis.log(0.05, 4.0, 7))
    inline, local, dask = _all_backends(spec, tmp_path, 25)
    assert len(dask) == spec.n_points and dask.excluded.any()
    pd.testing.assert_frame_equal(local, dask, check_exact=True)
    pd.testing.assert_frame_equal(inline, dask, check_exact=True)


def test_relic_observables_are_identical_between_backends(tmp_path: Path) -> None:
    inline, local, dask = _all_backends(RELIC_SPEC, tmp_path, 5)
    assert dask.omega_h2_cbe.notna().sum() >= 8 and "relic" in dask.attrs["scan"]["spec"]["observables"]
    pd.testing.assert_frame_equal(local, dask, check_exact=True)
    pd.testing.assert_frame_equal(inline, dask, check_exact=True)


def test_a_killed_scan_resumes_from_its_chunk_files(tmp_path: Path) -> None:
    """SIGKILL the command mid-scan (stale lock, maybe a half-written chunk), then rerun it."""
    out = tmp_path / "s"
    args = [
        "run", str(out), "--m-a", "0.01:4.5:60:log", "--delta=-0.2,0.05", "--g-aWW", "1e-6:1e-3:20:log",
        "--g-achi", "1e-3,0.3", "--observables", "derived,flavour,limits", "--chunk-size", "50",
        "--scheduler", "inline", "--no-progress",
    ]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "physics.scan", *args], cwd=REPO)
    deadline = time.monotonic() + 60
    while len(chunk_files(out)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = {p.name: p.stat().st_mtime_ns for p in chunk_files(out)}
    assert 3 <= len(done) < 96, "the scan finished before it could be killed"
    assert (out / ".lock").exists()
    rerun = subprocess.run(
        [sys.executable, "-m", "physics.scan", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{96 - len(done)} chunk(s) computed, {len(done)} reused, 96 total; complete" in rerun.stdout
    status = scan_status(out)
    assert status["complete"] and status["chunks_total"] == 96
    df = load_scan(out)
    assert len(df) == 4800 and (df.point.to_numpy() == np.arange(4800)).all()
    ref = evaluate_points(ScanSpec.from_dict(df.attrs["scan"]["spec"]), 0, 50)
    pd.testing.assert_frame_equal(df.iloc[:50].reset_index(drop=True), ref, check_exact=True)


# ----------------------------------------------------------------------------- command line, docs
def test_cli_axis_syntax() -> None:
    assert parse_axis("0.5") == Axis.fixed(0.5)
    assert parse_axis("1e-3,0.1") == Axis.of(1e-3, 0.1)
    assert parse_axis("0.1:4:30:log") == Axis.log(0.1, 4, 30)
    assert parse_axis("-0.2:0.2:5") == Axis.lin(-0.2, 0.2, 5)
    assert parse_axis("0.1:4:log") == Axis.log(0.1, 4)


def test_cli_reports_bad_input_with_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["run", str(tmp_path / "s"), "--m-a", "0.1:4:5:log", "--g-aWW", "1e-4", "--g-achi", "1e-2"]
    assert main([*base, "--delta", "0.1", "--scheduler", "tcp//nope"]) == 2
    assert "cannot read scheduler address" in capsys.readouterr().err
    assert main([*base, "--delta=nan"]) == 2
    assert "delta value must be finite" in capsys.readouterr().err
    assert main([*base]) == 2
    assert "exactly one of m_chi or delta" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "x" / "y"), *base[2:], "--m-chi", "0.3"]) == 2
    assert "parent directory" in capsys.readouterr().err
    assert main([*base, "--m-chi", "0.3", "--random", "10"]) == 2
    assert "n = 5 has no meaning for random sampling" in capsys.readouterr().err
    assert main([*base[:3], "0.1:4:log", *base[4:], "--m-chi", "0.3", "--random", "10"]) == 2
    assert "integer seed" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_cli_run_status_and_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", str(tmp_path / "s"), "--m-a", "0.1:4:log", "--m-chi", "0.05:2:log", "--g-aWW", "1e-4",
            "--g-achi", "1e-2", "--random", "30", "--seed", "3", "--observables", "flavour",
            "--scheduler", "inline", "--no-progress"]  # fmt: skip
    assert main(args) == 0
    assert "complete" in capsys.readouterr().out
    df = load_scan(tmp_path / "s")
    assert len(df) == 30 and "ratio_e949" not in df and "br_B_to_K_a" in df
    assert main(["status", str(tmp_path / "s")]) == 0
    assert json.loads(capsys.readouterr().out)["complete"] is True
    assert main(["columns"]) == 0
    assert "omega_h2_cbe" in capsys.readouterr().out


def test_docs_describe_every_column_and_group() -> None:
    text = (REPO / "docs" / "scans.md").read_text()
    for col in columns_for(tuple(OBSERVABLE_GROUPS)):
        if not col.name.startswith("ratio_") or col.name == "ratio_max_measured":
            assert f"`{col.name}`" in text, col.name
    for group in OBSERVABLE_GROUPS:
        assert f"`{group}`" in text, group


# ----------------------------------------------------------------------------- relic density
def test_relic_columns_are_the_engines_numbers() -> None:
    from physics.relic import omega_h2

    df = evaluate_points(RELIC_SPEC, 0, RELIC_SPEC.n_points)  # observables=None: relic included
    assert "omega_h2_cbe" in df and "br_B_to_K_a" in df
    checked = 0
    for row in df.itertuples(index=False):
        if row.error:
            assert row.error.startswith("invalid model:") and math.isnan(row.omega_h2_nbe)
            continue
        m = ALPModel.from_detuning(row.m_a, row.delta, row.g_aWW, row.g_achi)
        nbe, cbe = omega_h2(m, method="nbe"), omega_h2(m, method="cbe")
        for got, want in ((row.omega_h2_nbe, nbe.omega_h2), (row.omega_h2_cbe, cbe.omega_h2)):
            assert (math.isnan(got) and math.isnan(want)) or got == want
        assert row.relic_flags_cbe == ",".join(cbe.flags)
        assert (math.isnan(row.x_fo_cbe) and math.isnan(cbe.x_freeze_out)) or row.x_fo_cbe == cbe.x_freeze_out
        if np.isfinite(row.omega_h2_nbe):
            assert row.omega_ratio_cbe_nbe == row.omega_h2_cbe / row.omega_h2_nbe
            checked += 1
    assert checked >= 6
    assert (df.relic_flags_nbe.str.contains("never_in_equilibrium")).any()


def test_a_relic_engine_failure_is_an_error_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from physics import relic_grid

    real = relic_grid._be_result

    def flaky(st: Any, solver: Any, *args: object) -> object:
        if solver.method == "cbe" and st.pt.ann.m_a == 2.0:
            raise RuntimeError("integrator gave up")
        return real(st, solver, *args)

    monkeypatch.setattr(relic_grid, "_be_result", flaky)
    spec = RELIC_SPEC.with_observables(("flavour", "relic"))
    df = evaluate_points(spec, 0, spec.n_points)
    hit = df[(df.m_a == 2.0) & df.m_chi.notna()]
    assert len(hit) == 6 and (hit.error == "relic cbe: RuntimeError: integrator gave up").all()
    assert hit.omega_h2_cbe.isna().all() and hit.br_B_to_K_a.notna().all()
    assert hit.omega_h2_nbe.notna().any()
    assert (df[(df.m_a == 0.6) & df.m_chi.notna()].error == "").all()


# ----------------------------------------------------------------------------- precomputed grids
@pytest.mark.parametrize("grid", precomputed_grids(), ids=lambda g: g.name)
def test_precomputed_grids_exist_match_their_definition_and_are_small(grid: PrecomputedGrid) -> None:
    """data/precomputed is current: same definition and computed by this physics code (else: regenerate)."""
    df = load_precomputed(grid.name, PRECOMPUTED)
    meta = df.attrs["precomputed"]
    assert meta["spec_sha256"] == grid.spec.digest(), f"definition changed: run {meta['command']}"
    assert meta["code"] == code_version(cached=False), f"stale (older physics code): run {meta['command']}"
    assert list(df.columns) == list(grid.columns) and len(df) == grid.spec.n_points
    assert (df.point.to_numpy() == np.arange(len(df))).all()
    assert meta["command"] == f"python -m physics.scan precompute --only {grid.name}"
    assert {"created", "git", "code", "compute_seconds"} <= meta.keys()
    assert df.omega_h2_cbe.notna().mean() > 0.5
    total = sum(p.stat().st_size for p in PRECOMPUTED.iterdir())
    assert total < 1_000_000


def test_build_grid_writes_a_table_and_a_sidecar(tmp_path: Path) -> None:
    spec = small_spec(observables=("flavour",))
    grid = PrecomputedGrid("dm_plane", "tiny test grid", spec, ("point", "m_a", "br_B_to_K_a", "error"))
    path = build_grid(grid, tmp_path, scheduler="inline", progress=False)
    assert path == tmp_path / "dm_plane.parquet"
    df = load_precomputed("dm_plane", tmp_path)
    assert list(df.columns) == ["point", "m_a", "br_B_to_K_a", "error"] and len(df) == 72
    meta = json.loads((tmp_path / "dm_plane.json").read_text())
    assert meta["spec"] == spec.with_observables(("flavour",)).to_dict() and meta["n_points"] == 72
    assert meta["columns"] == {"point": "", "m_a": "GeV", "br_B_to_K_a": "1", "error": ""}
    assert len(meta["code"]["source_sha256"]) == 64


def test_load_precomputed_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"python -m physics\.scan precompute --only dm_plane"):
        load_precomputed("dm_plane", tmp_path)
    with pytest.raises(KeyError, match="unknown precomputed grid"):
        load_precomputed("nope")


def test_a_directory_being_written_by_a_live_scan_is_refused(tmp_path: Path) -> None:
    import socket

    out = tmp_path / "s"
    run_scan(small_spec(), out, scheduler="inline", chunk_size=10, progress=False, max_chunks=1)
    (out / ".lock").write_text(f"{socket.gethostname()} {os.getpid()}")  # this process is alive
    with pytest.raises(RuntimeError, match="another scan"):
        run_scan(small_spec(), out, scheduler="inline", progress=False)
    assert len(chunk_files(out)) == 1
    (out / ".lock").write_text(f"{socket.gethostname()} 999999999")  # no such process: stale
    assert run_scan(small_spec(), out, scheduler="inline", progress=False).complete


@pytest.mark.parametrize(
    "options", [(("width", "sideways"),), (("widht", "constant"),), (("method", "cbe"),)]
)
def test_bad_relic_options_are_refused_before_any_work(tmp_path: Path, options: tuple) -> None:
    spec = ScanSpec(**{**RELIC_SPEC._fields(), "relic_options": options})
    with pytest.raises(ValueError, match=r"rejected by physics\.omega_h2"):
        run_scan(spec, tmp_path / "s", scheduler="inline", progress=False)
    assert not (tmp_path / "s").exists()


def test_precompute_resumes_its_scratch_scan_unless_the_code_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    spec = small_spec(observables=("flavour",))
    grid = PrecomputedGrid("dm_plane", "tiny", spec, ("point", "br_B_to_K_a", "error"), chunk_size=10)
    scratch = tmp_path / "physics-precompute" / f"dm_plane-{spec.digest()[:12]}"
    scratch.parent.mkdir()
    run_scan(spec, scratch, scheduler="inline", chunk_size=10, progress=False, max_chunks=2)
    manifest = json.loads((scratch / MANIFEST).read_text())
    manifest["code"]["source_sha256"] = "f" * 64  # as if computed by older physics code
    (scratch / MANIFEST).write_text(json.dumps(manifest))
    build_grid(grid, tmp_path / "out", scheduler="inline", progress=False)  # no "code changed" error
    assert not scratch.exists() and len(load_precomputed("dm_plane", tmp_path / "out")) == 72


def test_fbe_group_is_opt_in_and_gives_the_engines_number() -> None:
    """`relic_fbe` is never part of the default set (slow), and when named its column is
    physics.omega_h2(method="fbe") at the same point."""
    from physics.relic import omega_h2
    from physics.scan.observables import OPT_IN_GROUPS, resolve_groups

    assert "relic_fbe" in OPT_IN_GROUPS and "relic_fbe" not in resolve_groups(None)
    spec = ScanSpec(
        m_a=Axis.fixed(2.0),
        delta=Axis.of(-0.01, 0.024),
        g_aWW=Axis.fixed(8.4e-5),
        g_achi=Axis.fixed(1e-3),
        observables=("relic_fbe",),
    )
    df = evaluate_points(spec, 0, spec.n_points)
    assert list(df.columns[-4:]) == ["omega_h2_fbe", "x_fo_fbe", "relic_flags_fbe", "error"]
    for row in df.itertuples(index=False):
        want = omega_h2(ALPModel.from_detuning(row.m_a, row.delta, row.g_aWW, row.g_achi), "fbe")
        assert row.omega_h2_fbe == pytest.approx(want.omega_h2, rel=1e-12) and row.error == ""
