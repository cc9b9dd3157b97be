"""Django's SQLite backend with writers queued in the process instead of in SQLite's busy handler.

SQLite lets one writer in at a time. A second writer that finds the database locked sleeps in SQLite's busy
handler with growing pauses (up to 100 ms each), so under a few concurrent requests some wait far longer than
the work ahead of them takes. The embedded deployment serves from one process with several threads; here
each write transaction (BEGIN IMMEDIATE) first takes a process-wide lock, so waiting writers are woken as soon
as the writer ahead commits; then a lock on a file beside the database (`<name>-writer`), which queues the writers
of the other processes too (the server's other workers, the background worker, commands) instead of leaving them
to SQLite's busy handler. The operating system drops that lock when a process dies, however it dies.
"""

import fcntl
import logging
import os
import threading
import time

from django.db.backends.sqlite3 import base, features, operations

from cunwu.audit import guard

_WRITER = threading.Lock()
_FILES: dict[tuple[int, str], int] = {}  # (process, database) -> descriptor of its lock file (not shared by a fork)
_POLL = 0.0005  # seconds between tries for the file lock
_UNUSABLE: set[str] = set()  # lock files this process may not open: it goes on with SQLite's own lock
log = logging.getLogger(__name__)


def _lock_file(name: str) -> int | None:
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name or name in _UNUSABLE:
        return None
    key = (os.getpid(), name)
    if key not in _FILES:
        try:
            _FILES[key] = os.open(f"{name}-writer", os.O_RDWR | os.O_CREAT, 0o660)
        except OSError as exc:  # made by another user, say: slower under load, never refused
            _UNUSABLE.add(name)
            log.warning("cannot open %s-writer (%s): writers of other processes wait in SQLite's busy handler",
                        name, exc)
            return None
    return _FILES[key]


def _take_file_lock(fd: int, timeout: float) -> bool:
    """Bounded like the thread lock: after the timeout the transaction goes ahead and SQLite's lock decides."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(_POLL)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """A full wipe lifts the audit table's trigger for its own statements only (see cunwu.audit.guard)."""
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if sql and guard.TABLE in tables:
            return [*guard.SQLITE_DROP, *sql, *guard.SQLITE_CREATE]
        return sql


class DatabaseFeatures(features.DatabaseFeatures):
    # UPDATE … RETURNING (the case counter and the tallies) needs 3.35; refused at connection, not mid-intake.
    minimum_database_version = (3, 35)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    features_class = DatabaseFeatures
    _holds_writer = False
    _holds_file: int | None = None

    def _start_transaction_under_autocommit(self):
        # Bounded, so that a writer that never commits cannot stop the others for good: after the timeout the
        # transaction goes ahead and SQLite's own lock decides.
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 30))
        self._holds_writer = _WRITER.acquire(timeout=timeout)
        try:
            fd = _lock_file(str(self.settings_dict["NAME"]))
            if fd is not None and self._holds_writer and _take_file_lock(fd, timeout):
                self._holds_file = fd
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self):
        if self._holds_file is not None:
            fd, self._holds_file = self._holds_file, None
            fcntl.flock(fd, fcntl.LOCK_UN)
        if self._holds_writer:
            self._holds_writer = False
            _WRITER.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer()
