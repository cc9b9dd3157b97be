"""`make bench` part 12: intake over HTTP beside a trivial read on the same server. `cunwu serve` (the deployed
server: a worker process per core, 8 threads each) on the bench database; 8 clients with kept-alive connections
for a few seconds each, alternating: GET /api/v1/regions/<county> (the trivial endpoint: one indexed row) and
POST /api/v1/cases (a demand through the whole service layer: checks, numbering, tallies, audit, notifications
queued), each with an Idempotency-Key of its own. Prints requests per second and latency, and intake as a share of
the trivial endpoint; the figures of each kind are the better of two rounds, so that a noisy second on a shared
machine does not decide.

Expects part 1 to have run first (the regions are in the database).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
import django  # noqa: E402

django.setup()

from foundation import pct  # noqa: E402

from cunwu.accounts import services as accounts  # noqa: E402
from cunwu.accounts.models import User  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402

VILLAGE = "220322100201"
CLIENTS = 8
SECONDS = float(os.environ.get("CUNWU_BENCH_SECONDS", "6"))
CLI = str(Path(sys.executable).with_name("cunwu"))


def _token() -> str:
    user = User.objects.filter(username="bench.intake").first()
    if user is None:
        user = accounts.create_user(Actor.console(), accounts.PersonInput(
            "bench.intake", "受理员", "", "", "Bench-intake-2026"), "village_staff", VILLAGE)
    return accounts.create_api_token(Actor.console(), user, f"bench {uuid.uuid4().hex[:6]}")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen([CLI, "serve", "--port", str(port), "--threads", "8"], env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/regions/22")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _load(port: int, request, seconds: float) -> tuple[int, list[float], int]:
    """CLIENTS threads sending `request(connection)` for `seconds`; (answers, latencies in ms, failures)."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                status = request(connection)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            if status in (200, 201):
                mine.append((time.perf_counter() - started) * 1000)
            else:
                with lock:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, failures[0]


def requests_for(token: str):
    """The two requests, each a function of a kept-alive connection returning the status."""
    county = VILLAGE[:6]

    def trivial(connection):
        connection.request("GET", f"/api/v1/regions/{county}", headers={"Authorization": f"Bearer {token}"})
        answer = connection.getresponse()
        answer.read()
        return answer.status

    def intake(connection):
        body = json.dumps({"village": VILLAGE, "kind": "demand", "title": "路灯不亮", "description": "村口路灯三天没亮",
                           "category": "utilities", "applicant_name": "王某", "applicant_phone": "13904346666",
                           "consent": "当面同意", "channel": "counter"}, ensure_ascii=False).encode()
        connection.request("POST", "/api/v1/cases", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex})
        answer = connection.getresponse()
        answer.read()
        return answer.status

    return trivial, intake


def best_of(port: int, named: dict, rounds: int = 2) -> dict:
    """{name: (requests a second, latencies, failures)}, the best round of each, the kinds alternating."""
    best: dict[str, tuple[float, list[float], int]] = {}
    for _round in range(rounds):
        for name, request in named.items():
            done, latencies, failed = _load(port, request, SECONDS)
            rate = done / SECONDS
            if name not in best or rate > best[name][0]:
                best[name] = (rate, latencies, failed)
    return best


def line(label: str, figures: tuple) -> str:
    rate, latencies, failed = figures
    return (f"{label:34s} {rate:7.1f} req/s   p50 {pct(latencies, 50):6.1f} ms   p99 {pct(latencies, 99):6.1f} ms"
            f"   failed {failed}")


def main():
    trivial, intake = requests_for(_token())
    port = _port()
    server = _serve(port)
    try:
        _load(port, trivial, 1.0)  # warm every worker and thread
        best = best_of(port, {"trivial": trivial, "intake": intake})
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    from django.db import connection as db

    print(f"\n== intake over HTTP ({db.vendor}, cunwu serve, {CLIENTS} clients, best of 2 rounds of {SECONDS:.0f} s) ==")
    print(line("GET /api/v1/regions/<county>", best["trivial"]))
    print(line("POST /api/v1/cases", best["intake"]))
    print(f"intake / trivial: {best['intake'][0] / best['trivial'][0]:.2f}  (target >= 0.50)")


if __name__ == "__main__":
    main()
