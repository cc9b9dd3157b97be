"""A PostgreSQL primary with a streaming replica (`CUNWU_REPLICA_URL`): figures, exports and searches read from
the replica; every write, every read inside a transaction and every read by someone who has just written reads
the primary.

Only code marked with `reads_from_replica` or inside `replica_reads()` (the figures pages and their API, spreadsheets of figures, the
region search) may read the replica, decided as it starts: the replica is asked how far behind it is at most every
few seconds; while it lags by more than `CUNWU_REPLICA_MAX_LAG_SECONDS`, or cannot be reached, those reads go to
the primary and the log says so (once a minute). A page whose figures came from the replica says they may be a few seconds old.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger("cunwu.replica")

REPLICA = "replica"
FRESH_COOKIE = "cunwu_wrote"  # set after a write: this browser reads the primary for a little while

_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("cunwu_replica_wanted", default=False)
_fresh: contextvars.ContextVar[bool] = contextvars.ContextVar("cunwu_replica_fresh", default=False)
_served: contextvars.ContextVar[float | None] = contextvars.ContextVar("cunwu_replica_served", default=None)
_health: dict[str, float] = {"checked": -1e9, "lag": 0.0, "ok": 0.0, "said": -1e9}

LAG_SQL = """SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                    THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9) END"""


def configured() -> bool:
    return REPLICA in settings.DATABASES


def max_lag() -> float:
    return float(settings.CUNWU.get("REPLICA_MAX_LAG_SECONDS", 10))


def _say(message: str, *args: Any) -> None:
    now = time.monotonic()
    if now - _health["said"] >= 60:
        _health["said"] = now
        log.warning(message, *args)


def lag() -> float | None:
    """How many seconds the replica is behind (0 when it has replayed all it received), or None when it cannot be
    reached. Asked at most every CUNWU_REPLICA_CHECK_SECONDS per process."""
    now = time.monotonic()
    if now - _health["checked"] < float(settings.CUNWU.get("REPLICA_CHECK_SECONDS", 2)):
        return _health["lag"] if _health["ok"] else None
    _health["checked"] = now
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            _health["lag"], _health["ok"] = float(cursor.fetchone()[0]), 1.0
    except DatabaseError as error:
        connections[REPLICA].close()
        _health["ok"] = 0.0
        _say("the replica cannot be reached (%s): figures are read from the primary", error)
        return None
    return _health["lag"]


def usable() -> bool:
    """May reads marked for the replica go there now? (Decided once as the marked view or service starts.)"""
    if not configured() or _fresh.get() or connections["default"].in_atomic_block:
        return False
    behind = lag()
    if behind is None:
        return False
    if behind > max_lag():
        _say("the replica is %.1f s behind (more than %s s): figures are read from the primary", behind, max_lag())
        return False
    return True


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Reads (figures, exports, searches) inside may be served by the replica."""
    if _wanted.get() or not configured():
        yield
        return
    use = usable()
    token = _wanted.set(use)
    if use:
        _served.set(_health["lag"])
    try:
        yield
    finally:
        _wanted.reset(token)


def reads_from_replica(function: Callable) -> Callable:
    """Mark a view whose reads may be served by the replica. (An API operation says `with replica_reads():` in its
    body instead: the API reads its parameters' types from the function's own module.)"""
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return function(*args, **kwargs)
    return call


def served_from_replica() -> float | None:
    """The replica's lag in seconds when something of this request was read from it, else None."""
    return _served.get()


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _wanted.get() and not connections["default"].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same database, copied

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


class ReplicaMiddleware:
    """Per request: nothing read from the replica yet; a browser that wrote in the last few seconds reads the
    primary (it must see what it wrote), and a request that writes marks its browser so."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        served = _served.set(None)
        fresh = _fresh.set(FRESH_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _served.reset(served)
            _fresh.reset(fresh)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            response.set_cookie(FRESH_COOKIE, "1", max_age=max(1, int(max_lag()) + 1), httponly=True,
                                samesite="Lax", secure=request.is_secure())
        return response
