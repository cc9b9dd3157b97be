"""Off-site collaboration of legal aid (异地协作, seed 001; DOMAIN.md "Legal aid"): the county centre handling an
application asks another county's centre to do part of it there. The other county answers within its limit, then
does it within the working days asked; both are supervised like the application's own steps (supervise.py).

Who: the asking county's justice bureau asks and may withdraw; the county asked answers and reports what was done.
Each sees the collaboration; the county asked sees the task written for it, never the application's file."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.accounts.permissions import CHANGE, MANAGE, VIEW
from cunwu.accounts.roles import Role
from cunwu.accounts.services import holders, region_or_error
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.cases import clock
from cunwu.notify import services as notify
from cunwu.text import clean_text

from .models import AidApplication, AidCollaboration, AidState, CollaborationState
from .policies import TRACK

RUNNING = (CollaborationState.ASKED, CollaborationState.ACCEPTED)
OPEN_STATES = (AidState.APPLIED, AidState.AWAITING, AidState.GRANTED, AidState.ASSIGNED, AidState.ACCEPTED)


def _answer_limit() -> clock.Limit:
    return clock.Limit.parse(settings.CUNWU["LEGAL_LIMITS"]["aid_collaboration_answer"])


def _bureau(county_code: str):
    return holders(Role.DEPARTMENT_OFFICER, region_id=county_code, department__kind="justice")


def _tell(row: AidCollaboration, kind: str, step: str, *, helper: bool) -> None:
    """The justice officers of the county asked (`helper`) or of the asking county, at their own county: a text
    is sent only while the person still holds the role there."""
    county = row.helper_id if helper else row.county_code
    notify.tell(_bureau(county), kind, f"aidcollab:{row.pk}:{step}", f"{row.application.number} {row.helper.name}",
                due=row.due_at, link=f"/legal/aid/collaborations/{row.pk}/", region_code=county,
                role=Role.DEPARTMENT_OFFICER)


def ask(actor: Actor, application_id: int, county_code: str, task: str, days: int | str) -> AidCollaboration:
    """The bureau handling the application asks another county's centre to do part of it."""
    if actor.user is None:
        raise permissions.Forbidden(_("Name the officer who asks (--as)."))
    found = permissions.get_or_404(AidApplication.objects.all(), actor, TRACK, pk=application_id)
    acting = permissions.require(actor, MANAGE, found, _("Only the county's justice bureau asks another county."))
    errors: dict[str, list[str]] = {}
    helper = None
    try:
        helper = region_or_error((county_code or "").strip(), "county")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if helper is not None and helper.level != 3:
        errors["county"] = [_("Name a county (six digits), whose legal aid centre is asked.")]
    elif helper is not None and helper.code == found.county_code:
        errors["county"] = [_("Ask another county; this county's centre handles the application itself.")]
    task = clean_text(task, "task", 2000, False)
    if len(task) < 5:
        errors["task"] = [_("Say what the other county is asked to do there (gather evidence, serve papers, …).")]
    text = str(days).strip()
    if not text.isdigit() or not 1 <= int(text) <= 30:
        errors["days"] = [_("Working days to do it: a whole number from 1 to 30.")]
    if errors:
        raise ValidationError(errors)
    assert helper is not None
    now = timezone.now()
    with transaction.atomic():
        application = AidApplication.objects.select_for_update().get(pk=found.pk)
        if application.state not in OPEN_STATES:
            raise permissions.Forbidden(_("The application is no longer open."))
        if application.collaborations.filter(helper=helper, state__in=[CollaborationState.ASKED,
                                                                       CollaborationState.ACCEPTED]).exists():
            raise ValidationError({"county": [_("That county is already asked on this application.")]})
        row = AidCollaboration.objects.create(
            application=application, village=application.village, county_code=application.county_code,
            helper=helper, task=task, days=int(text), asked_by=actor.user, asked_at=now, step_from=now,
            due_at=clock.deadline(now, _answer_limit(), helper.code))
        record(acting, "legal.aid.collaboration_asked", row, region_code=application.village_id,
               detail={"application": application.number, "helper": helper.code, "days": int(text)})
        _tell(row, "aid_collaboration", "asked", helper=True)
    return row


def _load(actor: Actor, row_id: int, action: str, message: str) -> tuple[AidCollaboration, Actor]:
    found = permissions.get_or_404(AidCollaboration.objects.all(), actor, VIEW, pk=row_id)
    acting = permissions.require(actor, action, found, message)
    return (AidCollaboration.objects.select_for_update().select_related("application", "helper").get(pk=found.pk),
            acting)


def _still_open(row: AidCollaboration) -> None:
    if row.application.state not in OPEN_STATES:
        raise permissions.Forbidden(_("The application has ended; the asking county no longer needs this."))


def answer(actor: Actor, row_id: int, accept: bool, reason: str = "") -> AidCollaboration:
    """The county asked accepts (its clock for the work starts) or declines with a reason."""
    reason = clean_text(reason, "reason", 1000, False)
    if not accept and not reason:
        raise ValidationError({"reason": [_("Say why the county cannot help.")]})
    now = timezone.now()
    with transaction.atomic():
        row, acting = _load(actor, row_id, CHANGE, _("Only the justice bureau of the county asked answers."))
        _still_open(row)
        if row.state != CollaborationState.ASKED:
            raise permissions.Forbidden(_("This collaboration was already answered."))
        row.answered_at, row.answered_by = now, actor.user
        row.answered_on_time = row.due_at is None or now <= row.due_at
        if accept:
            row.state, row.step_from = CollaborationState.ACCEPTED, now
            row.due_at = clock.deadline(now, clock.Limit(row.days, clock.Unit.WORKDAYS), row.helper_id)
        else:
            row.state, row.decline_reason, row.due_at = CollaborationState.DECLINED, reason, None
        row.save()
        record(acting, "legal.aid.collaboration_answered", row, region_code=row.village_id,
               detail={"accepted": accept, "on_time": row.answered_on_time})
        _tell(row, "aid_collaboration_answered", row.state, helper=False)
    return row


def report(actor: Actor, row_id: int, result: str) -> AidCollaboration:
    """The county asked reports what it did; the asking bureau and the application's lawyer are told."""
    result = clean_text(result, "result", 4000, False)
    if not result:
        raise ValidationError({"result": [_("Say what was done and where its papers are.")]})
    now = timezone.now()
    with transaction.atomic():
        row, acting = _load(actor, row_id, CHANGE, _("Only the justice bureau of the county asked reports."))
        _still_open(row)
        if row.state != CollaborationState.ACCEPTED:
            raise permissions.Forbidden(_("Only accepted work can be reported done."))
        row.state, row.result, row.done_at = CollaborationState.DONE, result, now
        row.done_on_time, row.due_at = row.due_at is None or now <= row.due_at, None
        row.save()
        record(acting, "legal.aid.collaboration_done", row, region_code=row.village_id,
               detail={"on_time": row.done_on_time})
        _tell(row, "aid_collaboration_done", "done", helper=False)
        if row.application.lawyer is not None:  # the file's lawyer, on the file they work on
            notify.tell([row.application.lawyer], "aid_collaboration_done", f"aidcollab:{row.pk}:done:lawyer",
                        f"{row.application.number} {row.helper.name}", link=f"/legal/aid/{row.application_id}/",
                        region_code=row.village_id)
    return row


def withdraw(actor: Actor, row_id: int, reason: str) -> AidCollaboration:
    """The asking bureau no longer needs it; the county asked is told."""
    reason = clean_text(reason, "reason", 1000, False)
    if not reason:
        raise ValidationError({"reason": [_("Say why it is no longer needed.")]})
    with transaction.atomic():
        row, acting = _load(actor, row_id, MANAGE, _("Only the asking county's justice bureau withdraws it."))
        if row.state not in (CollaborationState.ASKED, CollaborationState.ACCEPTED):
            raise permissions.Forbidden(_("This collaboration has ended."))
        row.state, row.decline_reason, row.due_at = CollaborationState.WITHDRAWN, reason, None
        row.save()
        record(acting, "legal.aid.collaboration_withdrawn", row, region_code=row.village_id)
        _tell(row, "aid_collaboration_answered", "withdrawn", helper=True)
    return row


def visible(actor: Actor, state: str = ""):
    """The collaborations the actor may see: asked by their county or asked of it."""
    rows = permissions.restrict(AidCollaboration.objects.select_related("application", "helper", "village"), actor)
    return rows.filter(state=state) if state else rows


def get(actor: Actor, row_id: int) -> AidCollaboration:
    return permissions.get_or_404(AidCollaboration.objects.select_related("application", "helper", "village"), actor,
                                  VIEW, pk=row_id)


def may(actor: Actor, row: AidCollaboration) -> dict[str, bool]:
    """What the actor may do on it now (the page's buttons; the services check again)."""
    helper = permissions.can(actor, CHANGE, row)
    asker = permissions.can(actor, MANAGE, row)
    return {"answer": helper and row.state == CollaborationState.ASKED,
            "report": helper and row.state == CollaborationState.ACCEPTED,
            "withdraw": asker and row.state in (CollaborationState.ASKED, CollaborationState.ACCEPTED)}


def running():
    """Running steps, for the supervisor (supervise.py)."""
    return AidCollaboration.objects.filter(state__in=RUNNING, due_at__isnull=False,
                                           application__state__in=OPEN_STATES)
