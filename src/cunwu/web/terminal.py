"""The self-service terminal at a village's service point: a kiosk page with large targets and few words, the
most used services step by step, sign-in by phone code, read-aloud on every screen, and an idle wipe (the page
signs out and clears itself; the server ends a terminal's session on its own after the same idle time)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions
from cunwu.accounts.middleware import TERMINAL_COOKIE, terminal_of
from cunwu.accounts.roles import Role
from cunwu.directory import services as directory
from cunwu.notices.services import _village
from cunwu.notices.warnings import current_for

MOST_USED = 8


def home(request, code: str):
    village = _village(code)
    offered = directory.directory_for(code)
    heads = {e.parent_code for e in offered if e.parent_code}  # headings are not applied for
    entries = sorted((e for e in offered if e.code not in heads), key=lambda e: e.position)[:MOST_USED]
    roles = {a.role for a in permissions.assignments_of(request.user) if a.region_id == code}
    return render(request, "web/terminal.html", {
        "village": village, "entries": entries, "warnings": current_for(code), "signed_in": Role.VILLAGER in roles,
        "staff": bool(roles & {Role.VILLAGE_STAFF, Role.GRID_WORKER}),
        "wiped": request.GET.get("wiped") == "1", "is_terminal": terminal_of(request) == code,
        "may_set_up": Role.VILLAGE_STAFF in roles})


def item(request, code: str, item_code: str):
    """Step 1 of 3: what to bring. Step 2 is the form (the case form in terminal mode), step 3 the receipt."""
    village = _village(code)
    entry = directory.entry_for(code, item_code)
    if entry is None or directory.handling_items(code, item_code):
        raise Http404
    form = directory.apply_path(entry, code) + ("" if entry.opens else "&channel=terminal")
    sign_in = f"{reverse('accounts:villager-sign-in')}?{urlencode({'next': form})}"
    return render(request, "web/terminal_item.html", {
        "village": village, "entry": entry, "next": form if request.user.is_authenticated else sign_in})


def set_up(request, code: str):
    """Village staff make this browser the village's terminal (or end terminal mode)."""
    village = _village(code)
    staff = request.user.is_authenticated and any(
        a.role == Role.VILLAGE_STAFF and a.region_id == code for a in permissions.assignments_of(request.user))
    if not staff and not terminal_of(request):
        raise permissions.NotFound
    if request.method == "POST":
        response = redirect("web:terminal", code=code)
        if request.POST.get("on") == "1" and staff:
            response.set_cookie(TERMINAL_COOKIE, code, max_age=10 * 365 * 24 * 3600, samesite="Lax",
                                secure=request.is_secure())
            logout(request)  # the staff member's own session does not stay on the shared device
        elif request.POST.get("on") == "0" and staff:
            response.delete_cookie(TERMINAL_COOKIE)
        return response
    return render(request, "web/terminal_setup.html", {"village": village, "staff": staff,
                                                       "is_terminal": terminal_of(request) == code})


@require_POST
def wipe(request):
    """The idle timer (or the user) ends the visit: signed out, back to the terminal's first screen."""
    logout(request)
    code = terminal_of(request)
    return redirect(f"/terminal/{code}/?wiped=1" if code else "/")


def idle_seconds() -> int:
    return settings.CUNWU["TERMINAL_IDLE_SECONDS"]
