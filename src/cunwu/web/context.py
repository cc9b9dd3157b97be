from django.conf import settings

from cunwu.accounts.middleware import terminal_of
from cunwu.accounts.permissions import assignments_of
from cunwu.dbrouter import served_from_replica


def platform(request):
    terminal = terminal_of(request)
    shared = {"elder": bool(terminal) or request.COOKIES.get("cunwu_elder") == "1", "terminal": terminal,
              "terminal_place": _place_name(terminal) if terminal else "",
              "terminal_idle": settings.CUNWU["TERMINAL_IDLE_SECONDS"],
              "demo_mode": bool(settings.CUNWU.get("DEMO_MODE")), "replica_lag": served_from_replica()}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_assignments": [], **shared}
    from cunwu.notify.services import unread_count

    return {"my_assignments": assignments_of(user), "unread_notifications": unread_count(user), **shared}


def _place_name(code: str) -> str:
    """The terminal's village, named in its header."""
    from cunwu.regions.models import Region

    return Region.objects.filter(code=code).values_list("name", flat=True).first() or ""
