"""`make bench` part 2: `directory_for(village)` with every county of Jilin carrying a basic directory, and the
village directory page served under load; each beside a plain baseline measured in the same run.

Expects part 1 to have run first (the national region tree and the demo are in the database).
"""

import logging
import multiprocessing
import os
import random
import threading
import time
from http.client import HTTPConnection

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from foundation import pct, timed  # noqa: E402
from waitress import create_server  # noqa: E402

from cunwu.directory import seed, services  # noqa: E402
from cunwu.directory.models import Directory  # noqa: E402
from cunwu.regions.models import Region  # noqa: E402


def client(args) -> list[float]:
    """One keep-alive client in its own process (so that it does not share the server's interpreter lock):
    (port, path, seconds[, extra headers])."""
    port, path, seconds, *extra = args
    headers = {"Accept-Encoding": "gzip", **(extra[0] if extra else {})}
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    mine = []
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        t = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        mine.append((time.perf_counter() - t) * 1000)
    conn.close()
    return mine


def run_clients(fn, args: list) -> tuple[float, list[float]]:
    """Requests per second and latencies (ms) of one client process per item of `args`, each running fn(item)."""
    with multiprocessing.get_context("spawn").Pool(len(args)) as pool:
        began = time.perf_counter()
        results = pool.map(fn, args)
        elapsed = time.perf_counter() - began
    latencies = [x for r in results for x in r]
    return len(latencies) / elapsed, latencies


def load(port: int, path: str, seconds: float, workers: int) -> tuple[float, list[float]]:
    """`workers` client processes hitting `path` for `seconds`."""
    return run_clients(client, [(port, path, seconds)] * workers)


def main():
    vendor = connection.vendor
    t = time.perf_counter()
    published = seed.seed_jilin(all_counties=True)
    seed_s = time.perf_counter() - t
    counties = Directory.objects.filter(tier=3, current__isnull=False).count()
    villages = list(Region.objects.active().within("22").filter(level=5, is_rural=True).values_list("code", flat=True))
    print(f"[{vendor}] seeded {published} directories in {seed_s:.1f} s; {counties} county basic directories; "
          f"{len(villages)} rural villages in Jilin")
    random.seed(2)
    sample = random.sample(villages, 2000)
    for code in sample:  # warm the cache of published versions
        services.directory_for(code)
    warm = timed(lambda: services.directory_for(random.choice(sample)), 5000)
    sizes = {len(services.directory_for(c)) for c in sample[:50]}

    def raw():
        with connection.cursor() as cur:
            cur.execute("SELECT current_id FROM directory_directory WHERE region_id = %s", [random.choice(sample)[:6]])
            cur.fetchone()

    baseline = timed(raw, 5000)
    print(f"[{vendor}] directory_for(village) warm p50 {pct(warm, 50):.3f} ms p99 {pct(warm, 99):.3f} ms "
          f"({sorted(sizes)} items); raw pointer SELECT p50 {pct(baseline, 50):.3f} ms; "
          f"ratio {pct(warm, 50) / pct(baseline, 50):.2f}")

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # a queued request under load is expected
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()
    village = "220322100201"
    page = f"/village/{village}/services/"
    conn = HTTPConnection("127.0.0.1", port)
    conn.request("GET", page, headers={"Accept-Encoding": "gzip"})
    response = conn.getresponse()
    body = response.read()
    print(f"[{vendor}] village directory page: {len(body)} bytes sent ({response.getheader('Content-Encoding')})")
    conn.close()
    for workers in (1, 2, 4):
        rps, lat = load(port, page, 8, workers)
        base_rps, base_lat = load(port, "/api/v1/regions/22", 8, workers)
        print(f"[{vendor}] village directory page, {workers} clients: {rps:.0f} req/s, p50 {pct(lat, 50):.1f} ms, "
              f"p99 {pct(lat, 99):.1f} ms; baseline (one region as JSON) {base_rps:.0f} req/s, p99 "
              f"{pct(base_lat, 99):.1f} ms; throughput ratio {rps / base_rps:.2f}")
    server.close()


if __name__ == "__main__":
    main()
