"""The browser tests cannot pass silently without a browser: with no Chromium they fail (errors),
and skip only when ``ALP_SKIP_BROWSER=1`` is set (which ``make test`` clears)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_without_chromium(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "no_chromium.py").write_text("import tests._servers as s\ns.find_chromium = lambda: None\n")
    full = {k: v for k, v in os.environ.items() if k != "ALP_SKIP_BROWSER"}
    full |= {"PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), **env}
    cmd = [sys.executable, "-m", "pytest", "-p", "no_chromium", "-q", "-p", "no:cacheprovider"]
    cmd += ["tests/dashboard/browser", "-rs"]
    return subprocess.run(cmd, cwd=ROOT, env=full, capture_output=True, text=True, timeout=300)


def test_no_chromium_fails_the_browser_tests(tmp_path: Path) -> None:
    out = _run_without_chromium(tmp_path)
    assert out.returncode != 0 and "no Chromium found" in out.stdout, out.stdout[-2000:]
    assert " passed" not in out.stdout and " skipped" not in out.stdout


def test_only_the_explicit_variable_skips_them(tmp_path: Path) -> None:
    out = _run_without_chromium(tmp_path, ALP_SKIP_BROWSER="1")
    assert out.returncode == 0 and " skipped" in out.stdout and "ALP_SKIP_BROWSER=1" in out.stdout, out.stdout


def test_make_test_clears_the_skip_variable() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_recipe = makefile.split("\ntest:")[1].split("\n\n")[0]
    assert "TEST_ENV := env -u ALP_SKIP_BROWSER" in makefile and "$(PYTEST)" in test_recipe
