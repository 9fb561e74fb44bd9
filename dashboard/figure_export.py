"""Static export of a dashboard figure (SVG, PDF) with plotly's exporter: cached, time-limited,
one at a time per process, and a clear message when it cannot run (no Dash import).

plotly 7 renders static images with Kaleido ≥ 1 (``plotly.io.to_image``'s engine), which drives
an installed Chrome or Chromium (Debian: ``/usr/bin/chromium``; ``BROWSER_PATH`` overrides) and
loads plotly.js from the installed plotly package: nothing is fetched from the network (MathJax,
which Kaleido would take from a CDN, is switched off; the figures use no LaTeX). The figure is a
dict the server built itself (never one a client sent).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from .cache import active_cache

log = logging.getLogger(__name__)

FORMATS = {"svg": "image/svg+xml", "pdf": "application/pdf"}
"""Export format → MIME type."""
EXPORT_TIMEOUT_S = float(os.environ.get("ALP_EXPORT_TIMEOUT", "60"))
"""Longest an export may take (Chromium's start included); a slower one gives a message."""
CACHE_TIMEOUT_S = 7 * 24 * 3600
INSTALL_HINT = (
    "Slide export needs the kaleido package (pip install -r requirements.txt) and Chromium "
    "on the server (Debian: apt-get install chromium; scripts/system_deps.sh). "
    "The PNG and SVG buttons of each graph's toolbar work without it."
)

Renderer = Callable[[dict[str, Any], str, int, int, float], bytes]


class ExportUnavailable(RuntimeError):
    """The exporter cannot run now: not installed, no browser, busy, failed or too slow.

    The message says which, for the user.
    """


_SLOT = threading.BoundedSemaphore(1)
"""One export at a time per process: each starts a Chromium (≈ 200 MB, 2-3 s)."""


EXPORTER_LOGGERS = ("kaleido", "choreographer", "logistro")
"""Loggers of the exporter: each export logs some twenty INFO lines (browser start, tabs, clean-up)."""


def kaleido_bytes(figure: dict[str, Any], fmt: str, width: int, height: int, timeout_s: float) -> bytes:
    """The image of ``figure`` from Kaleido (plotly's exporter), or :class:`ExportUnavailable`."""
    for name in EXPORTER_LOGGERS:  # warnings and errors still reach the server log
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        import kaleido
        from kaleido.errors import ChromeNotFoundError
    except ImportError as err:
        raise ExportUnavailable(f"the exporter is not installed ({err.name}). {INSTALL_HINT}") from None
    opts = {"format": fmt, "width": width, "height": height, "scale": 1}
    try:
        return bytes(kaleido.calc_fig_sync(figure, opts=opts, kopts={"timeout": timeout_s, "mathjax": False}))
    except ChromeNotFoundError:
        raise ExportUnavailable(f"no Chrome or Chromium found on the server. {INSTALL_HINT}") from None


def render(
    figure: dict[str, Any],
    fmt: str,
    width: int,
    height: int,
    *,
    timeout_s: float = EXPORT_TIMEOUT_S,
    renderer: Renderer | None = None,
) -> bytes:
    """``figure`` as ``fmt`` ("svg" or "pdf") of ``width`` × ``height`` px, from the cache if present.

    Raises ``ValueError`` for an unknown format or a size that is not positive, and
    :class:`ExportUnavailable` (with the reason) if the exporter is missing, busy, fails or
    takes longer than ``timeout_s``. ``renderer`` defaults to :func:`kaleido_bytes`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, not {fmt!r}")
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        raise ValueError(f"width and height must be positive integers, not {width!r} × {height!r}")
    key = cache_key(figure, fmt, width, height)
    cached = _cache_get(key)
    if cached is not None:
        return cached
    data = _render_in_time(figure, fmt, width, height, timeout_s, renderer or kaleido_bytes)
    _cache_set(key, data)
    return data


def cache_key(figure: dict[str, Any], fmt: str, width: int, height: int) -> str:
    """Key of an export: a hash of the figure, the format, the size and the exporter's versions."""
    payload = json.dumps([figure, fmt, width, height, _versions()], sort_keys=True, default=str)
    return "export:" + hashlib.sha256(payload.encode()).hexdigest()[:32]


def _versions() -> list[str]:
    out = []
    for name in ("plotly", "kaleido"):
        try:
            out.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name}=none")
    return out


def _cache_get(key: str) -> bytes | None:
    cache = active_cache()
    if cache is None:
        return None
    try:
        hit = cache.get(key)
    except Exception:  # a broken cache backend is a miss
        return None
    return hit if isinstance(hit, bytes) else None


def _cache_set(key: str, data: bytes) -> None:
    cache = active_cache()
    if cache is None:
        return
    try:
        cache.set(key, data, timeout=CACHE_TIMEOUT_S)
    except Exception as err:  # an export that cannot be cached is still served
        log.warning("export not cached: %r", err)


def _render_in_time(
    figure: dict[str, Any], fmt: str, width: int, height: int, timeout_s: float, renderer: Renderer
) -> bytes:
    """Run ``renderer`` in a thread holding the export slot; give up waiting after ``timeout_s``.

    The slot is released only when the renderer returns (its own timeout ends it), so a slow
    export never piles up browsers; a request meanwhile is told the exporter is busy.
    """
    if not _SLOT.acquire(blocking=False):
        raise ExportUnavailable("another export is running on this server: try again in a few seconds.")
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["data"] = renderer(figure, fmt, width, height, timeout_s)
        except BaseException as err:  # handed to the request below
            result["error"] = err
        finally:
            _SLOT.release()

    thread = threading.Thread(target=work, name="figure-export", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise ExportUnavailable(f"the export took longer than {timeout_s:.0f} s and was abandoned.")
    err = result.get("error")
    if isinstance(err, ExportUnavailable):
        raise err
    if err is not None or not isinstance(result.get("data"), bytes) or not result["data"]:
        log.error("figure export failed", exc_info=err if isinstance(err, BaseException) else None)
        raise ExportUnavailable(f"the exporter failed ({type(err).__name__ if err else 'no output'}).")
    return result["data"]
