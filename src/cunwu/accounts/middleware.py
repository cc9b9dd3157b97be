import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect


class SessionTimeoutMiddleware:
    """Idle timeout for signed-in sessions (the absolute timeout is SESSION_COOKIE_AGE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            idle = int(request.session.get("cunwu_idle_seconds") or settings.CUNWU["SESSION_IDLE_SECONDS"])
            last = request.session.get("cunwu_last_seen", now)
            if now - last > idle:
                logout(request)
                if not request.path.startswith("/api/"):
                    return redirect(f"{settings.LOGIN_URL and '/accounts/sign-in/'}?timeout=1")
            elif now - last > 30 or "cunwu_last_seen" not in request.session:
                request.session["cunwu_last_seen"] = now
        return self.get_response(request)
