"""Where a number comes from: the package version and a fingerprint of the physics code.

The one source of both facts. The dashboard's cache keys and footer, the scan manifests and the
precomputed grids all use :func:`code_version` / :func:`fingerprint`, so a change of any source
or data file under ``physics/`` invalidates every stored result computed by older code.
"""

from __future__ import annotations

import hashlib
import tomllib
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

DISTRIBUTION = "alp-portal-dm-explorer"
"""Name of the distribution that installs ``physics`` (pyproject.toml)."""
PACKAGE_DIR = Path(__file__).resolve().parent
_NOT_SOURCE = (".pyc", ".nbi", ".nbc")  # bytecode and numba caches
_NOT_NUMBERS = ("reproduce",)
"""Subpackages left out of the fingerprint: they only read the physics core (the core never
imports them), so editing them cannot change a stored number."""


def package_version() -> str:
    """Version of the code running now.

    From the installed distribution's metadata (``importlib.metadata``) when this very package
    is the installed one; from ``pyproject.toml`` when it runs from a checkout (which may sit
    next to an older installed copy); "unknown" if neither is found.
    """
    try:
        dist: metadata.Distribution | None = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        dist = None
    if dist is not None and _installed_here(dist):
        return dist.version
    return _checkout_version() or (dist.version if dist is not None else "unknown")


def _installed_here(dist: metadata.Distribution) -> bool:
    try:
        return Path(str(dist.locate_file("physics/__init__.py"))).resolve() == PACKAGE_DIR / "__init__.py"
    except (OSError, TypeError, ValueError):
        return False


def _checkout_version() -> str | None:
    try:
        with open(PACKAGE_DIR.parent / "pyproject.toml", "rb") as fh:
            project = tomllib.load(fh).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return str(project["version"]) if project.get("name") == DISTRIBUTION and "version" in project else None


def source_files() -> list[Path]:
    """Every source and data file of the package, sorted (caches excluded)."""
    return sorted(
        p
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in _NOT_SOURCE
    )


def source_sha256() -> str:
    """SHA-256 over the relative path and content of every file of :func:`source_files` (now).

    Files under :data:`_NOT_NUMBERS` (the paper's report writer) are left out.
    """
    h = hashlib.sha256()
    for path in source_files():
        if path.relative_to(PACKAGE_DIR).parts[0] in _NOT_NUMBERS:
            continue
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


_AT_IMPORT: MappingProxyType[str, str] = MappingProxyType(
    {"version": package_version(), "source_sha256": source_sha256()}
)
"""The code version when this module was imported (≈ the code this process runs)."""


def code_version(cached: bool = True) -> dict[str, str]:
    """``{"version": ..., "source_sha256": ...}`` of the physics code.

    ``cached``: as the files were when this process imported :mod:`physics.provenance`
    (≈ the code it runs); otherwise as they are on disk now.
    """
    if cached:
        return dict(_AT_IMPORT)
    return {"version": package_version(), "source_sha256": source_sha256()}


def fingerprint(length: int = 12) -> str:
    """Short form of the source hash (cache names, the app's footer)."""
    return _AT_IMPORT["source_sha256"][:length]
