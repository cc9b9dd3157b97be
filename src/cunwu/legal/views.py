"""Legal service pages. Public: a village's legal services (adviser, mediation committee, service points,
legal-understanding people) and the knowledge base. Signed in: asking a question (similar answers first), the
adviser's queue, answering and publishing, and the coverage of the network. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.households import intake
from cunwu.households import services as households
from cunwu.regions.models import Region
from cunwu.web.feedback import act_and_return, errors_of

from . import services
from .models import Article, ConsultationState, Topic
from .policies import ANSWER, is_justice


def _village(code: str) -> Region:
    village = Region.objects.village(code)
    if village is None:
        raise permissions.NotFound
    return village


def _asks_as(actor: Actor, village_code: str) -> str:
    for a in permissions.assignments_of(actor.user):
        if a.region_id == village_code and a.role in (Role.VILLAGER, Role.VILLAGE_STAFF):
            return a.role
        if is_justice(a) and village_code.startswith(a.region_id):
            return "justice"
    return ""


def village_page(request, code: str):
    actor = Actor.from_request(request)
    network = services.village_network(actor, code)
    return render(request, "legal/village.html", {
        **network, "path": network["village"].path(), "asks_as": _asks_as(actor, code) if actor.user else "",
    })


@login_required
def ask(request, code: str):
    actor = Actor.from_request(request)
    village = _village(code)
    who = _asks_as(actor, code)
    if not who:
        raise permissions.NotFound
    form = request.POST if request.method == "POST" else {}
    errors: dict = {}
    similar = []
    if request.method == "POST":
        question = form.get("question", "").strip()
        # First the answers already given to questions like it; the villager may still send theirs.
        similar = services.similar(question, code) if question and form.get("send") != "1" else []
        if not similar:
            try:
                made = services.ask(actor, services.ConsultationInput(
                    village=code, question=question, topic=form.get("topic", Topic.OTHER),
                    channel=form.get("channel", ""), asker_name=form.get("asker_name", ""),
                    asker_phone=form.get("asker_phone", ""), resident=form.get("resident") or None))
                messages.success(request, _("Your question is with the legal adviser."))
                return redirect("legal:consultation", consultation_id=made.pk)
            except ValidationError as exc:
                errors = errors_of(exc)
    staff = who == Role.VILLAGE_STAFF
    records = intake.lookup(request, actor, code) if staff else {}
    visit = households.visit_for_form(actor, request.GET.get("visit"), code) if staff else None
    if request.method != "POST" and (records.get("taken") or visit):  # collect once, and a visit's need
        taken = intake.details(records["taken"]) if records.get("taken") else {}
        form = {"asker_name": taken.get("name", ""), "asker_phone": taken.get("phone", ""),
                "question": visit.needs if visit else ""}
    return render(request, "legal/ask.html", {
        **records, "village": village, "who": who, "form": form, "errors": errors, "similar": similar,
        "topics": Topic.choices, "advisers": services.advisers_of(code),
        "ask_channels": [("hotline", _("12348 hotline")), ("visit", _("in person at a service point"))],
    })


@login_required
def consultations(request):
    actor = Actor.from_request(request)
    state = request.GET.get("state", ConsultationState.OPEN)
    queue = services.adviser_queue(actor, state)[:200]
    return render(request, "legal/consultations.html", {
        "queue": queue, "state": state, "mine": services.my_consultations(actor)[:50],
        "states": [(ConsultationState.OPEN, _("To answer")), (ConsultationState.ANSWERED, _("Answered"))],
    })


@login_required
def consultation(request, consultation_id: int):
    actor = Actor.from_request(request)
    found = services.get_consultation(actor, consultation_id)
    may_answer = permissions.can(actor, ANSWER, found)
    return render(request, "legal/consultation.html", {
        "c": found, "may_answer": may_answer and found.state == ConsultationState.OPEN,
        "may_publish": may_answer and found.state == ConsultationState.ANSWERED and not found.article_id,
        "is_asker": actor.user.pk in (found.asker_id, found.submitted_by_id),
    })


def _post(request, consultation_id, action, success):
    return act_and_return(request, action, success,
                          reverse("legal:consultation", kwargs={"consultation_id": consultation_id}))


@require_POST
@login_required
def answer(request, consultation_id: int):
    return _post(request, consultation_id,
                 lambda a: services.answer(a, consultation_id, request.POST.get("answer", "")),
                 _("Answered. The asker is told by text message."))


@require_POST
@login_required
def publish(request, consultation_id: int):
    form = request.POST
    return _post(request, consultation_id, lambda a: services.publish(
        a, consultation_id, form.get("title", ""), form.get("question", ""), form.get("answer", "")),
        _("Published to the knowledge base."))


def knowledge(request):
    q = request.GET.get("q", "").strip()[:200]
    village = request.GET.get("village", "").strip()[:12]
    hits = services.similar(q, village, limit=20) if q else []
    latest = [] if q else permissions.restrict(Article.objects.all(), None)[:20]
    return render(request, "legal/knowledge.html", {"q": q, "village": village, "hits": hits, "latest": latest})


def article(request, article_id: int):
    found = permissions.get_or_404(Article.objects.all(), None, pk=article_id)
    return render(request, "legal/article.html", {"a": found})


@login_required
def coverage(request):
    actor = Actor.from_request(request)
    code = request.GET.get("region", "") or next(
        (a.region_id for a in permissions.assignments_of(actor.user) if a.role != Role.VILLAGER), "")
    region, rows, total = services.coverage(actor, code)
    return render(request, "legal/coverage.html", {"region": region, "path": region.path(), "rows": rows,
                                                    "total": total, "target": services.LUP_TARGET})
