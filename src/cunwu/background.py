"""Handing work to the background worker (huey) once a write has committed.

The queue is a SQLite file, a PostgreSQL table or Redis (settings.HUEY). When it cannot be reached the write has
already committed: the request must not fail for it. The hand-over is logged and dropped, and the worker's
periodic sweeps find the work from the database (texts due, warnings not yet fanned out, imports still queued).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("cunwu.worker")


def hand_over(task: Callable[..., Any], *args: Any) -> None:
    """Queue `task(*args)`; under huey's immediate mode (tests) it runs here and its errors are the caller's."""
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        task(*args)
        return
    try:
        task(*args)
    except Exception as error:  # the queue's storage: redis.RedisError, sqlite3 or psycopg errors
        log.error("the task queue is unreachable (%s: %s); %s is left to the worker's sweep",
                  type(error).__name__, error, getattr(task, "name", task))
