"""A province on PostgreSQL past one machine: a primary with a streaming replica (Debian's PostgreSQL 15,
pg_basebackup on 127.0.0.1, started by scripts/pg.sh), the database router sending figures and searches to the
replica and everything else to the primary, and each process's connections kept in a pool. A replica that lags or
is down: those reads fall back to the primary, and only a page whose figures came from the replica says they may be
a few seconds old."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from cunwu import dbrouter

from .test_durability import _env, _free_port, server_database  # noqa: F401
from .test_redis import _serve_logging

ROOT = Path(__file__).resolve().parents[1]
PGBIN = Path("/usr/lib/postgresql/15/bin")
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
VILLAGE = "220322100201"
NOTE = "data-replica"


def test_a_browser_that_wrote_reads_the_primary_for_a_little_while(settings):
    settings.CUNWU = {**settings.CUNWU, "REPLICA_MAX_LAG_SECONDS": 4}
    seen = {}

    def view(request):
        seen["fresh"] = dbrouter._fresh.get()
        return HttpResponse("ok", status=200 if request.method == "GET" else 302)

    middleware = dbrouter.ReplicaMiddleware(view)
    wrote = middleware(RequestFactory().post("/cases/new/"))
    assert wrote.cookies[dbrouter.FRESH_COOKIE]["max-age"] == 5 and not seen["fresh"]
    assert dbrouter.FRESH_COOKIE not in middleware(RequestFactory().get("/")).cookies, "reading marks nothing"
    after = RequestFactory().get("/cases/rates/")
    after.COOKIES[dbrouter.FRESH_COOKIE] = "1"
    middleware(after)
    assert seen["fresh"] is True and dbrouter._fresh.get() is False, "for that request only"


def _psql(port: int, sql: str, database: str = "postgres") -> str:
    return subprocess.run([str(PGBIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database,
                           "-qAtc", sql], check=True, capture_output=True, text=True).stdout.strip()


def _get(port: int, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=20) as answer:
        return answer.status, answer.read().decode()


def _names(port: int, q: str) -> list[str]:
    return [r["name"] for r in json.loads(_get(port, f"/api/v1/regions?q={quote(q)}&within={VILLAGE[:9]}")[1])]


def _until(check, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the replica did not get there in time"
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.skipif(not ON_POSTGRES, reason="a streaming replica is PostgreSQL's (the PostgreSQL pass)")
@pytest.mark.django_db(transaction=True)  # (its database is the one server_database copies)
def test_figures_and_searches_read_the_replica_until_it_lags_or_goes_down(tmp_path, server_database):  # noqa: F811
    url, _rows = server_database
    primary_port = int(url.split(":")[2].split("/")[0])
    replica_url = subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "replica"], check=True, text=True,
                                 capture_output=True, env={**os.environ, "CUNWU_PG_PORT": str(primary_port)}
                                 ).stdout.strip().splitlines()[-1]
    replica_port = int(replica_url.split(":")[2].split("/")[0])
    _psql(replica_port, "SELECT pg_wal_replay_resume()")  # (a replica left paused by an interrupted run)
    database = url.rsplit("/", 1)[1]
    deadline = time.monotonic() + 30  # the copy made on the primary reaches the replica
    while database not in _psql(replica_port, "SELECT string_agg(datname, ',') FROM pg_database"):
        assert time.monotonic() < deadline, "the replica did not receive the new database"
        time.sleep(0.2)
    common = _env(tmp_path, url) | {"CUNWU_REPLICA_URL": replica_url.rsplit("/", 1)[0] + "/" + database,
                                    "CUNWU_DB_POOL": "1:4", "CUNWU_REPLICA_CHECK_SECONDS": "0"}
    tolerant, strict = _free_port(), _free_port()
    servers = [
        _serve_logging(common | {"CUNWU_REPLICA_MAX_LAG_SECONDS": "3600"}, tolerant, tmp_path / "tolerant.log",
                       "--workers", "2"),
        _serve_logging(common | {"CUNWU_REPLICA_MAX_LAG_SECONDS": "1"}, strict, tmp_path / "strict.log",
                       "--workers", "1")]
    village = _psql(primary_port, f"SELECT name FROM regions_region WHERE code = '{VILLAGE}'", database)
    try:
        # a transaction replayed (a replica just made from a base backup has replayed none: its lag is unknown, and
        # the primary answers until it is known)
        _psql(primary_port, f"UPDATE regions_region SET name = name WHERE code = '{VILLAGE}'", database)
        _until(lambda: _psql(replica_port, "SELECT pg_last_xact_replay_timestamp() IS NOT NULL") == "t")
        status, page = _get(tolerant, f"/cases/public/{VILLAGE}/")
        assert status == 200 and NOTE in page, "figures read from the replica say they may be a few seconds old"
        for port in (tolerant, strict):  # (the strict one may fall back for a moment on a busy primary)
            assert _get(port, f"/cases/public/{VILLAGE}/")[0] == 200 and _names(port, village) == [village]
        assert NOTE not in _get(tolerant, f"/village/{VILLAGE}/")[1], "other pages read the primary"

        _psql(replica_port, "SELECT pg_wal_replay_pause()")
        _until(lambda: _psql(replica_port, "SELECT pg_get_wal_replay_pause_state()") == "paused")
        _psql(primary_port, f"UPDATE regions_region SET name = '改名村' WHERE code = '{VILLAGE}'", database)
        written = _psql(primary_port, "SELECT pg_current_wal_lsn()")
        _until(lambda: _psql(replica_port, f"SELECT pg_last_wal_receive_lsn() >= '{written}'") == "t")
        time.sleep(1.5)  # the replica received the change but does not apply it: it falls behind
        logs = lambda: (tmp_path / "tolerant.log").read_text()[-3000:] + (tmp_path / "strict.log").read_text()[-3000:]  # noqa: E731
        assert _names(tolerant, "改名村") == [] and _names(tolerant, village) == [village], \
            f"the search was answered by the replica (which has not applied the change)\n{logs()}"
        assert _names(strict, "改名村") == ["改名村"], f"more than a second behind: the primary answers\n{logs()}"
        status, page = _get(strict, f"/cases/public/{VILLAGE}/")
        assert status == 200 and NOTE not in page and "改名村" in page

        _psql(replica_port, "SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 30
        while _names(tolerant, "改名村") != ["改名村"]:
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.2)

        subprocess.run(["runuser", "-u", "postgres", "--", str(PGBIN / "pg_ctl"), "-D",
                        f"/tmp/cunwu-pg-{primary_port}-replica/data", "-m", "immediate", "stop"]
                       if os.getuid() == 0 else
                       [str(PGBIN / "pg_ctl"), "-D", f"/tmp/cunwu-pg-{primary_port}-replica/data", "-m",
                        "immediate", "stop"], check=True, capture_output=True)
        _psql(primary_port, f"UPDATE regions_region SET name = '又改名村' WHERE code = '{VILLAGE}'", database)
        for port in (tolerant, strict):
            assert _names(port, "又改名村") == ["又改名村"], "the replica down: the primary answers"
            status, page = _get(port, f"/cases/public/{VILLAGE}/")
            assert status == 200 and NOTE not in page
        said = (tmp_path / "tolerant.log").read_text() + (tmp_path / "strict.log").read_text()
        assert "the replica cannot be reached" in said and "figures are read from the primary" in said
        assert "behind (more than 1.0 s)" in said
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        subprocess.run([str(PGBIN / "psql"), "-h", "127.0.0.1", "-p", str(replica_port), "-U", "postgres", "-qAtc",
                        "SELECT pg_wal_replay_resume()"], capture_output=True)  # if it still runs
