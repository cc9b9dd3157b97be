"""Durability: the serving processes are killed (SIGKILL, no chance to clean up) several times while clients keep
submitting cases with idempotency keys and retrying whatever was not answered. Afterwards every case the server
acknowledged exists exactly once under the number it was acknowledged with, no retry made a second case, and
the audit chain verifies. Runs against a database of its own (a SQLite file, or a fresh PostgreSQL database on
the test server) and the real server (`cunwu serve`), as deployed."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

CYCLES = 4  # kills
CLIENTS = 6
VILLAGE = "220322100201"
CLI = str(Path(sys.executable).with_name("cunwu"))


@pytest.fixture
def server_database(tmp_path, django_db_setup, django_db_blocker) -> tuple[str, callable]:
    """A database for the servers a test starts, and how to read its rows: a copy of this test process's own
    database, already migrated and holding the test regions (Lishu among them) and Jilin's directories, so that no
    test migrates again (a SQLite file in tmp_path copied with SQLite's backup, or a PostgreSQL database made from
    it as a template). The servers are given this process's secret key, under which the copied audit entries were
    chained. The URL is empty for SQLite (the file in tmp_path is the default)."""
    from django.conf import settings
    from django.db import connection, connections

    (tmp_path / "secret_key").write_text(settings.SECRET_KEY)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        with django_db_blocker.unblock():
            connection.ensure_connection()
            with sqlite3.connect(tmp_path / "cunwu.sqlite3") as copy:
                connection.connection.backup(copy)

        def rows(sql):
            with sqlite3.connect(tmp_path / "cunwu.sqlite3") as db:
                return db.execute(sql).fetchall()
        return "", rows
    import psycopg

    with django_db_blocker.unblock():
        source = connection.settings_dict["NAME"]
        connections.close_all()  # a template database may have no one else connected
    name = f"cunwu_durability_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f'CREATE DATABASE {name} TEMPLATE "{source}"')
    own = url.rsplit("/", 1)[0] + "/" + name

    def rows(sql):
        with psycopg.connect(own) as db:
            return db.execute(sql).fetchall()
    return own, rows


def _env(tmp_path, url: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CUNWU_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_"))}
    env["CUNWU_VAR_DIR"] = str(tmp_path)
    if url:
        env["DATABASE_URL"] = url
    return env


SETUP = f"""
import django
django.setup()
from cunwu.accounts import services
from cunwu.audit.context import Actor
staff = services.create_user(Actor.console(), services.PersonInput("durable.staff", "村干部", "13904340001", "",
                             "Durable-pass-2026"), "village_staff", "{VILLAGE}")
print(services.create_api_token(Actor.console(), staff, "durability"))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env, port, *extra):
    """`cunwu serve` as deployed (a worker process per core), in a process group of its own."""
    server = subprocess.Popen([CLI, "serve", "--port", str(port), "--threads", "8", *extra], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/regions/22", timeout=2).read()
            return server
        except (urllib.error.URLError, ConnectionError, OSError):
            assert server.poll() is None, "the server did not start"
            time.sleep(0.1)
    raise AssertionError("the server did not answer within a minute")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # (its database is the one server_database copies)
def test_killed_server_loses_no_acknowledged_case_and_makes_none_twice(tmp_path, server_database):
    url, rows = server_database
    env = _env(tmp_path, url)
    token = subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()[-1]
    port = _free_port()
    acknowledged: dict[str, str] = {}
    sent: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int):
        key = None
        while not stop.is_set():
            if key is None:
                key = str(uuid.uuid4())
                with lock:
                    sent.add(key)
            body = json.dumps({"village": VILLAGE, "title": f"第{n}号客户端 {key[:8]}", "description": "路灯不亮",
                               "category": "utilities", "applicant_phone": "13904346666",
                               "consent": "当面同意"}).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/cases", data=body, method="POST",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key,
                         "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    number = json.load(answer)["number"]
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
                time.sleep(0.05)  # not answered (or cut off mid-answer): the same key again, later
                continue
            with lock:
                assert acknowledged.setdefault(key, number) == number, "a retry answered with another case"
            key = None

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    server = _serve(env, port)
    for t in threads:
        t.start()
    kills = 0
    for _cycle in range(CYCLES):
        time.sleep(1.5)
        before = len(acknowledged)
        os.killpg(server.pid, signal.SIGKILL)  # the master and its workers at once, as a power cut would
        server.wait()
        kills += 1
        assert before > 0
        server = _serve(env, port)
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)

    stored = dict(rows("SELECT idempotency_key, number FROM cases_case WHERE idempotency_key IS NOT NULL"))
    lost = {k: n for k, n in acknowledged.items() if stored.get(_stored_key(stored, k)) != n}
    assert not lost, f"acknowledged but not stored as acknowledged: {lost}"
    assert len(set(stored.values())) == len(stored), "two keys share a case number"
    unanswered = sent - set(acknowledged)
    assert len(stored) <= len(acknowledged) + len(unanswered) <= len(acknowledged) + CLIENTS, (
        "a retried request made a second case")
    assert rows("SELECT COUNT(*) FROM cases_case")[0][0] == len(stored)
    verified = subprocess.run([CLI, "audit", "verify"], env=env, capture_output=True, text=True)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr
    print(f"{kills} kills, {len(acknowledged)} acknowledged, {len(lost)} lost, {len(stored)} stored")
    assert kills == CYCLES and len(acknowledged) >= 4 * CLIENTS


def _stored_key(stored: dict, key: str) -> str:
    """The key as stored (the service may keep it under its caller's prefix)."""
    if key in stored:
        return key
    return next((k for k in stored if k.endswith(key)), key)
