from datetime import datetime

from ninja import Router, Schema

from cunwu.accounts import permissions
from cunwu.audit.context import Actor

from .models import AuditEntry

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str
    region_code: str
    source: str
    channel: str
    result: str


def _out(e: AuditEntry) -> dict:
    return {
        "seq": e.seq, "at": e.at, "actor": e.actor_label, "role": e.role, "action": e.action,
        "object_type": e.object_type, "object_id": e.object_id, "region_code": e.region_code, "source": e.source,
        "channel": e.channel, "result": e.result,
    }


@router.get("", response=list[AuditEntryOut], summary="Audit entries in the caller's jurisdiction (auditors, supervisors)")
def list_entries(request, action: str = "", before: int | None = None, limit: int = 100):
    queryset = permissions.restrict(AuditEntry.objects.all(), Actor.from_request(request, "api"))
    if action:
        queryset = queryset.filter(action=action)
    if before:
        queryset = queryset.filter(seq__lt=before)
    return [_out(e) for e in queryset.order_by("-seq")[: max(1, min(limit, 500))]]


@router.get("/{seq}", response=AuditEntryOut, summary="One audit entry")
def get_entry(request, seq: int):
    return _out(permissions.get_or_404(AuditEntry.objects.all(), Actor.from_request(request, "api"), seq=seq))
