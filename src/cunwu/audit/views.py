from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from cunwu.accounts import permissions
from cunwu.audit.context import Actor

from .models import AuditEntry


@login_required
def entries(request):
    actor = Actor.from_request(request)
    queryset = permissions.restrict(AuditEntry.objects.all(), actor).order_by("-seq")
    if not queryset.exists() and not any(a.role in ("auditor", "supervisor") for a in permissions.assignments_of(request.user)):
        raise Http404
    action = request.GET.get("action", "").strip()[:64]
    if action:
        queryset = queryset.filter(action=action)
    page = Paginator(queryset, 100).get_page(request.GET.get("page"))
    return render(request, "audit/entries.html", {"page": page, "action": action})


@login_required
def entry(request, seq: int):
    try:
        found = permissions.get_or_404(AuditEntry.objects.all(), Actor.from_request(request), seq=seq)
    except permissions.NotFound:
        raise Http404 from None
    return render(request, "audit/entry.html", {"e": found})
