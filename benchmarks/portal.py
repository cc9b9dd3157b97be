"""`make bench` part 8: the village's home page as villagers load it (signed out, over HTTP through the WSGI
server with four threads): requests per second and latency for 1 and 4 clients, and its weight, compressed,
without images. Baseline in the same run: the site's stylesheet, a static file, through the same server.

Expects part 1 to have run first (the regions and the demo are in the database).
"""

import gzip
import os
import threading
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
import django  # noqa: E402

django.setup()

from directory import load  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from foundation import pct  # noqa: E402
from waitress import create_server  # noqa: E402

from cunwu.web.demo import build_demo, demo_exists  # noqa: E402

VILLAGE = "220322100201"
STATIC = Path(__file__).resolve().parent.parent / "src/cunwu/web/static/cunwu"


def main():
    vendor = connection.vendor
    if not demo_exists():
        build_demo(totp=False)
    page = f"/village/{VILLAGE}/"
    visitor = Client(SERVER_NAME="127.0.0.1")
    raw = visitor.get(page).content
    packed = visitor.get(page, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    css = gzip.compress((STATIC / "site.css").read_bytes(), 9)
    elder_js = gzip.compress((STATIC / "read-aloud.js").read_bytes(), 9)
    weight = len(packed.content) + len(css)
    print(f"[{vendor}] village home page weight without images: HTML {len(raw) / 1024:.1f} KB "
          f"({len(packed.content) / 1024:.1f} KB compressed) + stylesheet {len(css) / 1024:.1f} KB compressed = "
          f"{weight / 1024:.1f} KB compressed (target < 200 KB); no script in the standard view, "
          f"{len(elder_js) / 1024:.1f} KB in elder mode")
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()
    for workers in (1, 4):
        rps, latencies = load(port, page, 6, workers)
        base_rps, base = load(port, "/static/cunwu/site.css", 3, workers)
        print(f"[{vendor}] village home page, {workers} clients: {rps:.0f} req/s, p50 {pct(latencies, 50):.1f} ms, "
              f"p99 {pct(latencies, 99):.1f} ms; the stylesheet through the same server {base_rps:.0f} req/s, p50 "
              f"{pct(base, 50):.1f} ms; ratio p50 {pct(latencies, 50) / pct(base, 50):.1f}")
    server.close()


if __name__ == "__main__":
    main()
