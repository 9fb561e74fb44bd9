"""Security basics: no unpickling or eval of anything a user can send, bounded inputs, debug off
under gunicorn, pinned dependencies.

The code checks parse the sources (AST), so a name like ``ppoly_eval(`` or a docstring that
mentions pickle is not a finding, and ``np.load(..., allow_pickle=False)`` is allowed; a
self-test feeds the checker known-bad code so that it cannot silently pass.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard.state import MAX_QUERY_LENGTH, AppState, to_query
from tests._servers import BIN, ROOT, get, gunicorn
from tests.ops.load.dash_protocol import UPDATE, Protocol

SERVED_CODE = [ROOT / "app.py", ROOT / "gunicorn.conf.py", *sorted((ROOT / "callbacks").rglob("*.py"))]
SERVED_CODE += sorted((ROOT / "layouts").rglob("*.py")) + sorted((ROOT / "dashboard").rglob("*.py"))
SERVED_CODE += sorted((ROOT / "physics").rglob("*.py"))
UNSAFE_MODULE_CALLS = {
    ("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"), ("dill", "load"), ("dill", "loads"),
    ("marshal", "load"), ("marshal", "loads"), ("shelve", "open"), ("yaml", "load"), ("yaml", "unsafe_load"),
    ("pd", "read_pickle"), ("pandas", "read_pickle"), ("os", "system"), ("os", "popen"),
    ("jsonpickle", "decode"),
}  # fmt: skip
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__", "input"}


def findings(source: str, name: str = "<src>") -> list[str]:
    """Unsafe calls in ``source``: eval/exec, unpickling, shell commands, np.load with pickles."""
    out = []
    for node in ast.walk(ast.parse(source, name)):
        if not isinstance(node, ast.Call):
            continue
        f, where = node.func, f"{name}:{node.lineno}"
        if isinstance(f, ast.Name) and f.id in UNSAFE_BUILTINS:
            out.append(f"{where} {f.id}()")
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            if (f.value.id, f.attr) in UNSAFE_MODULE_CALLS:
                out.append(f"{where} {f.value.id}.{f.attr}()")
            if f.value.id in ("np", "numpy") and f.attr == "load":
                safe = [k for k in node.keywords if k.arg == "allow_pickle"]
                if not (safe and isinstance(safe[0].value, ast.Constant) and safe[0].value.value is False):
                    out.append(f"{where} np.load without allow_pickle=False")
        for kw in node.keywords:
            if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                out.append(f"{where} shell=True")
    return out


def test_the_checker_catches_known_bad_code() -> None:
    bad = """
import pickle, numpy as np, subprocess, os
pickle.loads(request_body)
eval(query)
exec("x = 1")
np.load("grid.npy")
np.load("grid.npy", allow_pickle=True)
subprocess.run(cmd, shell=True)
os.system("ls")
"""
    good = """
import numpy as np
np.load("grid.npy", allow_pickle=False)
ppoly_eval(1, 2, 3)
text = "never pickle.loads or eval() user input"
"""
    assert len(findings(bad)) == 7
    assert findings(good) == []


def test_no_eval_or_unpickling_in_served_code() -> None:
    assert len(SERVED_CODE) > 20
    problems = [p for path in SERVED_CODE for p in findings(path.read_text(), str(path.relative_to(ROOT)))]
    assert problems == []


# ----------------------------------------------------------------------------- bounded inputs
@pytest.fixture(scope="module")
def client():
    import app as app_module

    return app_module.server.test_client()


def post_main(client, new: AppState, search: str, trigger: str, **override: object):
    deps = json.loads(client.get("/_dash-dependencies").data)
    protocol = Protocol(deps, json.loads(client.get("/_dash-layout").data))
    body = protocol.main_payload(new, None if trigger == "url.search" else AppState(), search, trigger)
    for item in body["inputs"]:
        if isinstance(item, dict) and item["id"] in override:
            item["value"] = override[item["id"]]
    return client.post(UPDATE, json=body)


def test_a_100_kB_shared_link_gives_a_notice_not_a_500(client) -> None:
    huge = "?ma=" + "9" * 100_000
    r = post_main(client, AppState(), huge, "url.search")
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert (
        "link too long" in resp["notice"]["children"] and str(MAX_QUERY_LENGTH) in resp["notice"]["children"]
    )
    assert resp["state"]["data"] == AppState().to_dict()
    assert client.get("/" + huge).status_code < 500  # the page itself ignores the query


def test_a_100_kB_typed_value_gives_a_message_not_a_500(client) -> None:
    r = post_main(client, AppState(), to_query(AppState()), "ma-input.value", **{"ma-input": "1" * 100_000})
    assert r.status_code == 200
    assert "too long" in r.get_json()["response"]["ma-msg"]["children"]


def test_oversized_request_bodies_are_refused(client) -> None:
    r = client.post(UPDATE, data=b"{" + b" " * (3 << 20) + b"}", content_type="application/json")
    assert r.status_code == 413


@pytest.mark.parametrize(
    "body", [b"{not json", b"[]", b"{}", b'{"output": 1, "inputs": []}', b'{"output": "x.y"}']
)
def test_malformed_callback_requests_are_a_400_without_a_traceback(client, body: bytes, caplog) -> None:
    r = client.post(UPDATE, data=body, content_type="application/json")
    assert r.status_code == 400 and b"Traceback" not in r.data and b"werkzeug" not in r.data.lower()
    assert "Traceback" not in caplog.text and "Exception on" not in caplog.text


# ----------------------------------------------------------------------------- debug off
def test_debug_is_off_under_gunicorn() -> None:
    out = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--print-config", "app:server"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GUNICORN_BIND": "127.0.0.1:0"},
    ).stdout
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", out, re.M))
    assert config["reload"] == "False" and config["preload_app"] == "False"
    assert "DASH_DEBUG=false" in config["raw_env"]
    assert config["loglevel"] in ("info", "warning", "error")
    import app as app_module

    assert not app_module.server.debug and not app_module.app._dev_tools.get("ui", False)


def test_gunicorn_serves_no_debugger_and_limits_the_request_line(tmp_path: Path) -> None:
    with gunicorn(tmp_path, workers=1) as app:
        status, body = get(f"{app.url}/?" + "a" * 100_000, 10.0)
        assert status in (400, 414)  # gunicorn's request-line limit: never reaches the app
        status, body = get(f"{app.url}/console")  # Werkzeug's debugger console when debug is on
        assert b"_dash-config" in body and b"Werkzeug" not in body and b"debugger" not in body.lower()


def test_forged_job_ids_cannot_kill_processes(tmp_path: Path) -> None:
    """``oldJob``/``job`` come from the page: an unsigned pid must never be acted on."""
    import requests

    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with gunicorn(tmp_path, workers=1, env={"ALP_DM_GRID": "4"}) as app:
            deps = requests.get(f"{app.url}/_dash-dependencies", timeout=10).json()
            layout = requests.get(f"{app.url}/_dash-layout", timeout=10).json()
            body = Protocol(deps, layout).job_payload("dm-fig", "dm-key", {"delta": 0.024}, AppState())
            for params in ({"oldJob": str(victim.pid)}, {"job": str(victim.pid), "cacheKey": "x"}):
                r = requests.post(f"{app.url}{UPDATE}", params=params, json=body, timeout=30)
                assert r.status_code < 500
            time.sleep(0.5)
            assert victim.poll() is None, "a forged job id killed a process"
    finally:
        victim.kill()
        victim.wait()


# ----------------------------------------------------------------------------- dependencies
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9,._-]+\])?==([A-Za-z0-9._+!-]+)$")


def requirement_lines() -> list[tuple[str, str]]:
    lines = []
    for path in sorted(ROOT.glob("requirements*.txt")):
        for raw in path.read_text().splitlines():
            line = raw.split("#", 1)[0].strip()
            if line and not line.startswith("-r "):
                lines.append((path.name, line))
    return lines


def test_every_requirement_is_pinned_exactly() -> None:
    lines = requirement_lines()
    assert len(lines) > 20
    assert [(f, line) for f, line in lines if not PIN.match(line)] == []


def test_the_environment_matches_the_pins() -> None:
    wrong = []
    for _, line in requirement_lines():
        name, _, version = PIN.match(line).groups()  # type: ignore[union-attr]
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here (e.g. an optional tool); pinned all the same
        if installed != version:
            wrong.append(f"{name}: pinned {version}, installed {installed}")
    assert wrong == []
