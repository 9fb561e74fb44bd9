"""The dashboard's physics cache (no Dash import; physics/ stays framework-free).

Every function the callbacks call goes through :func:`memoized`: one entry per call on the
active flask-caching cache (file system by default, Redis when ``REDIS_URL`` is set and
reachable), with arguments already rounded to 4 significant figures by the public wrappers, so
that slider positions map to stable keys. (Not flask-caching's ``memoize``: it reads a second,
"version" entry on every call and re-inspects the function's signature ~9 times per key, ≈ 40 %
of a cached slider request's CPU; docs/reliability.md.) Cache names carry the physics fingerprint
(:func:`physics.provenance.fingerprint`), so a physics change never serves stale numbers.
Without an active cache (unit tests) the functions are called directly.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from flask_caching import Cache
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.rediscache import RedisCache

from physics.provenance import fingerprint

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE_DIR = ROOT / "var" / "cache"
CACHE_DIR_ENV = "ALP_CACHE_DIR"
REDIS_URL_ENV = "REDIS_URL"
CACHE_TIMEOUT_S = 7 * 24 * 3600
CACHE_SCHEMA = 3
"""Bump when the shape of a cached result changes."""
REDIS_TIMEOUT_S = 0.5
"""Connect and read timeout of every Redis call (a hung Redis must not hang the page)."""
REDIS_RETRY_S = 30.0
"""After a Redis failure, the physics cache skips Redis for this long (pure misses, no waits)."""

F = TypeVar("F", bound=Callable[..., Any])
_ACTIVE: dict[str, Cache | None] = {"cache": None}
_MEMOS: dict[tuple[int, str], _Memo] = {}


# ----------------------------------------------------------------------------- cache set-up
def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Root of the on-disk caches: ``$ALP_CACHE_DIR`` or ``./var/cache`` in the project."""
    env = os.environ if env is None else env
    raw = env.get(CACHE_DIR_ENV, "").strip()
    return Path(raw).expanduser().resolve() if raw else DEFAULT_CACHE_DIR


def redis_reachable(url: str, timeout_s: float = 0.5) -> bool:
    """True if a Redis server answers PING at ``url`` within ``timeout_s``."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
        return bool(client.ping())
    except Exception:  # any connection, URL or auth problem means "not usable"
        return False


def cache_config(
    env: Mapping[str, str] | None = None, reachable: Callable[[str], bool] = redis_reachable
) -> dict[str, Any]:
    """flask-caching config: Redis if ``REDIS_URL`` is set and answers, else the file cache."""
    env = os.environ if env is None else env
    common = {"CACHE_DEFAULT_TIMEOUT": CACHE_TIMEOUT_S, "CACHE_KEY_PREFIX": "alp:"}
    url = env.get(REDIS_URL_ENV, "").strip()
    if url:
        if reachable(url):
            timeouts = {"socket_connect_timeout": REDIS_TIMEOUT_S, "socket_timeout": REDIS_TIMEOUT_S}
            return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_OPTIONS": timeouts}
        log.warning("%s is set but Redis is unreachable: falling back to the file cache", REDIS_URL_ENV)
    directory = cache_dir(env) / "physics"
    return {
        **common,
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(directory),
        "CACHE_THRESHOLD": 100_000,
    }


class SelfHealingFileCache(FileSystemCache):
    """File cache that recreates its directory when it was deleted under a running app.

    (cachelib's never does: every later write fails and the cache stays off until a restart.)
    Any entry that cannot be read is a miss and is deleted, so the next write replaces it.
    """

    def set(self, key: str, value: Any, timeout: int | None = None, mgmt_element: bool = False) -> bool:
        os.makedirs(self._path, exist_ok=True)
        return super().set(key, value, timeout, mgmt_element)

    def get(self, key: str) -> Any:
        """The entry, or None for a miss; an entry that cannot be unpickled is deleted (a miss).

        cachelib catches only OSError/EOFError/PickleError; random bytes can also raise
        UnicodeDecodeError, ValueError, ... which flask-caching would log as a backend failure on
        every request until the entry is overwritten.
        """
        try:
            return super().get(key)
        except Exception:  # any undecodable entry is a miss
            logging.getLogger(__name__).warning("unreadable cache entry %s deleted", key)
            try:
                os.remove(self._get_filename(key))
            except OSError:
                pass
            return None


class FailFastRedisCache(RedisCache):
    """Redis cache that steps aside while Redis is down or hung.

    A connection error or timeout makes every call a miss (reads) or a no-op (writes) for
    :data:`REDIS_RETRY_S` seconds, logged once, instead of a wait of :data:`REDIS_TIMEOUT_S`
    on each of the several lookups a slider update makes.
    """

    _down_until = 0.0

    def _guard(self, call: Callable[..., Any], default: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return default
        try:
            return call(*args, **kwargs)
        except (OSError, ConnectionError, TimeoutError, _redis_error()) as err:
            self._down_until = time.monotonic() + REDIS_RETRY_S
            log.warning("Redis failed (%r): physics cache bypassed for %.0f s", err, REDIS_RETRY_S)
            return default

    def get(self, key: str) -> Any:
        return self._guard(super().get, None, key)

    def get_many(self, *keys: str) -> list[Any]:
        return self._guard(super().get_many, [None] * len(keys), *keys)

    def has(self, key: str) -> bool:
        return self._guard(super().has, False, key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return self._guard(super().set, False, key, value, timeout)

    def add(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return self._guard(super().add, False, key, value, timeout)

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> Any:
        return self._guard(super().set_many, [], mapping, timeout)

    def delete(self, key: str) -> Any:
        return self._guard(super().delete, False, key)

    def delete_many(self, *keys: str) -> Any:
        return self._guard(super().delete_many, [], *keys)


def _redis_error() -> type[Exception]:
    try:
        import redis

        return redis.RedisError
    except ImportError:  # redis-py missing: RedisCache is never configured
        return ConnectionError


_BACKENDS = {
    "FileSystemCache": f"{__name__}.SelfHealingFileCache",
    "RedisCache": f"{__name__}.FailFastRedisCache",
}


def make_cache(server: Flask, env: Mapping[str, str] | None = None, **kwargs: Any) -> Cache:
    """Create the physics cache for ``server`` and make it the active one.

    ``kwargs`` go to :func:`cache_config` (tests pass ``reachable``).
    """
    config = cache_config(env, **kwargs)
    if config["CACHE_TYPE"] == "FileSystemCache":
        Path(config["CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    kind = config["CACHE_TYPE"]
    config = {**config, "CACHE_TYPE": _BACKENDS.get(kind, kind)}
    cache = Cache(server, config=config)  # app bound: usable outside a request (background jobs)
    use_cache(cache)
    log.info("physics cache: %s", kind)
    return cache


def use_cache(cache: Cache | None) -> None:
    """Make ``cache`` the active physics cache (None: call the physics directly)."""
    _ACTIVE["cache"] = cache


def active_cache() -> Cache | None:
    """The active physics cache, if any."""
    return _ACTIVE["cache"]


def physics_fingerprint() -> str:
    """Short hash of every source and data file of ``physics/`` (physics.provenance.fingerprint)."""
    return fingerprint()


class _Memo:
    """``func`` memoized on ``cache``: one ``get`` per call, one ``set`` per miss.

    The key is the function's qualified name, the cache schema, the physics fingerprint and
    the ``repr`` of its bound arguments (defaults applied, ``ignore`` ones left out), hashed.
    A failing backend is logged and the function called directly.
    """

    def __init__(self, cache: Cache, func: Callable[..., Any], ignore: tuple[str, ...]) -> None:
        self.cache, self.func, self.ignore = cache, func, frozenset(ignore)
        self.signature = inspect.signature(func)
        self.prefix = f"{func.__module__}.{func.__qualname__}@{CACHE_SCHEMA}.{physics_fingerprint()}"

    def make_cache_key(self, *args: Any, **kwargs: Any) -> str:
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        items = [(k, v) for k, v in bound.arguments.items() if k not in self.ignore]
        return f"{self.prefix}:{hashlib.sha256(repr(items).encode()).hexdigest()[:32]}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            key = self.make_cache_key(*args, **kwargs)
            value = self.cache.get(key)
        except TypeError:  # arguments that do not fit: let the function say so
            return self.func(*args, **kwargs)
        except Exception:
            log.exception("Exception possibly due to cache backend.")
            return self.func(*args, **kwargs)
        if value is not None:
            return value
        value = self.func(*args, **kwargs)
        try:
            self.cache.set(key, value)
        except Exception:
            log.exception("Exception possibly due to cache backend.")
        return value


def _memo(cache: Cache, func: Callable[..., Any], ignore: tuple[str, ...]) -> _Memo:
    """The memoized ``func`` on ``cache`` (created once per cache)."""
    key = (id(cache), func.__qualname__)
    memo = _MEMOS.get(key)
    if memo is None:
        memo = _MEMOS[key] = _Memo(cache, func, ignore)
    return memo


def memoized(fn: F | None = None, *, ignore: tuple[str, ...] = ()) -> Any:
    """Memoize ``fn`` on the active flask-caching cache (a no-op without one); see :class:`_Memo`.

    ``ignore`` names arguments left out of the key (e.g. a progress callback).
    Usable bare (``@memoized``) or with options (``@memoized(ignore=("progress",))``).
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            cache = _ACTIVE["cache"]
            if cache is None:
                return func(*args, **kwargs)
            return _memo(cache, func, ignore)(*args, **kwargs)

        wrapper.uncached = func  # type: ignore[attr-defined]
        wrapper.ignore = ignore  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate(fn) if fn is not None else decorate


def peek(fn: Callable[..., Any], *args: Any) -> Any:
    """The cached result of a :func:`memoized` ``fn(*args)`` if present, else None (never computes)."""
    cache = _ACTIVE["cache"]
    func = getattr(fn, "uncached", None)
    if cache is None or func is None:
        return None
    memo = _memo(cache, func, getattr(fn, "ignore", ()))
    try:
        return cache.get(memo.make_cache_key(*args))
    except Exception:  # a broken cache backend is a miss
        return None


def finite_or_none(x: float) -> float | None:
    """JSON-safe float: NaN/inf become None."""
    x = float(x)
    return x if math.isfinite(x) else None
