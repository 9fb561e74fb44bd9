"""Architecture rules: physics/ is a plain package; imports flow one way; no import circles.

The import graph is read from the sources (AST, every ``import`` statement, function bodies
included), over every first-party module: ``app``, ``callbacks``, ``layouts``, ``dashboard``,
``physics`` (with its subpackages). Layers, from the top: app.py → callbacks → layouts →
dashboard → physics.scan / physics.reproduce → the physics core.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB_PACKAGES = {"dash", "flask", "flask_caching", "plotly", "werkzeug", "diskcache", "redis"}
PACKAGES = ("callbacks", "layouts", "dashboard", "physics")

LAYERS: dict[str, tuple[str, ...]] = {
    # module prefix → prefixes it must never import
    "physics": ("physics.scan", "physics.reproduce", "dashboard", "layouts", "callbacks", "app"),
    "physics.scan": ("physics.reproduce", "dashboard", "layouts", "callbacks", "app"),
    "physics.reproduce": ("physics.scan", "dashboard", "layouts", "callbacks", "app"),
    "dashboard": ("layouts", "callbacks", "app"),
    "layouts": ("callbacks", "app"),
    "callbacks": ("app",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def first_party_modules() -> dict[str, Path]:
    """Module name → file, for app.py and every module of the first-party packages."""
    out = {"app": ROOT / "app.py"}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if "__pycache__" not in path.parts:
                out[_module_name(path)] = path
    return out


def _targets(node: ast.AST, module: str, is_package: bool, modules: set[str]) -> Iterator[str]:
    """First-party modules an import statement loads (``from M import n``: M.n if a module, else M)."""
    if isinstance(node, ast.Import):
        yield from (a.name for a in node.names if a.name in modules)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            if sub in modules:
                yield sub
            elif target in modules:
                yield target


def edges(source: str, module: str, is_package: bool, modules: set[str]) -> set[str]:
    """The first-party modules ``source`` imports anywhere (function bodies included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        out |= set(_targets(node, module, is_package, modules))
    return out - {module}


def import_graph() -> dict[str, set[str]]:
    """module → the first-party modules it imports (anywhere in the file)."""
    modules = first_party_modules()
    names = set(modules)
    return {n: edges(p.read_text(), n, p.name == "__init__.py", names) for n, p in modules.items()}


def circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: set[frozenset[str]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.add(frozenset(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _layer(module: str) -> str | None:
    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return max(matches, key=len) if matches else None


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_graph_sees_imports_in_function_bodies() -> None:
    """Self-test: a function-body import is an edge (the old scan ↔ precompute circle was one)."""
    source = "from . import c\nfrom .d import x\n\ndef f():\n    from ..r import y\n    import p.s\n"
    modules = {"p", "p.q", "p.q.c", "p.q.d", "p.r", "p.s"}
    assert edges(source, "p.q.m", False, modules) == {"p.q.c", "p.q.d", "p.r", "p.s"}
    body_import = "def f():\n    from .relic import omega\n"
    assert edges(body_import, "p.fbe", False, {"p.relic", "p.fbe"}) == {"p.relic"}
    assert edges("from p import a, z\n", "p.b", False, {"p", "p.a", "p.b"}) == {"p", "p.a"}
    graph = import_graph()
    assert "physics.scan.precompute" in graph["physics.scan.cli"]
    assert "dashboard.state" in graph["layouts.controls"] and "physics" in graph["dashboard.relic_data"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {frozenset("abc")}


def test_no_import_circles() -> None:
    found = circles(import_graph())
    assert found == set(), "import circles (function bodies included)"


def test_imports_flow_one_way() -> None:
    offenders = []
    for module, targets in import_graph().items():
        layer = _layer(module)
        if layer is None:
            continue
        for target in targets:
            if any(_within(target, banned) for banned in LAYERS[layer]):
                offenders.append(f"{module} → {target}")
    assert offenders == []


@pytest.mark.parametrize("package", ["layouts", "dashboard"])
def test_lower_layers_never_import_callbacks(package: str) -> None:
    graph = import_graph()
    bad = {m: sorted(t for t in ts if _within(t, "callbacks")) for m, ts in graph.items()}
    assert {m: t for m, t in bad.items() if t and _within(m, package)} == {}


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
    code = (
        "import sys, physics, physics.scan, physics.reproduce; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {names!r}))"
    )
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
