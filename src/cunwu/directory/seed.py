"""Seed the three tiers for Jilin: the provincial reference directory, Siping's guidance directory and
Lishu County's basic directory (used by `cunwu directory seed`, `cunwu demo` and the tests)."""

from __future__ import annotations

from django.db import transaction

from cunwu.audit.context import Actor
from cunwu.regions.models import Region

from . import services
from .data import jilin
from .models import Directory

PROVINCE, CITY, COUNTY = "22", "2203", "220322"


def seed_province(actor: Actor, region_code: str = PROVINCE) -> None:
    with transaction.atomic():
        for item in jilin.ITEMS:
            services.save_item(actor, region_code, item)
        services.publish(actor, region_code, "吉林省村级组织协助政务服务省级参考目录")


def seed_city(actor: Actor, region_code: str = CITY, leave_out=frozenset(jilin.SIPING_LEAVES_OUT)) -> None:
    with transaction.atomic():
        codes = [i["code"] for i in jilin.ITEMS if i["code"] not in leave_out]
        services.choose_items(actor, region_code, codes)
        services.publish(actor, region_code, "市级指导目录")


def seed_county(actor: Actor, region_code: str = COUNTY, details: dict | None = None, contact: dict | None = None,
                note: str = "县级基本目录") -> None:
    details = jilin.LISHU_DETAILS if details is None else details
    contact = jilin.LISHU_CONTACT if contact is None else contact
    with transaction.atomic():
        directory = Directory.objects.get_or_create(region_id=region_code, defaults={"tier": 3})[0]
        parent = services.parent_directory(directory)
        codes = list(services.DirectoryEntry.objects.filter(version_id=parent.current_id).values_list("code", flat=True))
        services.choose_items(actor, region_code, codes)
        for code in codes:
            local = {**contact, **details.get(code, {})}
            if local:
                services.save_item(actor, region_code, {"code": code, **local})
        services.publish(actor, region_code, note)


def seed_jilin(actor: Actor | None = None, *, all_counties: bool = False) -> int:
    """Province, Siping and Lishu; with `all_counties`, every county of Jilin gets a basic directory too (the
    benchmark's setting). Returns the number of directories published."""
    actor = actor or Actor.console()
    published = 0
    if not Directory.objects.filter(region_id=PROVINCE, current__isnull=False).exists():
        seed_province(actor)
        published += 1
    if Region.objects.filter(code=CITY).exists() and not Directory.objects.filter(
            region_id=CITY, current__isnull=False).exists():
        seed_city(actor)
        published += 1
    counties = [COUNTY]
    if all_counties:
        counties = list(Region.objects.active().within(PROVINCE).filter(level=3).values_list("code", flat=True))
    for code in counties:
        if Region.objects.filter(code=code).exists() and not Directory.objects.filter(
                region_id=code, current__isnull=False).exists():
            seed_county(actor, code, details=None if code == COUNTY else {}, contact=None if code == COUNTY else {})
            published += 1
    return published
