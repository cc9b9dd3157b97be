"""`make bench` part: other systems at provincial scale, after cases.py loaded its million cases over Jilin.
- Open311 `GET requests.json` for a county (the default last 90 days, open requests) through HTTP, a page of 50
  and the specification's default answer of 1000, beside a plain SELECT of the 1000 rows;
- a partner's `POST requests.json` with its api_key beside `POST /api/v1/cases`, on the same server with the
  same client, interleaved;
- webhook deliveries (the worker signing each event and posting it to a local receiver) beside a plain HTTP POST
  of the same bodies to the same receiver.
"""

import json
import logging
import os
import threading
import time
import urllib.request
import uuid
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

os.environ["CUNWU_OPEN311_PER_MINUTE"] = "100000000"  # the load client is one address
os.environ["CUNWU_WEBHOOK_HTTP_HOSTS"] = "127.0.0.1"  # the local receiver

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
django.setup()

from cases import submitter  # noqa: E402
from directory import client, run_clients  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from foundation import pct, timed  # noqa: E402
from waitress import create_server  # noqa: E402

from cunwu.accounts.models import User  # noqa: E402
from cunwu.accounts.services import create_api_token  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.cases.models import Case  # noqa: E402
from cunwu.open311 import georeport  # noqa: E402
from cunwu.partners import delivery, services  # noqa: E402
from cunwu.partners.models import Message, Send  # noqa: E402

COUNTY = "220322"
EVENTS = 500


def poster(args) -> list[float]:
    """One client process posting Open311 requests with the partner's key for `seconds`."""
    port, key, villages, seconds, seed = args
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    mine, n = [], 0
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        n += 1
        body = urlencode({"api_key": key, "jurisdiction_id": villages[(seed + n) % len(villages)],
                          "service_code": "demand.roads", "description": "三组路口的路灯坏了一周",
                          "phone": "13900000001", "token": uuid.uuid4().hex})
        t = time.perf_counter()
        conn.request("POST", "/open311/v2/requests.json", body=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        assert response.status == 201, response.status
        mine.append((time.perf_counter() - t) * 1000)
    conn.close()
    return mine


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the standard library's name
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    vendor = connection.vendor
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()

    # GET requests.json for the county, beside the plain SELECT of the rows it answers.
    place = georeport.jurisdiction(COUNTY)
    end = timezone.now()
    rows = (Case.objects.filter(county_code=COUNTY, created_at__gte=end - georeport.WINDOW, created_at__lte=end)
            .exclude(state__in=georeport.CLOSED).order_by("-created_at", "-id")[:georeport.MOST])
    sql, params = rows.query.sql_with_params()

    def plain():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()

    base = timed(plain, 50)
    answered = len(georeport.requests(place, {"status": "open"}))
    for fmt, size in (("json", 50), ("xml", 50), ("json", georeport.MOST), ("xml", georeport.MOST)):
        rps, lat = run_clients(client, [(port, f"/open311/v2/requests.{fmt}?jurisdiction_id={COUNTY}&status=open"
                                               f"&page_size={size}", 8)])
        print(f"[{vendor}] Open311 GET requests.{fmt} for county {COUNTY} ({Case.objects.count()} cases in the "
              f"database, {min(size, answered)} in the answer, one client for 8 s): {rps:.0f} req/s, p50 {pct(lat, 50):.1f} "
              f"ms, p99 {pct(lat, 99):.1f} ms; plain SELECT of {answered} rows p50 {pct(base, 50):.1f} ms; ratio "
              f"{pct(lat, 50) / pct(base, 50):.1f}")

    # POST through Open311 beside POST /api/v1/cases (the county administrator's token), interleaved.
    admin = User.objects.get(username="lishu.admin")
    token = create_api_token(Actor.console(), admin, "bench-open311")
    partner = services.connect(Actor.console(), services.PartnerInput(COUNTY, f"bench-{uuid.uuid4().hex[:6]}",
                                                                      "hotline", per_minute=6000))
    key = services.issue_key(Actor.console(), partner.pk)
    villages = [v for v in partner.region.__class__.objects.active().within(COUNTY).filter(level=5)
                .values_list("code", flat=True)]
    figures: dict = {"api": [], "open311": []}
    for _round in range(2):
        figures["api"].append(run_clients(submitter, [(port, token, villages, 6, 1)]))
        figures["open311"].append(run_clients(poster, [(port, key, villages, 6, 1)]))
    api = sum(r for r, _l in figures["api"]) / 2
    o311 = sum(r for r, _l in figures["open311"]) / 2
    api_lat = [x for _r, lat in figures["api"] for x in lat]
    o311_lat = [x for _r, lat in figures["open311"] for x in lat]
    print(f"[{vendor}] Open311 POST requests.json with an api_key: {o311:.0f} requests/s, p50 "
          f"{pct(o311_lat, 50):.1f} ms, p99 {pct(o311_lat, 99):.1f} ms; POST /api/v1/cases {api:.0f} requests/s, "
          f"p50 {pct(api_lat, 50):.1f} ms; ratio {o311 / api:.2f}")
    server.close()

    # Webhook deliveries beside a plain POST of the same bodies to the same receiver.
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
    endpoint, secret = services.add_endpoint(Actor.console(), partner.pk, url, ["case.created"])
    Send.objects.all().delete()  # only the events made below are timed (a database reused from an earlier run)
    body = json.dumps({"type": "case.created", "timestamp": timezone.now().isoformat(), "data": {
        "service_request_id": "220322100201-20261203-0001", "village": {"code": "220322100201", "name": "南杏山村"},
        "status": "open", "state": "new", "service_code": "demand.roads", "service_name": "道路交通"}},
        ensure_ascii=False)
    messages = Message.objects.bulk_create([Message(uid=f"msg_{uuid.uuid4().hex}", type="case.created",
                                                    region_code=COUNTY, body=body) for _ in range(EVENTS)])
    Send.objects.bulk_create([Send(endpoint=endpoint, message=m) for m in messages])
    t = time.perf_counter()
    done = delivery.deliver_due()
    took = time.perf_counter() - t
    assert done == {"delivered": EVENTS}, done
    t = time.perf_counter()
    for m in messages:
        stamp = int(time.time())
        request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
            "content-type": "application/json", "webhook-id": m.uid, "webhook-timestamp": str(stamp),
            "webhook-signature": "v1,x"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            answer.read()
    plain_took = time.perf_counter() - t
    print(f"[{vendor}] webhook deliveries to a local receiver: {EVENTS / took:.0f} events/s (signed, claimed, each "
          f"attempt recorded); plain HTTP POST of the same bodies: {EVENTS / plain_took:.0f} posts/s; ratio "
          f"{(EVENTS / took) / (EVENTS / plain_took):.2f}")
    receiver.shutdown()


if __name__ == "__main__":
    main()
