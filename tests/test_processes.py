"""More than one serving process on one database: `cunwu serve --workers 2` (two worker processes behind one
port) beside a second, single-process server. A client's budget of requests is one budget whichever process
answers, and what one process puts in the cache another reads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .test_durability import CLI, _env, _free_port, _serve, server_database  # noqa: F401

BUDGET = 10  # Open311 reads a minute from one address


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _status(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/open311/v2/services.json?jurisdiction_id=220322",
                                    timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # (its database is the one server_database copies)
def test_two_servers_and_two_workers_share_one_budget_and_one_cache(tmp_path, server_database):  # noqa: F811
    url, _rows = server_database
    env = _env(tmp_path, url) | {"CUNWU_OPEN311_PER_MINUTE": str(BUDGET)}
    ports = [_free_port(), _free_port()]
    servers = [_serve(env, ports[0], "--workers", "2"), _serve(env, ports[1], "--workers", "1")]
    try:
        assert len(_children(servers[0].pid)) == 2, "two worker processes behind the first port"
        if 60 - time.time() % 60 < 5:  # the budget is a minute's: start in a fresh one
            time.sleep(60 - time.time() % 60 + 0.5)
        # (the servers' own readiness checks read regions, which have no budget)
        answers = [_status(ports[n % 2]) for n in range(BUDGET)]
        assert answers == [200] * BUDGET
        assert (_status(ports[0]), _status(ports[1])) == (429, 429), "a second process gave a second budget"

        put = "from django.core.cache import cache; cache.set('shared-check', 'from another process', 60)"
        got = "from django.core.cache import cache; print(cache.get('shared-check'))"
        for code in (put, got):
            done = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                                  env=env | {"DJANGO_SETTINGS_MODULE": "cunwu.settings"}, capture_output=True,
                                  text=True, check=True)
        assert done.stdout.strip() == "from another process"
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
