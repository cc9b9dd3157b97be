"""`make bench` part 13: cunwu beside a peer, django-helpdesk 2.6.1 (a Django ticket tracker), on the same machine
in the same run. The peer is installed (pinned) into an environment of its own under var/bench/peer, on SQLite
with the same durability settings as cunwu's embedded deployment, and served by the same server (gunicorn, a
worker process per core, 8 threads each, the application loaded before the workers fork). The same load client
(8 clients, kept-alive connections) alternates between the two: cunwu's intake (POST /api/v1/cases) against the
peer's ticket creation (POST /api/tickets/), and each one's trivial read (cunwu: a region; the peer: one ticket).
Prints each figure and the ratios; best of two rounds each.

Expects part 1 to have run first (the regions are in the database).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from intake import CLIENTS, SECONDS, _load, _port, _serve, _token, line, requests_for

HERE = Path(__file__).resolve().parent / "peer_helpdesk"
PINS = ["django-helpdesk[teams]==2.6.1", "Django==5.2.19", "gunicorn==27.0.1"]


def _peer_environment(root: Path) -> Path:
    venv = root / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PINS], check=True)
    return venv


def _serve_peer(venv: Path, root: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(HERE), "PEER_DIR": str(root), "DJANGO_SETTINGS_MODULE": "peer_settings"}
    server = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "peer_wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(os.cpu_count() or 2), "--threads", "8", "--worker-class", "gthread", "--preload"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/", timeout=2)
            return server
        except urllib.error.HTTPError:
            return server  # it answers (401 without a token)
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the peer did not start")


def main():
    root = Path(os.environ["CUNWU_VAR_DIR"]) / "peer"
    root.mkdir(parents=True, exist_ok=True)
    venv = _peer_environment(root)
    env = {**os.environ, "PYTHONPATH": str(HERE), "PEER_DIR": str(root), "DJANGO_SETTINGS_MODULE": "peer_settings"}
    token, queue = subprocess.run([str(venv / "bin" / "python"), str(HERE / "peer_setup.py")], env=env, check=True,
                                  capture_output=True, text=True).stdout.split()

    def peer_create(connection):
        body = json.dumps({"queue": int(queue), "title": "路灯不亮", "description": "村口路灯三天没亮",
                           "submitter_email": "villager@example.cn", "priority": 3}, ensure_ascii=False).encode()
        connection.request("POST", "/api/tickets/", body=body, headers={
            "Authorization": f"Token {token}", "Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        return answer.status

    def peer_trivial(connection):
        connection.request("GET", "/api/tickets/1/", headers={"Authorization": f"Token {token}"})
        answer = connection.getresponse()
        answer.read()
        return answer.status

    trivial, intake = requests_for(_token())
    ours, theirs = _port(), _port()
    servers = [_serve(ours), _serve_peer(venv, root, theirs)]
    best: dict[str, tuple] = {}
    try:
        for port, request in ((ours, trivial), (theirs, peer_create)):
            _load(port, request, 1.0)  # warm every worker and thread (the peer's first ticket is made here)
        for _round in range(2):
            for name, port, request in (("intake", ours, intake), ("create", theirs, peer_create),
                                        ("trivial", ours, trivial), ("peer trivial", theirs, peer_trivial)):
                rate, latencies, failed = _load(port, request, SECONDS)
                if name not in best or rate > best[name][0]:
                    best[name] = (rate, latencies, failed)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"\n== cunwu beside django-helpdesk 2.6.1 (SQLite, same server settings, {CLIENTS} clients, best of 2 "
          f"rounds of {SECONDS:.0f} s) ==")
    print(line("cunwu   POST /api/v1/cases", best["intake"]))
    print(line("peer    POST /api/tickets/", best["create"]))
    print(line("cunwu   GET /api/v1/regions/<county>", best["trivial"]))
    print(line("peer    GET /api/tickets/1/", best["peer trivial"]))
    print(f"intake / peer's create: {best['intake'][0] / best['create'][0]:.2f}  (target >= 5)")
    print(f"intake / cunwu's trivial read: {best['intake'][0] / best['trivial'][0]:.2f}  (target >= 0.5)")


if __name__ == "__main__":
    main()
