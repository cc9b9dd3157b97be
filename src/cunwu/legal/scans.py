"""Scans and photos on legal-aid and mediation files, checked and stored as the cases' attachments are
(cunwu.uploads): photos or PDF scans only, size and count limits, contents sniffed.

Who adds them: on a legal-aid file the applicant, the assigned lawyer and the justice bureau; on a mediation file
its mediators and the bureau. Who reads them: whoever may read the file (VIEW), each read audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.accounts.permissions import CHANGE, MANAGE, VIEW
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.uploads import Upload, check_uploads, save_upload

from .models import AidApplication, MediationCase, Scan
from .policies import OBJECT, TRACK
from .services import _text

KINDS: dict[str, type[AidApplication] | type[MediationCase]] = {"aid": AidApplication, "mediation": MediationCase}


def _adders(found) -> tuple[str, ...]:
    return (OBJECT, CHANGE, MANAGE) if isinstance(found, AidApplication) else (CHANGE,)


def may_add(actor: Actor, found) -> bool:
    return any(permissions.can(actor, action, found) for action in _adders(found))


def _may_add(actor: Actor, found) -> Actor:
    *own, last = _adders(found)  # the applicant or the lawyer act as themselves; else the bureau's grant
    if any(permissions.can(actor, action, found) for action in own):
        return actor
    return permissions.require(actor, last, found, _("Only the people handling this file add scans to it."))


def add(actor: Actor, kind: str, pk: int, files: list[Upload], what: str) -> list[Scan]:
    model = KINDS.get(kind)
    if model is None:
        raise permissions.NotFound
    what = _text(what, "what", 200)
    with transaction.atomic():
        found = permissions.get_or_404(model.objects.all(), actor, TRACK, pk=pk)
        acting = _may_add(actor, found)
        locked = model.objects.select_for_update().get(pk=found.pk)
        checked = check_uploads(files, already=locked.scans.count())
        if not checked:
            raise ValidationError({"files": [_("Choose at least one file.")]})
        number = locked.number or f"{kind}-{locked.pk}"
        made = [save_upload(Scan(**{kind: locked}, what=what), number, upload, mime, actor.user)
                for upload, mime in checked]
        record(acting, f"legal.{kind}.scans_added", locked, region_code=locked.village_id,
               detail={"scans": [s.pk for s in made], "what": what})
    return made


def read(actor: Actor, scan_id: int) -> Scan:
    scan = Scan.objects.filter(pk=scan_id).first()
    if scan is None:
        raise permissions.NotFound
    kind = "aid" if scan.aid_id else "mediation"
    parent = permissions.get_or_404(KINDS[kind].objects.all(), actor, VIEW, pk=scan.aid_id or scan.mediation_id)
    record(actor, f"legal.{kind}.scan_read", parent, region_code=parent.village_id, detail={"scan": scan.pk})
    return scan
