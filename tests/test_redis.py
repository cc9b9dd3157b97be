"""Redis for the cache, the background queue and the rate counters (`REDIS_URL`), shared by every process, and
what the platform does while Redis is down: pages still served (drawn without the cache), rate limits and
sign-in codes refused (throttles fail closed), queued work left to the worker's sweeps, each said in the log."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from cunwu import sharedstore
from cunwu.accounts import throttle
from cunwu.accounts.models import RateCounter

from .test_durability import CLI, _env, _free_port, server_database  # noqa: F401

VILLAGE = "220322100201"


class RedisServer:
    """Debian's redis-server on a free port of 127.0.0.1, without persistence, for one test."""

    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            pytest.fail("redis-server is missing: `make test` installs it (scripts/system-deps.sh)")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def said(monkeypatch):
    """Each test sees the first "unreachable" line of each kind (they are said once a minute)."""
    monkeypatch.setattr(sharedstore, "_last_said", {})


@pytest.mark.django_db
def test_rate_counters_live_in_redis_and_refuse_while_it_is_down(redis_server, settings, said, caplog):
    settings.REDIS_URL = redis_server.url
    assert [throttle.allowed("test-scope", "10.0.0.1", 2, 60) for _ in range(3)] == [True, True, False]
    assert throttle.allowed("test-scope", "10.0.0.2", 2, 60), "each client has its own budget"
    assert not RateCounter.objects.exists(), "counted in Redis, not in the database"
    keys = redis_server.client().keys("cunwu:rate:*")
    assert len(keys) == 2 and all(0 < redis_server.client().ttl(key) <= 65 for key in keys)

    redis_server.stop()
    with caplog.at_level(logging.ERROR, logger="cunwu.redis"):
        allowed, wait = throttle.hit("test-scope", "10.0.0.3", 100, 60)
    assert not allowed and 1 <= wait <= 60, "a counter that cannot count refuses (fails closed)"
    assert "Redis unreachable (rate limits: refusing until it is back)" in caplog.text


@pytest.mark.django_db
def test_sign_in_codes_are_refused_not_unlimited_while_redis_is_down(redis_server, settings, said, client):
    from cunwu.accounts.models import OneTimeCode, OutboxMessage

    settings.REDIS_URL = redis_server.url
    redis_server.stop()
    page = client.post("/accounts/villager/", {"phone": "13904341111"})
    assert page.status_code == 200 and "请" in page.content.decode() and "分钟后再试" in page.content.decode()
    assert not OneTimeCode.objects.exists() and not OutboxMessage.objects.exists(), \
        "no code is sent while attempts cannot be counted"


@pytest.mark.django_db
def test_the_cache_in_redis_is_shared_and_pages_are_drawn_without_it_while_it_is_down(
        redis_server, settings, said, client, caplog):
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "cunwu.sharedstore.TolerantRedisCache", "LOCATION": redis_server.url, "KEY_PREFIX": "cunwu",
        "OPTIONS": dict(sharedstore.TIMEOUTS)}}
    from django.core.cache import cache

    cache.set("shared-check", {"n": 1}, 60)
    assert cache.get("shared-check") == {"n": 1}
    first = client.get(f"/village/{VILLAGE}/services/")
    assert first.status_code == 200
    assert any(b"village-services" in key for key in redis_server.client().keys("cunwu:*")), \
        "the village's directory fragment is cached in Redis"

    redis_server.stop()
    with caplog.at_level(logging.ERROR, logger="cunwu.redis"):
        again = client.get(f"/village/{VILLAGE}/services/")
        assert cache.get("shared-check", "gone") == "gone"
        assert cache.get_many(["a", "b"]) == {} and cache.set("x", 1) is None and cache.add("y", 1) is False
    assert again.status_code == 200
    assert again.content.decode().count("<li") == first.content.decode().count("<li"), "the same page, drawn anew"
    assert "Redis unreachable (cache)" in caplog.text


@pytest.mark.django_db
def test_work_whose_hand_over_to_the_queue_failed_is_done_by_the_sweeps(settings, caplog, monkeypatch):
    """The queue unreachable after a write committed: the request does not fail, the log says so, and the
    worker's sweeps find the warning not fanned out and the import still waiting."""
    import redis
    from huey.contrib.djhuey import HUEY

    from cunwu.background import hand_over
    from cunwu.notices.tasks import fan_out_task

    def refused(*args, **kwargs):
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "enqueue", refused)
    with caplog.at_level(logging.ERROR, logger="cunwu.worker"):
        hand_over(fan_out_task, 1, False, "issued")  # does not raise
    assert "the task queue is unreachable (ConnectionError" in caplog.text

    monkeypatch.setattr(HUEY, "immediate", True)  # tests: a task's own error is the caller's
    with pytest.raises(ZeroDivisionError):
        hand_over(lambda: 1 / 0)


@pytest.mark.django_db
def test_the_sweep_fans_out_a_warning_whose_task_never_ran():
    from cunwu.notices import warnings
    from cunwu.notices.models import Warning, WarningTarget
    from cunwu.notify.models import Notification

    from .helpers import person

    staff = person("village_staff", VILLAGE, phone="13904340077")
    until = timezone.now() + dt.timedelta(hours=6)
    made = []
    for title, issued in (("山洪", timezone.now() - dt.timedelta(minutes=11)), ("新的", timezone.now())):
        warning = Warning.objects.create(kind="flood", level="red", title=title, text="转移", area=[VILLAGE],
                                         issuer_region_id=VILLAGE[:6], issued_at=issued, valid_until=until,
                                         villages=1)
        WarningTarget.objects.create(warning=warning, village_id=VILLAGE, valid_until=until)
        made.append(warning)

    assert warnings.fan_out_missed() == 1
    old, fresh = (Warning.objects.get(pk=w.pk) for w in made)
    assert old.fanned_out_at is not None and fresh.fanned_out_at is None, "a fresh one is left to its own task"
    assert Notification.objects.filter(recipient=staff, event_key__startswith=f"warning:{old.pk}:").count() == 1
    assert warnings.fan_out_missed() == 0, "done once"


def _serve_logging(env, port, log_path, *extra):
    with open(log_path, "ab") as log:
        server = subprocess.Popen([CLI, "serve", "--port", str(port), "--threads", "4", *extra], env=env,
                                  stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/regions/22", timeout=2).read()
            return server
        except (urllib.error.URLError, ConnectionError, OSError):
            assert server.poll() is None, Path(log_path).read_text()[-2000:]
            time.sleep(0.1)
    raise AssertionError("the server did not answer within a minute")


def _status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


OPEN311 = f"/open311/v2/services.json?jurisdiction_id={VILLAGE[:6]}"


@pytest.mark.slow
@pytest.mark.once  # (two servers on each database: tests/test_processes.py)
@pytest.mark.django_db(transaction=True)  # (its database is the one server_database copies)
def test_two_servers_share_redis_and_keep_serving_when_it_goes_down(tmp_path, server_database,  # noqa: F811
                                                                    redis_server):
    url, _rows = server_database
    budget = 6
    env = _env(tmp_path, url) | {"REDIS_URL": redis_server.url, "CUNWU_OPEN311_PER_MINUTE": str(budget)}
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    servers = [_serve_logging(env, ports[0], logs[0], "--workers", "2"),
               _serve_logging(env, ports[1], logs[1], "--workers", "1")]
    try:
        if 60 - time.time() % 60 < 5:  # the budget is a minute's: start in a fresh one
            time.sleep(60 - time.time() % 60 + 0.5)
        assert [_status(ports[n % 2], OPEN311) for n in range(budget)] == [200] * budget
        assert (_status(ports[0], OPEN311), _status(ports[1], OPEN311)) == (429, 429), "one budget in Redis"
        assert redis_server.client().keys("cunwu:rate:*"), "counted in Redis"

        def python(code: str) -> str:
            return subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                                  env=env | {"DJANGO_SETTINGS_MODULE": "cunwu.settings"}, capture_output=True,
                                  text=True, check=True).stdout.strip()

        python("from django.core.cache import cache; cache.set('shared-check', 'from another process', 60)")
        assert python("from django.core.cache import cache; print(cache.get('shared-check'))") == \
            "from another process"
        python("from cunwu.notify.tasks import deliver_task; deliver_task()")  # queued, no worker running
        assert python("from huey.contrib.djhuey import HUEY; print(type(HUEY).__name__, HUEY.pending_count())") \
            == "RedisHuey 1", "the queue is Redis's, seen by every process"

        redis_server.stop()
        for port in ports:
            assert _status(port, f"/village/{VILLAGE}/services/") == 200, "pages are served without the cache"
            assert _status(port, "/api/v1/regions/220322") == 200
            assert _status(port, OPEN311.replace(VILLAGE[:6], "220323")) == 429, "rate limits fail closed"
        said = logs[0].read_text() + logs[1].read_text()
        assert "Redis unreachable (rate limits: refusing until it is back)" in said
        assert "Redis unreachable (cache)" in said
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
