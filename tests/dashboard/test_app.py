"""The Dash app assembles, serves its layout and health check, and caches the physics."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import cache as physics_cache
from dashboard.flavour_data import _flavour_point, flavour_point
from dashboard.state import AppState


def test_app_exposes_server_and_health() -> None:
    import app as app_module

    client = app_module.server.test_client()
    assert client.get("/health").status_code == 200
    page = client.get("/")
    assert page.status_code == 200
    assert b"ALP-portal" in page.data


def test_create_app_gives_fresh_instances() -> None:
    import app as app_module

    assert app_module.create_app() is not app_module.create_app()


def test_layout_and_callbacks_are_served() -> None:
    import app as app_module

    client = app_module.server.test_client()
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    text = layout.data.decode()
    for cid in (
        "flavour-fig",
        "relic-numbers",
        "evolution-fig",
        "dm-fig",
        "scan-fig",
        "proj-fig",
        "sources",
        "ma-slider",
        "viability",
        "advanced",
        "rmax-input",
        "in-force",
    ):
        assert f'"{cid}"' in text, cid
    deps = json.loads(client.get("/_dash-dependencies").data)
    assert len(deps) >= 5
    background = [d for d in deps if d.get("background")]
    # DM plane, δ scan, fBE, the banner's fBE verdict, the fBE δ curve, the paper's projections
    assert len(background) == 6


def test_assets_are_local_and_no_cdn_is_used() -> None:
    import app as app_module

    page = app_module.server.test_client().get("/").data.decode()
    assert "style.css" in page and "app.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


def test_debug_is_off() -> None:
    import app as app_module

    assert not app_module.server.debug


def test_file_cache_is_the_default(tmp_path: Path) -> None:
    cfg = physics_cache.cache_config({"ALP_CACHE_DIR": str(tmp_path)})
    assert cfg["CACHE_TYPE"] == "FileSystemCache"
    assert cfg["CACHE_DIR"] == str(tmp_path / "physics")
    assert physics_cache.cache_config({})["CACHE_DIR"].endswith("var/cache/physics")


def test_redis_is_used_when_reachable() -> None:
    cfg = physics_cache.cache_config({"REDIS_URL": "redis://cache:6379/0"}, reachable=lambda url: True)
    assert cfg["CACHE_TYPE"] == "RedisCache" and cfg["CACHE_REDIS_URL"] == "redis://cache:6379/0"


def test_unreachable_redis_falls_back_to_files_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"REDIS_URL": "redis://127.0.0.1:1/0", "ALP_CACHE_DIR": str(tmp_path)}
    with caplog.at_level(logging.WARNING, logger="dashboard.cache"):
        cfg = physics_cache.cache_config(env)  # real connection attempt to a closed port
    assert cfg["CACHE_TYPE"] == "FileSystemCache"
    assert "unreachable" in caplog.text
    assert not physics_cache.redis_reachable("not a url")


@pytest.fixture
def file_cache(tmp_path: Path) -> Iterator[Path]:
    """A fresh file cache made active for the test, restored afterwards."""
    from flask import Flask

    saved = physics_cache.active_cache()
    physics_cache.make_cache(Flask("t"), {"ALP_CACHE_DIR": str(tmp_path)})
    yield tmp_path / "physics"
    physics_cache.use_cache(saved)


def test_memoized_functions_hit_the_file_cache(file_cache: Path) -> None:
    calls: list[float] = []

    @physics_cache.memoized
    def square(x: float) -> float:
        calls.append(x)
        return x * x

    assert square(3.0) == square(3.0) == 9.0
    assert calls == [3.0]
    assert any(file_cache.iterdir())
    assert square(4.0) == 16.0 and calls == [3.0, 4.0]
    assert physics_cache.peek(square, 3.0) == 9.0 and physics_cache.peek(square, 5.0) is None
    assert calls == [3.0, 4.0]  # peek never computes


def test_progress_callbacks_are_not_part_of_the_key(file_cache: Path) -> None:
    calls: list[float] = []

    @physics_cache.memoized(ignore=("progress",))
    def job(x: float, progress: object = None) -> float:
        calls.append(x)
        return 2 * x

    assert job(1.0, lambda *a: None) == job(1.0, print) == 2.0
    assert calls == [1.0]


DEFAULT_OPTIONS = ("excess", 1.0, 1.0, "tension", "alpinist_gW")
"""target, n_σ, r_max [m], BaBar's band, C_WW mapping: the flavour point's non-point key fields."""


def test_physics_arguments_are_rounded_for_the_key(file_cache: Path) -> None:
    a = flavour_point(AppState())
    assert physics_cache.peek(_flavour_point, 2.0, 0.024, 8.4e-5, 1e-3, *DEFAULT_OPTIONS) == a
    assert flavour_point(AppState(m_a=2.00001)) == a
    assert physics_cache.peek(_flavour_point, 2.00001, 0.024, 8.4e-5, 1e-3, *DEFAULT_OPTIONS) is None
    # every option is part of the key: another radius is another entry
    assert (
        physics_cache.peek(
            _flavour_point, 2.0, 0.024, 8.4e-5, 1e-3, "excess", 1.0, 1.25, "tension", "alpinist_gW"
        )
        is None
    )


def test_without_a_cache_functions_are_called_directly() -> None:
    saved = physics_cache.active_cache()
    physics_cache.use_cache(None)
    try:
        assert physics_cache.peek(_flavour_point, 2.0, 0.024, 8.4e-5, 1e-3, *DEFAULT_OPTIONS) is None
        assert flavour_point(AppState())["scenario"] == "missing_energy"
    finally:
        physics_cache.use_cache(saved)


def test_fingerprint_is_stable_and_short() -> None:
    assert physics_cache.physics_fingerprint() == physics_cache.physics_fingerprint()
    assert len(physics_cache.physics_fingerprint()) == 12


def test_redis_going_away_later_is_a_cache_miss_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    """Redis accepted at start-up but gone now: the physics still answers (and it is logged)."""
    from flask import Flask
    from flask_caching import Cache

    saved = physics_cache.active_cache()
    config = physics_cache.cache_config({"REDIS_URL": "redis://127.0.0.1:1/0"}, reachable=lambda url: True)
    physics_cache.use_cache(Cache(Flask("t"), config=config))
    try:

        @physics_cache.memoized
        def double(x: float) -> float:
            return 2 * x

        with caplog.at_level(logging.ERROR):
            assert double(21.0) == 42.0
        assert "cache backend" in caplog.text
    finally:
        physics_cache.use_cache(saved)


def test_forked_jobs_drop_the_servers_sockets() -> None:
    """A job forked from a server must not keep the server's client connections open."""
    import os
    import socket

    from dashboard.jobs import close_inherited_sockets

    a, b = socket.socketpair()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the "job"
        try:
            close_inherited_sockets()
            try:
                os.fstat(a.fileno())
                verdict = b"open"
            except OSError:
                verdict = b"closed"
            os.write(write_end, verdict)
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    verdict = os.read(read_end, 16)
    os.close(read_end)
    a.close()
    b.close()
    assert verdict == b"closed"


def test_terminating_a_job_never_blocks() -> None:
    import subprocess
    import sys

    import diskcache
    import psutil

    from dashboard.jobs import JobManager

    manager = JobManager(diskcache.Cache())
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    manager.terminate_job(proc.pid)  # how long it takes: benchmarks/bench_faults.py
    proc.wait(timeout=5)  # killed (and already reaped by terminate_job: it is our child)
    assert not psutil.pid_exists(proc.pid) or psutil.Process(proc.pid).status() == psutil.STATUS_ZOMBIE
    manager.terminate_job(proc.pid)  # already gone: no error
    manager.terminate_job(None)
