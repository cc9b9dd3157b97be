"""`make bench` part 4: certificates. Signature verifications per second, online verification, the public
verification page under load and PDF generation, each beside a plain baseline measured in the same run.

Expects part 1 to have run first (the national region tree and the demo are in the database).
"""

import io
import logging
import os
import random
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
os.environ.setdefault("CUNWU_VERIFICATIONS_PER_MINUTE", "100000000")  # the load comes from one address
import django  # noqa: E402

django.setup()

from directory import client, run_clients  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from foundation import pct, timed  # noqa: E402
from waitress import create_server  # noqa: E402

from cunwu.accounts.models import User  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.certificates import keys, pdf, services, signing  # noqa: E402
from cunwu.certificates.models import Certificate  # noqa: E402

VILLAGE = "220322100201"
COUNT = int(os.environ.get("CUNWU_BENCH_CERTIFICATES", 2000))


def issue_many(n: int) -> list[float]:
    services.seed_types()
    staff = Actor(user=User.objects.get(username="village1.staff"), channel="web", source="127.0.0.1")
    took = []
    for i in range(n):
        t = time.perf_counter()
        req = services.submit(staff, services.RequestInput(VILLAGE, "party_residence", "单位党支部", {
            "residence_since": str(1950 + i % 70), "conduct": f"遵纪守法，第{i}号"}, applicant_name=f"村民{i:05d}"))
        services.issue(staff, req.pk, req.type.checks)
        took.append((time.perf_counter() - t) * 1000)
    return took


def plain_pdf() -> bytes:
    """The baseline page: ReportLab's built-in Helvetica, the same number of lines, no embedded font, no QR."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("Helvetica", 12)
    for line in range(12):
        page.drawString(72, 760 - line * 20, f"Certificate line {line}: holder, village, dates, content")
    page.showPage()
    page.save()
    return out.getvalue()


def main():
    vendor = connection.vendor
    issued = issue_many(COUNT)
    print(f"[{vendor}] issued {COUNT} certificates (request + checks + signature + audit): p50 {pct(issued, 50):.1f} ms, "
          f"p99 {pct(issued, 99):.1f} ms each")
    rows = list(Certificate.objects.filter(village_id=VILLAGE).values_list("serial", "token"))
    tokens = [t for _s, t in rows]
    ring = keys.public_keys()
    random.seed(4)

    checked = timed(lambda: signing.verify(random.choice(tokens), ring), 20000)
    parts = []
    for token in tokens[:500]:
        body, sig = token.rsplit(".", 1)
        kid = signing.peek(token)["k"]
        parts.append((ring[kid], signing.b64decode(sig), body.encode()))
    raw = timed(lambda: (lambda k, s, m: k.verify(s, m))(*random.choice(parts)), 20000)
    print(f"[{vendor}] signature verification (parse, canonical checks, Ed25519): {1000 / pct(checked, 50):.0f}/s, "
          f"p50 {pct(checked, 50) * 1000:.0f} µs; bare Ed25519 verify {1000 / pct(raw, 50):.0f}/s, "
          f"p50 {pct(raw, 50) * 1000:.0f} µs; ratio {pct(checked, 50) / pct(raw, 50):.2f}")

    online = timed(lambda: services.verify(random.choice(tokens)), 3000)

    def select():
        with connection.cursor() as cur:
            cur.execute("SELECT token FROM certificates_certificate WHERE serial = %s", [random.choice(rows)[0]])
            cur.fetchone()

    base = timed(select, 3000)
    print(f"[{vendor}] online verification (signature, state, two counters written): p50 {pct(online, 50):.2f} ms, "
          f"p99 {pct(online, 99):.2f} ms, {1000 / pct(online, 50):.0f}/s; plain SELECT by serial p50 "
          f"{pct(base, 50):.3f} ms; ratio {pct(online, 50) / pct(base, 50):.1f}")

    certificate = Certificate.objects.select_related("type", "village", "key").filter(village_id=VILLAGE).first()
    url = "https://cunwu.example.gov.cn/certificates/v/" + certificate.token
    rendered = timed(lambda: pdf.render(certificate, url, "https://cunwu.example/v/" + certificate.shown_serial), 40)
    plain = timed(plain_pdf, 40)
    size = len(pdf.render(certificate, url, "https://cunwu.example/v/" + certificate.shown_serial))
    print(f"[{vendor}] certificate PDF (embedded Chinese font subset, QR): p50 {pct(rendered, 50):.1f} ms, "
          f"p99 {pct(rendered, 99):.1f} ms, {size / 1024:.0f} KB; plain Helvetica page p50 {pct(plain, 50):.2f} ms; "
          f"ratio {pct(rendered, 50) / pct(plain, 50):.0f}")

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()
    for workers in (1, 4):
        args = [(port, "/certificates/v/" + tokens[i], 8) for i in range(workers)]
        rps, lat = run_clients(client, args)
        base_rps, base_lat = run_clients(client, [(port, "/api/v1/regions/22", 8)] * workers)
        print(f"[{vendor}] verification page, {workers} clients: {rps:.0f} req/s, p50 {pct(lat, 50):.1f} ms, "
              f"p99 {pct(lat, 99):.1f} ms; baseline (one region as JSON) {base_rps:.0f} req/s, p99 "
              f"{pct(base_lat, 99):.1f} ms; throughput ratio {rps / base_rps:.2f}")
    server.close()


if __name__ == "__main__":
    main()
