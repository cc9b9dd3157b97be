"""Regions are public reference data (the published statistical division codes): readable without signing in."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema

from cunwu.accounts.permissions import NotFound
from cunwu.dbrouter import replica_reads

from . import codes
from .models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    is_rural: bool | None
    active: bool


def _out(region: Region) -> dict:
    return {
        "code": region.code, "name": region.name, "level": region.level_name, "parent": region.parent_id,
        "is_rural": region.is_rural, "active": region.active,
    }


def _region(code: str) -> Region:
    try:
        codes.level_of(code)
    except codes.InvalidRegionCode as exc:
        raise ValidationError({"code": str(exc)}) from None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound
    return region


@router.get("", response=list[RegionOut], auth=None, summary="Search regions by name")
def search_regions(request, q: str = "", within: str = "", level: str = "", limit: int = 50):
    """Regions whose name contains `q`, inside the region `within` (a code), at `level`, active ones only."""
    with replica_reads():
        return _search(q, within, level, limit)


def _search(q: str, within: str, level: str, limit: int) -> list:
    queryset = Region.objects.active()
    if within:
        queryset = queryset.within(_region(within).code)
    if level:
        if level not in codes.LEVEL_BY_NAME:
            raise ValidationError({"level": _("Unknown level; use province, city, county, township or village.")})
        queryset = queryset.filter(level=codes.LEVEL_BY_NAME[level])
    if q:
        queryset = queryset.filter(name__contains=q.strip()[:50])
    elif not within:
        queryset = queryset.filter(level=codes.LEVEL_BY_NAME.get(level, 1))
    return [_out(r) for r in queryset.order_by("code")[: max(1, min(limit, 200))]]


@router.get("/{code}", response=RegionOut, auth=None, summary="One region by code")
def get_region(request, code: str):
    return _out(_region(code))


@router.get("/{code}/children", response=list[RegionOut], auth=None, summary="The regions directly below one")
def region_children(request, code: str, include_inactive: bool = False):
    parent = _region(code)
    queryset = Region.objects.filter(parent=parent)
    if not include_inactive:
        queryset = queryset.filter(active=True)
    return [_out(r) for r in queryset.order_by("code")]
