"""The Dockerfile's structure, its CMD target, and gunicorn serving the app with 2 workers.

Docker cannot run here, so the image is checked statically and its CMD is executed locally.
"""

from __future__ import annotations

import importlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        buf = f"{buf} {line[:-1]}" if line.endswith("\\") else f"{buf} {line}"
        if not line.endswith("\\"):
            word, _, rest = buf.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            buf = ""
    return out


def cmd() -> list[str]:
    args = [a for i, a in instructions() if i == "CMD"][-1]
    return json.loads(args)


def test_base_image_is_slim_python_311() -> None:
    assert instructions()[0] == ("FROM", "python:3.11-slim")


def test_requirements_are_installed_before_the_code_is_copied() -> None:
    ins = instructions()
    copy_req = next(k for k, (i, a) in enumerate(ins) if i == "COPY" and a.startswith("requirements.txt"))
    pip = next(k for k, (i, a) in enumerate(ins) if i == "RUN" and "pip install" in a)
    copy_code = next(k for k, (i, a) in enumerate(ins) if i == "COPY" and a.split()[-2:] == [".", "."])
    assert copy_req < pip < copy_code


def test_runs_as_a_non_root_user_and_exposes_8050() -> None:
    ins = instructions()
    users = [a for i, a in ins if i == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("EXPOSE", "8050") in ins
    last_user = max(k for k, (i, _) in enumerate(ins) if i == "USER")
    last_cmd = max(k for k, (i, _) in enumerate(ins) if i == "CMD")
    assert last_user < last_cmd


def test_cmd_is_gunicorn_on_8050_and_its_target_imports() -> None:
    argv = cmd()
    assert argv[0] == "gunicorn" and "0.0.0.0:8050" in argv
    target = argv[-1]
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    server = getattr(module, attr)
    assert callable(server) and server.name  # a WSGI Flask app
    if "-c" in argv:
        assert (ROOT / argv[argv.index("-c") + 1]).is_file()


def test_dockerignore_keeps_the_build_context_small() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var/"} <= set(ignored)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_docker_cmd_serves_health_with_two_workers(tmp_path: Path) -> None:
    """Run the image's CMD (with a local port) and ask /health and the layout."""
    argv = cmd()
    port = _free_port()
    argv = [a if a != "0.0.0.0:8050" else f"127.0.0.1:{port}" for a in argv]
    exe = Path(sys.executable).parent / argv[0]
    env = {**os.environ, "ALP_CACHE_DIR": str(tmp_path), "GUNICORN_WORKERS": "2", "GUNICORN_ACCESSLOG": ""}
    proc = subprocess.Popen(
        [str(exe), *argv[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, stopped as a whole below
    )
    try:
        deadline = time.time() + 30
        body = b""
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    body = r.read()
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"gunicorn exited: {proc.stdout.read() if proc.stdout else ''}")
                time.sleep(0.2)
        assert body == b"ok", f"no /health answer; command {shlex.join(argv)}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=5) as r:
            assert r.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    assert out.count("Booting worker") == 2, out
