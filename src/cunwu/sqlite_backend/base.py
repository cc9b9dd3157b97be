"""Django's SQLite backend with writers queued in the process instead of in SQLite's busy handler.

SQLite lets one writer in at a time. A second writer that finds the database locked sleeps in SQLite's busy
handler with growing pauses (up to 100 ms each), so under a few concurrent requests some wait far longer than
the work ahead of them takes. The embedded deployment serves from one process with several threads; here
each write transaction (BEGIN IMMEDIATE) first takes a process-wide lock, so waiting writers are woken as soon
as the writer ahead commits. Other processes (the worker, commands) still meet in SQLite's busy handler.
"""

import threading

from django.db.backends.sqlite3 import base, operations

from cunwu.audit import guard

_WRITER = threading.Lock()


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """A full wipe lifts the audit table's trigger for its own statements only (see cunwu.audit.guard)."""
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if sql and guard.TABLE in tables:
            return [*guard.SQLITE_DROP, *sql, *guard.SQLITE_CREATE]
        return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _holds_writer = False

    def _start_transaction_under_autocommit(self):
        # Bounded, so that a writer that never commits cannot stop the others for good: after the timeout the
        # transaction goes ahead and SQLite's own lock decides.
        self._holds_writer = _WRITER.acquire(timeout=float(self.settings_dict["OPTIONS"].get("timeout", 30)))
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self):
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
