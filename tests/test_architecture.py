"""Architecture rules: physics/ is a plain package; layouts are built by functions."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
WEB_PACKAGES = {"dash", "flask", "flask_caching", "plotly", "werkzeug", "diskcache", "redis"}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_physics_never_imports_web_packages() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imported_top_levels(p) & WEB_PACKAGES)
        for p in (ROOT / "physics").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_physics_loads_no_web_framework() -> None:
    names = sorted(WEB_PACKAGES)
    code = f"import sys, physics; print(sorted(m for m in sys.modules if m.split('.')[0] in {names!r}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_layouts_have_no_import_time_components() -> None:
    """Component trees are built inside functions (fresh per page load), not at import."""
    for path in (ROOT / "layouts").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                func = node.value.func
                is_attr = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                owner = func.value.id if is_attr else ""
                assert owner not in {"html", "dcc"}, f"{path.name}:{node.lineno} builds a component at import"
