import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect


class SessionTimeoutMiddleware:
    """Idle timeout for signed-in sessions (the absolute timeout is SESSION_COOKIE_AGE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        terminal = terminal_of(request)
        if request.user.is_authenticated:
            now = int(time.time())
            idle = int(request.session.get("cunwu_idle_seconds") or settings.CUNWU["SESSION_IDLE_SECONDS"])
            if terminal:  # a shared self-service terminal: the next person must find nothing of the last
                idle = min(idle, settings.CUNWU["TERMINAL_IDLE_SECONDS"])
            last = request.session.get("cunwu_last_seen", now)
            if now - last > idle:
                logout(request)
                if terminal:
                    return redirect(f"/terminal/{terminal}/?wiped=1")
                if not request.path.startswith("/api/"):
                    return redirect(f"{settings.LOGIN_URL and '/accounts/sign-in/'}?timeout=1")
            elif now - last > (5 if terminal else 30) or "cunwu_last_seen" not in request.session:
                request.session["cunwu_last_seen"] = now
        response = self.get_response(request)
        if terminal:
            response["Cache-Control"] = "no-store"  # the back button shows nothing of the last person
        return response


TERMINAL_COOKIE = "cunwu_terminal"


def terminal_of(request) -> str:
    """The village code of the self-service terminal this browser was set up as, if any."""
    code = request.COOKIES.get(TERMINAL_COOKIE, "")
    return code if len(code) == 12 and code.isdigit() else ""
