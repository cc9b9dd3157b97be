"""The federation's services: a province's instance makes and sends its signed daily reports; the national
instance registers provinces, takes their reports and adds them up. Only tallies cross: see reports.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu import keyfiles
from cunwu.accounts import permissions
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.cases import rates
from cunwu.regions.models import Region

from . import reports
from .models import Province, Report, Sent

CATCH_UP_DAYS = 90  # a day is reported again while its figures move, or until taken, up to this far back
FUTURE_SLACK = dt.timedelta(minutes=10)  # clocks of two machines


def _operator(actor: Actor) -> None:
    """Registering provinces is for the national instance's operator, at its console."""
    if not actor.system:
        raise permissions.Forbidden(_("Only the national instance's operator registers provinces, at its console."))


def _own_province(province: str = "") -> str:
    code = (province or settings.CUNWU["PROVINCE"] or "").strip()
    if not Region.objects.filter(code=code, level=1).exists():
        raise ValidationError({"province": _("Say which province this instance serves (CUNWU_PROVINCE or "
                                             "--province), by its two-digit code.")})
    return code


def signing_key():
    """This province's signing key (made on first use, in the file CUNWU_FEDERATION_KEY names)."""
    return keyfiles.private_key(Path(settings.CUNWU["FEDERATION_KEY"]))


def public_key() -> str:
    return keyfiles.public_text(signing_key())


# --- the national instance --------------------------------------------------------------------------------------


@transaction.atomic
def register(actor: Actor, code: str, key_text: str, name: str = "") -> Province:
    """Accept a province's reports signed by `key_text` (a new key replaces the old one: reports already kept
    stay as they were signed)."""
    _operator(actor)
    code = (code or "").strip()
    region = Region.objects.filter(code=code, level=1).first()
    if region is None and not (len(code) == 2 and code.isdigit() and code[0] != "0" and name):
        raise ValidationError({"code": _("A province is its two-digit division code (with --name when this "
                                         "instance has not imported the divisions).")})
    try:
        keyfiles.load_public(key_text)
    except ValueError:
        raise ValidationError({"key": _("The key is the province's public key as `cunwu federation key` prints "
                                        "it (base64 of 32 bytes).")}) from None
    province = Province.objects.select_for_update().filter(code=code).first()
    before = province.public_key if province else None
    if province is None:
        province = Province(code=code)
    province.name = (name or (region.name if region else "")).strip()[:50]
    province.public_key, province.active = key_text.strip(), True
    province.save()
    record(actor, "federation.province_registered" if before is None else "federation.key_changed", province,
           region_code=code, detail={"key": province.public_key, "previous_key": before or ""})
    return province


@dataclass
class Taken:
    report: Report
    outcome: str  # "created", "replaced" or "unchanged"


def receive(body: bytes, source: str = "") -> Taken:
    """Take a province's signed report (reports.Refused otherwise, with nothing kept). A report older than the
    one kept for its day is refused; the same one again changes nothing; a newer one replaces it."""
    from cunwu.accounts import throttle

    if not throttle.allowed("federation-report", source, settings.CUNWU["FEDERATION_REPORTS_PER_MINUTE"], 60):
        raise reports.Refused(429, _("Too many reports from this address: send the rest in a minute."))
    received = reports.read(body)
    province = Province.objects.filter(code=received.province, active=True).first()
    if province is None:
        raise reports.Refused(403, _("Province %(code)s is not registered here: its operator registers its key "
                                     "first.") % {"code": received.province})
    reports.check(received, keyfiles.load_public(province.public_key))
    now = timezone.now()
    if received.generated_at > now + FUTURE_SLACK or received.day >= timezone.localdate(received.generated_at):
        raise reports.Refused(400, _("A report cannot be made before its day ends, nor in the future."))
    if received.day < EARLIEST:
        raise reports.Refused(400, _("Days from %(first)s to today.") % {"first": EARLIEST.isoformat()})
    totals = {name: sum(c[name] for c in received.counties.values()) for name in rates.REPORTED_COUNTS}
    fields = {"generated_at": received.generated_at, "received_at": now, "counties": received.counties,
              "totals": totals, "text": received.text, "signature": received.signature}
    actor = Actor(channel="api", source=f"{source} province:{province.code}"[:64], system=False)
    for _attempt in range(2):  # a second sender of the same day racing this one: take the row it made
        try:
            with transaction.atomic():
                kept = Report.objects.select_for_update().filter(province=province, day=received.day).first()
                if kept is None:
                    report, outcome = Report.objects.create(province=province, day=received.day, **fields), "created"
                elif kept.generated_at > received.generated_at:
                    raise reports.Refused(409, _("A newer report of %(day)s is already kept (made %(at)s).") % {
                        "day": received.day, "at": kept.generated_at.isoformat(timespec="seconds")})
                elif kept.generated_at == received.generated_at and kept.text == received.text:
                    return Taken(kept, "unchanged")
                else:
                    for name, value in fields.items():
                        setattr(kept, name, value)
                    kept.save()
                    report, outcome = kept, "replaced"
                record(actor, f"federation.report_{outcome}", report, region_code=province.code,
                       detail={"day": received.day.isoformat(), "received": totals["n_received"]})
                return Taken(report, outcome)
        except IntegrityError:
            continue
    raise reports.Refused(503, _("Another copy of this report is being taken; send it again."))


@dataclass
class ProvinceFigures:
    province: Province
    rates: rates.Rates
    days: int  # days of the period with a report
    last_day: dt.date | None  # the latest day reported, in any period


@dataclass
class National:
    start: dt.date
    end: dt.date
    provinces: list[ProvinceFigures]
    total: rates.Rates


EARLIEST = dt.date(2000, 1, 1)
LONGEST = 366  # days in one period: a year's figures at most (a year is 12 periods of a month, or one of 366 days)


def period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked, by default the 30 days up to yesterday (the last day a province has reported)."""
    today = timezone.localdate()
    end = end or today - dt.timedelta(days=1)
    if not EARLIEST <= end <= today or (start is not None and not EARLIEST <= start <= today):
        raise ValidationError({"start": _("Days from %(first)s to today.") % {"first": EARLIEST.isoformat()}})
    start = start or max(EARLIEST, end - dt.timedelta(days=29))
    if end < start:
        raise ValidationError({"end": _("The period ends on or after its first day.")})
    if (end - start).days >= LONGEST:
        raise ValidationError({"start": _("A period is at most %(n)d days.") % {"n": LONGEST}})
    return start, end


def national(start: dt.date | None, end: dt.date | None) -> National:
    """Each registered province's rates over [start, end] (as `period` gives it), added up from its daily
    reports, and the nation's: the provinces registered now, whose reports are still accepted."""
    start, end = period(start, end)
    sums: dict[int, dict] = {}
    days: dict[int, int] = {}
    for province_id, totals in Report.objects.filter(day__gte=start, day__lte=end, province__active=True).values_list(
            "province_id", "totals").iterator(chunk_size=2000):
        into = sums.setdefault(province_id, dict.fromkeys(rates.REPORTED_COUNTS, 0))
        for name in rates.REPORTED_COUNTS:
            into[name] += int(totals.get(name, 0))
        days[province_id] = days.get(province_id, 0) + 1
    last = dict(Report.objects.values("province_id").annotate(last=Max("day")).values_list("province_id", "last"))
    empty = dict.fromkeys(rates.REPORTED_COUNTS, 0)
    found = [ProvinceFigures(p, rates.from_counts(p.code, p.name, sums.get(p.pk, empty)), days.get(p.pk, 0),
                             last.get(p.pk)) for p in Province.objects.filter(active=True)]
    whole = {name: sum(s[name] for s in sums.values()) for name in rates.REPORTED_COUNTS}
    return National(start, end, found, rates.from_counts("", _("The nation"), whole))


# --- a province's instance --------------------------------------------------------------------------------------


def report(day: dt.date, province: str = "") -> str:
    """The signed report of `day` for this instance's province, as sent."""
    code = _own_province(province)
    return _signed(code, day, rates.county_day_counts(code, day), timezone.now())


def _signed(code: str, day: dt.date, counts: dict, now: dt.datetime) -> str:
    if day >= timezone.localdate(now):
        raise ValidationError({"day": _("A day is reported once it has ended.")})
    return reports.make(code, day, now, counts, signing_key())


def _digest(counts: dict) -> str:
    return hashlib.sha256(json.dumps(counts, sort_keys=True).encode()).hexdigest()


def due(code: str, today: dt.date, always: int = 1) -> list[tuple[dt.date, dict, str]]:
    """The days to report, each with its counts and their digest: the last `always` days whatever they hold, and
    every earlier day within CATCH_UP_DAYS whose counts are not those the national instance last took (a day's
    figures move while its requests are answered, rated or left late; a day it never took, because it was down
    or the network was cut)."""
    first = today - dt.timedelta(days=CATCH_UP_DAYS)
    taken = dict(Sent.objects.filter(day__gte=first, accepted=True).values_list("day", "digest"))
    found = []
    for back in range(CATCH_UP_DAYS, 0, -1):
        day = today - dt.timedelta(days=back)
        counts = rates.county_day_counts(code, day)
        digest = _digest(counts)
        if back <= always or (taken.get(day) != digest and (counts or day in taken)):
            found.append((day, counts, digest))
    return found


def send(actor: Actor, url: str = "", province: str = "", always: int = 1) -> list[Sent]:
    """Send the reports `due` names to the national instance at `url` (CUNWU_NATIONAL_URL by default); each
    day's answer is kept, so a day not taken, or changed since, is sent again next time."""
    base = (url or settings.CUNWU["NATIONAL_URL"] or "").strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValidationError({"url": _("Say where the national instance is (CUNWU_NATIONAL_URL or --to), an "
                                        "http(s) address.")})
    if not 1 <= always <= CATCH_UP_DAYS:
        raise ValidationError({"days": _("Send between 1 and %(n)d days.") % {"n": CATCH_UP_DAYS}})
    code = _own_province(province)
    done = []
    for day, counts, digest in due(code, timezone.localdate(), always):
        generated_at = timezone.now().replace(microsecond=0)
        accepted, answer = _post(f"{base}/api/v1/federation/reports",
                                 _signed(code, day, counts, generated_at).encode())
        sent, _created = Sent.objects.update_or_create(day=day, defaults={
            "generated_at": generated_at, "sent_at": timezone.now(), "accepted": accepted,
            "digest": digest if accepted else "", "answer": answer[:300]})
        done.append(sent)
    record(actor, "federation.reports_sent", region_code=code, detail={
        "to": base, "days": [s.day.isoformat() for s in done], "accepted": sum(s.accepted for s in done)})
    return done


def _post(url: str, body: bytes) -> tuple[bool, str]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310 - an http(s) address, checked
            return True, f"{answer.status} {answer.read(300).decode('utf-8', 'replace')}"
    except urllib.error.HTTPError as refused:  # 409: the national instance keeps a newer report of the day
        return refused.code == 409, f"{refused.code} {refused.read(300).decode('utf-8', 'replace')}"
    except (OSError, urllib.error.URLError) as failed:
        return False, f"unreachable: {failed}"
