"""The README's Python blocks run as written (from a fresh namespace each, in a temporary
directory): a notebook user who copies one gets what it promises, not an error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks() -> list[str]:
    """The README's ```python blocks, in order."""
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def test_the_readme_has_python_blocks_including_the_viable_region() -> None:
    blocks = python_blocks()
    assert blocks
    assert any("from physics import viable_projection" in b for b in blocks)
    viable = next(b for b in blocks if "viable_projection" in b)
    assert len([line for line in viable.splitlines() if line.strip()]) == 3  # three lines, as promised


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_each_python_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    exec(compile(python_blocks()[index], f"README.md python block {index}", "exec"), namespace)
    if "viable_projection" in python_blocks()[index]:
        p = namespace["p"]
        assert p.viable.shape == (4, 3) and p.viable.any()  # the abstract's region is on this grid
