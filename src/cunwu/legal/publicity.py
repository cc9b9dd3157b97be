"""Legal publicity (普法): events with their law, place, date and attendance; legal-art performances with the
troupe and its subsidy; demonstration villages of democracy and the rule of law by level."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.accounts.permissions import VIEW
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.regions.models import Region

from .aid import _amount
from .mediation import RECORDERS, _day, _on_ground
from .models import DemoLevel, DemonstrationVillage, EventKind, Law, PublicityEvent
from .policies import is_justice
from .services import _choice, _region, _text


def record_event(actor: Actor, region_code: str, kind: str, law: str, title: str, place: str, day=None,
                 attendance: int = 0, troupe: str = "", subsidy=0) -> PublicityEvent:
    region = _region(region_code, (3, 4, 5), "region")
    acting = _on_ground(actor, region.code, RECORDERS)
    kind = _choice(kind, EventKind, "kind")
    if not isinstance(attendance, int) or not 1 <= attendance <= 1_000_000:
        raise ValidationError({"attendance": [_("Enter how many people attended (1 or more).")]})
    amount = _amount(subsidy, "subsidy")
    troupe = _text(troupe, "troupe", 120, required=kind == EventKind.PERFORMANCE)
    if amount and kind != EventKind.PERFORMANCE:
        raise ValidationError({"subsidy": [_("Subsidies are paid for legal-art performances only.")]})
    with transaction.atomic():
        event = PublicityEvent.objects.create(
            region=region, county_code=region.code[:6], kind=kind, law=_choice(law, Law, "law"),
            title=_text(title, "title", 200), place=_text(place, "place", 200), day=_day(day, "day"),
            attendance=attendance, troupe=troupe, subsidy=amount, by=actor.user)
        record(acting, "legal.publicity.recorded", event, region_code=region.code,
               detail={"kind": kind, "attendance": attendance})
    return event


def events(actor: Actor, region_code: str = ""):
    queryset = permissions.restrict(PublicityEvent.objects.select_related("region"), actor, VIEW)
    return queryset.filter(permissions.within("region_id", region_code)) if region_code else queryset


def recent_here(actor: Actor, limit: int = 20) -> list:
    """The latest events of the places the actor works in (the recording form's list: their own, not the
    nation's, which are public too)."""
    areas = [a.region_id for a in permissions.assignments_of(actor.user)]
    if not areas:
        return []
    place = Q()
    for code in areas:
        place |= permissions.within("region_id", code)
    return list(events(actor).filter(place).order_by("-day", "-pk")[:limit])


def demonstrations(actor: Actor, region_code: str = ""):
    """Titles in force (public), in a region."""
    queryset = permissions.restrict(DemonstrationVillage.objects.select_related("village"), actor, VIEW)
    if region_code:
        queryset = queryset.filter(permissions.within("village_id", region_code))
    return queryset.order_by("village_id", "level")


def may_name(actor: Actor) -> bool:
    return actor.system or any(is_justice(a) for a in permissions.assignments_of(actor.user))


def villages_to_name(actor: Actor) -> list[tuple[str, str]]:
    """The villages of the counties whose justice bureau the actor works in (for the form's choice)."""
    counties = [a.region_id for a in permissions.assignments_of(actor.user) if is_justice(a)]
    if not counties:
        return []
    place = Q()
    for code in counties:
        place |= permissions.within("code", code)
    return list(Region.objects.active().filter(place, level=5).order_by("code").values_list("code", "name"))


def name_demonstration(actor: Actor, village_code: str, level: str, year: int) -> DemonstrationVillage:
    """Record a village's title as a demonstration village (by the county's justice bureau)."""
    village = _region(village_code, (5,))
    bureau = next((a for a in permissions.assignments_of(actor.user) if is_justice(a)
                   and village.code.startswith(a.region_id)), None)
    if bureau is None and not actor.system:
        raise permissions.NotFound
    level = _choice(level, DemoLevel, "level")
    if not isinstance(year, int) or not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"year": [_("Enter the year the title was given (2000 to this year).")]})
    with transaction.atomic():
        if DemonstrationVillage.objects.filter(village=village, level=level, revoked=False).exists():
            raise ValidationError({"level": [_("The village already holds this title.")]})
        title, _made = DemonstrationVillage.objects.update_or_create(village=village, level=level,
                                                                     defaults={"year": year, "revoked": False})
        record(actor.acting_as(bureau) if bureau else actor, "legal.demonstration.named", title,
               region_code=village.code, detail={"level": level, "year": year})
    return title
