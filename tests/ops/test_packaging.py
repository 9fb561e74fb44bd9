"""The physics package installs and works from anywhere: a wheel built from this tree, installed
into a temporary directory and used from another directory, with the checkout off ``sys.path``.

Why a separate test: the rest of the suite imports the source tree (so that what is edited is what
is tested, also in a single ``pytest tests/x.py`` run); this test proves that the *installed*
package is complete (every source and data file, the same physics fingerprint) and runs
``examples/quickstart.py`` against it. ``make`` installs the same wheel into ``.venv``;
``test_the_venv_copy_is_the_source_tree`` checks that copy is current (required under
``make test``, which sets ``ALP_REQUIRE_INSTALLED=1``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from physics import provenance

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PROBE = (
    "import json, physics, physics.scan, physics.reproduce; from physics import provenance as p; "
    "print(json.dumps({'file': physics.__file__, 'sha': p.source_sha256(), 'version': p.package_version(), "
    "'data': [str(f.relative_to(p.PACKAGE_DIR)) for f in p.source_files() if f.suffix != '.py']}))"
)


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """(a directory outside the checkout, the environment whose only physics is the installed wheel)."""
    from importlib.metadata import version

    major = int(version("setuptools").split(".")[0])
    assert major >= 77, (
        f"setuptools {version('setuptools')} cannot build this pyproject (PEP 639 licence): "
        "install the pinned development tools (pip install -r requirements-dev.txt -c constraints.txt)"
    )
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT / "physics", src / "physics", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(src)], tmp)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = (tmp / "dist").glob("*.whl")
    site = tmp / "site"
    inst = _run([*pip, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)], tmp)
    assert inst.returncode == 0, inst.stderr[-3000:]
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env |= {"PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}  # no cwd / script dir on sys.path
    yield elsewhere, env


def test_the_wheel_holds_every_file_and_the_same_fingerprint(installed: tuple[Path, dict[str, str]]) -> None:
    cwd, env = installed
    out = _run([sys.executable, "-c", PROBE], cwd, env)
    assert out.returncode == 0, out.stderr[-3000:]
    probe = json.loads(out.stdout)
    assert Path(probe["file"]).resolve().is_relative_to(cwd.parent / "site"), "imported another copy"
    source_data = sorted(str(f.relative_to(provenance.PACKAGE_DIR)) for f in provenance.source_files())
    assert sorted(probe["data"]) == [f for f in source_data if not f.endswith(".py")]
    assert {"data/limits/catalogue.toml", "data/thermo/LICENSE.hazma", "data/limits/alpinist/LICENSE"} <= set(
        probe["data"]
    )
    assert probe["sha"] == provenance.source_sha256(), "installed files differ from the source tree"
    assert probe["version"] == PYPROJECT["version"]  # read through importlib.metadata


def test_the_example_runs_against_the_installed_package(installed: tuple[Path, dict[str, str]]) -> None:
    cwd, env = installed
    out = _run([sys.executable, str(ROOT / "examples" / "quickstart.py")], cwd, env)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"physics {PYPROJECT['version']}: ALPModel(m_a=2.0")
    omega = {ln.split()[1]: float(ln.split()[-1]) for ln in lines if ln.startswith("Ωh²")}
    assert set(omega) == {"(nbe)", "(cbe)"} and 0.05 < omega["(nbe)"] < omega["(cbe)"] < 0.2


def test_the_command_lines_run_from_anywhere(installed: tuple[Path, dict[str, str]]) -> None:
    cwd, env = installed
    columns = _run([sys.executable, "-m", "physics.scan", "columns"], cwd, env)
    assert columns.returncode == 0 and "omega_h2_cbe" in columns.stdout, columns.stderr[-2000:]
    usage = _run([sys.executable, "-m", "physics.reproduce", "--help"], cwd, env)
    assert usage.returncode == 0 and "--quick" in usage.stdout, usage.stderr[-2000:]


def test_the_venv_copy_is_the_source_tree(tmp_path: Path) -> None:
    """``make`` reinstalls the wheel into .venv when physics/ changes: that copy must be current."""
    from importlib import metadata

    dists = [d for d in metadata.distributions(name=provenance.DISTRIBUTION) if _outside_checkout(d)]
    if not dists:
        if os.environ.get("ALP_REQUIRE_INSTALLED") == "1":
            pytest.fail(f"{provenance.DISTRIBUTION} is not installed in {sys.prefix}: run make")
        pytest.skip(f"{provenance.DISTRIBUTION} not installed in this interpreter (make test requires it)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "from physics import provenance as p; print(p.source_sha256())"
    probe = _run([sys.executable, "-P", "-c", code], tmp_path, env)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert dists[0].version == PYPROJECT["version"]
    assert probe.stdout.strip() == provenance.source_sha256(), "the installed copy is stale: run make"


def _outside_checkout(dist: object) -> bool:
    """An installed distribution (not build metadata next to the source tree's physics/)."""
    init = Path(str(dist.locate_file("physics/__init__.py"))).resolve()  # type: ignore[attr-defined]
    return init.is_file() and init != (ROOT / "physics" / "__init__.py").resolve()
