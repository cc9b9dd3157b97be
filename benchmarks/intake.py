"""`make bench` part 12: intake over HTTP beside a trivial read on the same server. `cunwu serve` (the deployed
server: a worker process per core, 8 threads each) on the bench database; 8 clients with kept-alive connections
for a few seconds each, alternating: GET /api/v1/regions/<county> (the trivial endpoint: one indexed row) and
POST /api/v1/cases (a demand through the whole service layer: checks, numbering, tallies, audit, notifications
queued), each with an Idempotency-Key of its own. Prints requests per second and latency, and intake as a share of
the trivial endpoint; the figures of each kind are the better of two rounds, so that a noisy second on a shared
machine does not decide. Then the village's other write actions on the cases just taken in, one round each:
take, note and resolve (POST /api/v1/cases/N/actions/…), each beside the same trivial endpoint.

Expects part 1 to have run first (the regions are in the database).
"""

from __future__ import annotations

import collections
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
    """CLIENTS threads sending `request(connection)` for `seconds` (or until it answers None: no work left);
    (answers a second, latencies in ms, failures)."""
    started_at = time.monotonic()
    stop = started_at + seconds
    latencies: list[float] = []
    failures = [0]
    ended = [started_at]
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
            if status is None:
                break
            if status in (200, 201):
                mine.append((time.perf_counter() - started) * 1000)
            else:
                with lock:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)
            ended[0] = max(ended[0], time.monotonic())

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / max(min(seconds, ended[0] - started_at), 1e-3), latencies, failures[0]


def requests_for(token: str, made: collections.deque | None = None):
    """The two requests, each a function of a kept-alive connection returning the status; the numbers of the
    cases taken in are appended to `made`."""
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
        body = answer.read()
        if answer.status == 201 and made is not None:
            made.append(json.loads(body)["number"])
        return answer.status

    return trivial, intake


def action_request(token: str, action: str, numbers: collections.deque, then: collections.deque | None = None,
                   **payload):
    """POST /api/v1/cases/N/actions/ACTION for each number taken from `numbers` (None when none is left), the
    number passed on to `then`."""
    body = json.dumps(payload, ensure_ascii=False).encode()

    def act(connection):
        try:
            number = numbers.popleft()
        except IndexError:
            return None
        connection.request("POST", f"/api/v1/cases/{number}/actions/{action}", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        if answer.status == 200 and then is not None:
            then.append(number)
        return answer.status

    return act


def best_of(port: int, named: dict, rounds: int = 2) -> dict:
    """{name: (requests a second, latencies, failures)}, the best round of each, the kinds alternating."""
    best: dict[str, tuple[float, list[float], int]] = {}
    for _round in range(rounds):
        for name, request in named.items():
            rate, latencies, failed = _load(port, request, SECONDS)
            if name not in best or rate > best[name][0]:
                best[name] = (rate, latencies, failed)
    return best


def line(label: str, figures: tuple) -> str:
    rate, latencies, failed = figures
    return (f"{label:34s} {rate:7.1f} req/s   p50 {pct(latencies, 50):6.1f} ms   p99 {pct(latencies, 99):6.1f} ms"
            f"   failed {failed}")


def main():
    token = _token()
    made: collections.deque = collections.deque()
    trivial, intake = requests_for(token, made)
    port = _port()
    server = _serve(port)
    taken: collections.deque = collections.deque()
    noted: collections.deque = collections.deque()
    try:
        _load(port, trivial, 1.0)  # warm every worker and thread
        best = best_of(port, {"trivial": trivial, "intake": intake})
        # the other write actions of the village, each on the cases just taken in, one round each
        for name, request in (("take", action_request(token, "take", made, taken)),
                              ("note", action_request(token, "note", taken, noted, note="已联系电力所")),
                              ("resolve", action_request(token, "resolve", noted, result="路灯已修好"))):
            best[name] = _load(port, request, SECONDS)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    from django.db import connection as db

    print(f"\n== intake over HTTP ({db.vendor}, cunwu serve, {CLIENTS} clients, best of 2 rounds of {SECONDS:.0f} s) ==")
    print(line("GET /api/v1/regions/<county>", best["trivial"]))
    print(line("POST /api/v1/cases", best["intake"]))
    for name in ("take", "note", "resolve"):
        print(line(f"POST /api/v1/cases/N/actions/{name}", best[name]))
    print(f"intake / trivial: {best['intake'][0] / best['trivial'][0]:.2f}  (target >= 0.50)")
    print("actions / trivial: " + ", ".join(f"{name} {best[name][0] / best['trivial'][0]:.2f}"
                                            for name in ("take", "note", "resolve")))


if __name__ == "__main__":
    main()
