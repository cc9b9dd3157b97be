"""The embedded SQLite backend queues this process's writers in a lock held from BEGIN to COMMIT/ROLLBACK, and
every process's writers in a lock on a file beside the database."""

import fcntl
import os
import threading
import time

import pytest
from django.db import connection
from django.db.utils import load_backend

from cunwu import sqlite_backend
from cunwu.sqlite_backend import base

pytestmark = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the embedded SQLite backend")


@pytest.fixture(autouse=True)
def own_databases(django_db_blocker):
    with django_db_blocker.unblock():  # these tests open their own database files
        yield


def wrapper(path):
    settings_dict = dict(connection.settings_dict, NAME=str(path), TEST={"NAME": str(path)})
    return load_backend(sqlite_backend.__name__).DatabaseWrapper(settings_dict, alias=f"bench-{threading.get_ident()}")


def test_the_writer_lock_is_held_for_the_transaction_and_released_on_every_ending(tmp_path):
    db = wrapper(tmp_path / "w.sqlite3")
    with db.cursor() as cur:
        cur.execute("CREATE TABLE t (n integer)")
    other = os.open(f"{tmp_path / 'w.sqlite3'}-writer", os.O_RDWR | os.O_CREAT)  # another open file, as another process has
    for ending in ("commit", "rollback", "close"):
        db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        assert base._WRITER.locked()
        with pytest.raises(BlockingIOError):  # the other processes' writers wait for this one
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with db.cursor() as cur:
            cur.execute("INSERT INTO t VALUES (1)")
        getattr(db, ending)()
        assert not base._WRITER.locked(), ending
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # and go once it ends
        fcntl.flock(other, fcntl.LOCK_UN)
        if ending == "commit":
            db.set_autocommit(True)
    db.close()


def test_concurrent_writers_take_turns_without_losing_a_write(tmp_path):
    path = tmp_path / "c.sqlite3"
    setup = wrapper(path)
    with setup.cursor() as cur:
        cur.execute("CREATE TABLE counter (n integer)")
        cur.execute("INSERT INTO counter VALUES (0)")
    setup.close()
    overlaps, inside = [], []

    def work():
        db = wrapper(path)
        for _ in range(20):
            db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
            inside.append(1)
            overlaps.append(len(inside))
            with db.cursor() as cur:
                cur.execute("SELECT n FROM counter")
                n = cur.fetchone()[0]
                time.sleep(0.001)  # read, think, write: lost updates if two were inside at once
                cur.execute("UPDATE counter SET n = %s", [n + 1])
            inside.pop()
            db.commit()
            db.set_autocommit(True)
        db.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check = wrapper(path)
    with check.cursor() as cur:
        cur.execute("SELECT n FROM counter")
        assert cur.fetchone()[0] == 80
    check.close()
    assert max(overlaps) == 1, "one writer inside at a time"


@pytest.mark.django_db
def test_the_nightly_task_gathers_query_statistics():
    from cunwu.cases.tasks import refresh_query_statistics

    with connection.cursor() as cur:
        refresh_query_statistics.call_local()
        cur.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'django_migrations'")
        assert cur.fetchone()[0] > 0


def test_a_lock_file_that_cannot_be_opened_slows_writers_but_refuses_nothing(tmp_path):
    (tmp_path / "x.sqlite3-writer").mkdir()  # (a directory where the lock file would be: it cannot be opened)
    db = wrapper(tmp_path / "x.sqlite3")
    with db.cursor() as cur:
        cur.execute("CREATE TABLE t (n integer)")
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with db.cursor() as cur:
        cur.execute("INSERT INTO t VALUES (1)")
    db.commit()
    assert not base._WRITER.locked()
    db.close()


def test_an_sqlite_too_old_for_update_returning_is_refused_at_connection(tmp_path, monkeypatch):
    from django.db import NotSupportedError

    db = wrapper(tmp_path / "v.sqlite3")
    monkeypatch.setattr(db, "get_database_version", lambda: (3, 34, 1))
    with pytest.raises(NotSupportedError):
        db.check_database_version_supported()
