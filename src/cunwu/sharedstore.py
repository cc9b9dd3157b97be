"""Redis, when a deployment has one (`REDIS_URL`): the shared cache, the background queue and rate counters.

Without it the database keeps all three (the cache table, huey's SQLite or PostgreSQL queue, counter rows).
Redis is a help, never a single point of failure: when it cannot be reached the cache answers "not cached"
and pages are drawn afresh, queued work waits for the worker's sweeps, and rate limits refuse (a throttle that
cannot count must not let everything through). Each failure is logged, at most once a minute per kind.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("cunwu.redis")

TIMEOUTS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}  # a down Redis must not hold a page
_last_said: dict[str, float] = {}


def said_unreachable(what: str, error: Exception) -> None:
    """Log that Redis could not be reached for `what`, once a minute per kind."""
    now = time.monotonic()
    if now - _last_said.get(what, -60.0) >= 60:
        _last_said[what] = now
        log.error("Redis unreachable (%s): %s: %s", what, type(error).__name__, error)


def url() -> str:
    return getattr(settings, "REDIS_URL", "") or ""


@functools.cache
def _client(location: str) -> Any:
    import redis

    return redis.Redis.from_url(location, **TIMEOUTS)


def client() -> Any:
    """The process's Redis client (its pool reconnects after a fork)."""
    return _client(url())


def _tolerant(default_result: Callable[..., Any]) -> Callable:
    def wrap(method: Callable) -> Callable:
        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            import redis

            try:
                return method(self, *args, **kwargs)
            except redis.RedisError as error:
                said_unreachable("cache", error)
                return default_result(*args, **kwargs)
        return call
    return wrap


def _default_of_get(key: str, default: Any = None, version: Any = None) -> Any:
    return default


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _no(*args: Any, **kwargs: Any) -> bool:
    return False


def _none_found(*args: Any, **kwargs: Any) -> dict:
    return {}


def _all_failed(data: dict, *args: Any, **kwargs: Any) -> list:
    return list(data)


class TolerantRedisCache(RedisCache):
    """Django's Redis cache that answers "not cached" (and stores nothing) while Redis is down."""

    get = _tolerant(_default_of_get)(RedisCache.get)
    get_many = _tolerant(_none_found)(RedisCache.get_many)
    has_key = _tolerant(_no)(RedisCache.has_key)
    add = _tolerant(_no)(RedisCache.add)
    set = _tolerant(_nothing)(RedisCache.set)
    set_many = _tolerant(_all_failed)(RedisCache.set_many)
    touch = _tolerant(_no)(RedisCache.touch)
    delete = _tolerant(_no)(RedisCache.delete)
    delete_many = _tolerant(_nothing)(RedisCache.delete_many)
    clear = _tolerant(_no)(RedisCache.clear)
