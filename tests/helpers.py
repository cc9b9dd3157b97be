"""Test helpers: people in places, in one line each."""

from cunwu.accounts import services
from cunwu.accounts.models import User
from cunwu.accounts.personal_data import id_check_char
from cunwu.audit.context import Actor

LISHU = "220322"
TOWN_A = "220322100"  # 梨树镇
TOWN_B = "220322101"
VILLAGE_A1 = "220322100201"
VILLAGE_A2 = "220322100202"
VILLAGE_B1 = "220322101200"
OTHER_COUNTY = "220323"  # 伊通满族自治县
OTHER_COUNTY_TOWN = "220323001"
OTHER_COUNTY_VILLAGE = "220323001200"
CITY = "2203"
PROVINCE = "22"
PASSWORD = "Long-enough-pass-42"

_counter = {"n": 0}


def id_number(prefix: str = "220322", birth: str = "19600101", serial: int | None = None) -> str:
    if serial is None:
        _counter["n"] += 1
        serial = _counter["n"] % 1000
    first17 = f"{prefix}{birth}{serial:03d}"
    return first17 + id_check_char(first17)


def person(role: str, region: str, username: str | None = None, department: str | None = None,
           national_id: str = "", phone: str = "") -> User:
    _counter["n"] += 1
    official = role != "villager"
    username = username or (f"{role}-{region}-{_counter['n']}" if official else "")
    return services.create_user(
        Actor.console(),
        services.PersonInput(username, f"{role} {_counter['n']}", phone, national_id, PASSWORD if official else ""),
        role, region, department,
    )


def actor(user) -> Actor:
    return Actor(user=user, channel="web", source="127.0.0.1")


def texts(**filters):
    """The texts sent so far, after the worker has delivered everything due within a month (so texts held for
    working hours leave too), as the outbox holds them."""
    import datetime as dt

    from django.utils import timezone

    from cunwu.accounts.models import OutboxMessage
    from cunwu.notify.services import deliver_due

    deliver_due(timezone.now() + dt.timedelta(days=30))
    return OutboxMessage.objects.filter(**filters)


class Clock:
    """timezone.now, moved by the test (`clock.now = ...`)."""

    def __init__(self, monkeypatch, start):
        from django.utils import timezone

        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)


def at(*args):
    """A moment in China's time zone: at(2026, 11, 4, 10, 0)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def _tiny_png() -> bytes:
    """A real 4×4 photo, written as the platform itself writes photos again (so a stored copy is the same bytes)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG", optimize=True)
    return out.getvalue()


PNG = _tiny_png()


def _blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()


def together(*targets, timeout: float = 30) -> None:
    """Run each function in a thread of its own, all at once, and wait for them (two writers racing)."""
    import threading

    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
