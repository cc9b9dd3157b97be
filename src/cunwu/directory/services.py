"""Every write to the directories, and `directory_for`, the read every villager page makes.

A province states full items; a city chooses from the province's published directory and a county from its
city's (or, where the city publishes none, the province's), setting only local details. Publishing a version
re-aligns every directory below it, so a village's list can never hold an item its province dropped or a time
limit longer than the statutory one.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable
from threading import Lock

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.accounts.permissions import CHANGE
from cunwu.accounts.services import region_or_error
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.regions import codes

from . import items
from .choices import Opens, Tier, VersionState
from .models import Directory, DirectoryEntry, DirectoryVersion

# --- reading ----------------------------------------------------------------------------------------------

_CACHE_SIZE = 4096
_published: OrderedDict[tuple, tuple[DirectoryEntry, ...]] = OrderedDict()
_published_lock = Lock()


def _published_entries(key: tuple) -> tuple[DirectoryEntry, ...]:
    """Entries of a published version, keyed by (id, publication time); safe to cache forever because published
    versions never change (the time guards against an id reused after a rolled-back transaction)."""
    with _published_lock:
        found = _published.get(key)
        if found is not None:
            _published.move_to_end(key)
            return found
    found = tuple(DirectoryEntry.objects.filter(version_id=key[0]).order_by("position", "code"))
    with _published_lock:
        _published[key] = found
        while len(_published) > _CACHE_SIZE:
            _published.popitem(last=False)
    return found


def county_code_of(village_code: str) -> str:
    return village_code[:6]


_CURRENT_SQL = None


def _current_key(region_code: str) -> tuple | None:
    """(version id, publication time) of the region's directory in force. Plain SQL: this runs on every page a
    villager opens, and composing the ORM query cost more than running it."""
    global _CURRENT_SQL
    if _CURRENT_SQL is None:
        _CURRENT_SQL = (f"SELECT v.id, v.published_at FROM {Directory._meta.db_table} d "
                        f"JOIN {DirectoryVersion._meta.db_table} v ON v.id = d.current_id WHERE d.region_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT_SQL, [region_code])
        row = cursor.fetchone()
    if row is None:
        return None
    published_at = row[1]
    if isinstance(published_at, str):  # SQLite without converters
        published_at = dt.datetime.fromisoformat(published_at)
    return row[0], published_at


def directory_for(village_code: str, on: dt.date | None = None) -> list[DirectoryEntry]:
    """The items a village offers today: its county's published basic directory, in force on `on`."""
    return published_directory(village_code, on)[1]


def published_directory(village_code: str, on: dt.date | None = None) -> tuple[str, list[DirectoryEntry]]:
    """`directory_for` with a key naming the list as published now (it changes with every publication and
    every day, so pages rendered from the list can be cached under it)."""
    key = _current_key(county_code_of(village_code))
    if key is None:
        return "none", []
    on = on or timezone.localdate()
    entries = [e for e in _published_entries(key)
               if e.effective_from <= on and (e.cancelled_on is None or e.cancelled_on > on)]
    return f"{key[0]}-{key[1].timestamp():.6f}-{on.isoformat()}", entries


def entry_for(village_code: str, code: str) -> DirectoryEntry | None:
    return next((e for e in directory_for(village_code) if e.code == code), None)


def handling_items(village_code: str, code: str) -> list[DirectoryEntry]:
    """The items that belong to an item of the village's directory (empty: it is applied for itself)."""
    return [e for e in directory_for(village_code) if e.parent_code == code]


def apply_path(entry: DirectoryEntry, village_code: str) -> str:
    """Where a villager applies for an item: the village's request form, or the legal file the item opens."""
    from django.urls import reverse

    names: dict[str, str] = {Opens.LEGAL_AID: "legal:aid_new", Opens.MEDIATION: "legal:mediation_apply"}
    name = names.get(entry.opens)
    if name:
        return f"{reverse(name)}?village={village_code}"
    return f"{reverse('cases:new')}?village={village_code}&item={entry.code}"


def directory_of(region_code: str) -> Directory | None:
    return Directory.objects.filter(region_id=region_code).select_related("region", "current").first()


def parent_directory(directory: Directory) -> Directory | None:
    """The nearest directory above with a published version (a county whose city publishes none takes the
    province's)."""
    above = [c for c in codes.ancestors(directory.region_id) if c != directory.region_id]
    found = {d.region_id: d for d in Directory.objects.filter(region_id__in=above, current__isnull=False)}
    for code in reversed(above):
        if code in found:
            return found[code]
    return None


def _parent_entries(directory: Directory) -> dict[str, DirectoryEntry]:
    parent = parent_directory(directory)
    if parent is None:
        raise ValidationError(_("No directory above %(region)s has been published yet; there is nothing to choose "
                                "from.") % {"region": directory.region.name})
    return {e.code: e for e in DirectoryEntry.objects.filter(version_id=parent.current_id)}


# --- drafts ------------------------------------------------------------------------------------------------


def _directory_for_change(actor: Actor, region_code: str) -> tuple[Directory, Actor]:
    region = region_or_error(region_code)
    if region.level > Tier.COUNTY:
        raise ValidationError({"region": _("Only a province, a city or a county publishes a service directory.")})
    directory, _created = Directory.objects.get_or_create(region=region, defaults={"tier": region.level})
    acting = permissions.require(actor, CHANGE, directory,
                                 _("Only the administrator of %(region)s edits its directory.") % {"region": region.name})
    return Directory.objects.select_for_update().select_related("region").get(pk=directory.pk), acting


def _draft(directory: Directory) -> DirectoryVersion:
    draft = directory.versions.filter(state=VersionState.DRAFT).first()
    if draft is not None:
        return draft
    last = directory.versions.order_by("-number").values_list("number", flat=True).first() or 0
    draft = DirectoryVersion.objects.create(directory=directory, number=last + 1)
    if directory.current_id:
        DirectoryEntry.objects.bulk_create([
            _copy(entry, draft) for entry in DirectoryEntry.objects.filter(version_id=directory.current_id)
        ])
    return draft


def _copy(entry: DirectoryEntry, version: DirectoryVersion) -> DirectoryEntry:
    return DirectoryEntry(version=version, overrides=dict(entry.overrides), position=entry.position,
                          **items.values_of(entry))


def open_draft(actor: Actor, region_code: str) -> DirectoryVersion:
    with transaction.atomic():
        directory, acting = _directory_for_change(actor, region_code)
        existed = directory.versions.filter(state=VersionState.DRAFT).exists()
        draft = _draft(directory)
        if not existed:
            record(acting, "directory.draft_opened", draft, region_code=directory.region_id,
                   detail={"number": draft.number})
        return draft


def _check_version(draft: DirectoryVersion, version_number: int | None) -> None:
    if version_number is not None and version_number != draft.number:
        raise ValidationError(_("Version %(n)s is published and cannot be edited; changes go into the draft "
                                "(version %(d)s).") % {"n": version_number, "d": draft.number})


def save_item(actor: Actor, region_code: str, data: dict, version_number: int | None = None) -> DirectoryEntry:
    """Add or change one item in the region's draft. A province states the whole item; a city or county states
    only its local details for an item its parent publishes."""
    with transaction.atomic():
        directory, acting = _directory_for_change(actor, region_code)
        draft = _draft(directory)
        _check_version(draft, version_number)
        entry = _put(directory, draft, data)
        record(acting, "directory.item_saved", entry, region_code=directory.region_id,
               detail={"code": entry.code, "version": draft.number})
        return entry


def _put(directory: Directory, draft: DirectoryVersion, data: dict,
         parent_entries: dict[str, DirectoryEntry] | None = None) -> DirectoryEntry:
    code = items._text(data.get("code"))
    existing = draft.entries.filter(code=code).first()
    if directory.tier == Tier.PROVINCE:
        values = items.clean_item(data)
        overrides: dict = {}
    else:
        if parent_entries is None:
            parent_entries = _parent_entries(directory)
        parent = parent_entries.get(code)
        if parent is None:
            raise ValidationError({"code": _("%(code)s is not in the directory above; a city or county chooses only "
                                             "from its parent's list.") % {"code": code or "?"}})
        overrides = items.clean_local(data, items.values_of(parent))
        values = items.resolve(items.values_of(parent), overrides)
    if existing is None:
        position = (draft.entries.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        if directory.tier != Tier.PROVINCE and parent_entries:
            position = parent_entries[code].position
        return DirectoryEntry.objects.create(version=draft, overrides=overrides, position=position, **values)
    for field, value in values.items():
        setattr(existing, field, value)
    existing.overrides = overrides
    existing.save()
    return existing


def choose_items(actor: Actor, region_code: str, item_codes: Iterable[str]) -> list[DirectoryEntry]:
    """A city or county takes items from its parent's published directory into its draft, unchanged."""
    with transaction.atomic():
        directory, acting = _directory_for_change(actor, region_code)
        if directory.tier == Tier.PROVINCE:
            raise ValidationError(_("A province states its items; it does not choose them from a list above."))
        draft = _draft(directory)
        parent_entries = _parent_entries(directory)
        wanted = list(dict.fromkeys(c.strip() for c in item_codes if c and c.strip()))
        for code in list(wanted):  # the items a chosen one belongs to come with it (main item, sub-item)
            at = parent_entries[code].parent_code if code in parent_entries else ""
            while at and at not in wanted and at in parent_entries:
                wanted.append(at)
                at = parent_entries[at].parent_code
        unknown = [c for c in wanted if c not in parent_entries]
        if unknown:
            raise ValidationError({"code": _("Not in the directory above (a city or county may not widen its parent's "
                                             "list): %(codes)s.") % {"codes": ", ".join(unknown)}})
        have = set(draft.entries.values_list("code", flat=True))
        chosen = [_put(directory, draft, {"code": c}, parent_entries) for c in wanted if c not in have]
        record(acting, "directory.items_chosen", draft, region_code=directory.region_id,
               detail={"codes": [e.code for e in chosen], "version": draft.number})
        return chosen


def remove_items(actor: Actor, region_code: str, item_codes: Iterable[str], version_number: int | None = None) -> int:
    with transaction.atomic():
        directory, acting = _directory_for_change(actor, region_code)
        draft = _draft(directory)
        _check_version(draft, version_number)
        wanted = [c.strip() for c in item_codes if c and c.strip()]
        missing = sorted(set(wanted) - set(draft.entries.filter(code__in=wanted).values_list("code", flat=True)))
        if missing:
            raise ValidationError({"code": _("Not in the draft: %(codes)s.") % {"codes": ", ".join(missing)}})
        removed, _detail = draft.entries.filter(code__in=wanted).delete()
        record(acting, "directory.items_removed", draft, region_code=directory.region_id,
               detail={"codes": wanted, "version": draft.number})
        return removed


# --- publishing --------------------------------------------------------------------------------------------


def publish(actor: Actor, region_code: str, note: str = "") -> DirectoryVersion:
    """Publish the draft as a dated version; every directory below re-aligns with it in the same transaction."""
    with transaction.atomic():
        directory, acting = _directory_for_change(actor, region_code)
        draft = directory.versions.filter(state=VersionState.DRAFT).first()
        if draft is None:
            raise ValidationError(_("There is no draft to publish; open one and edit it first."))
        entries = list(draft.entries.all())
        if not entries:
            raise ValidationError(_("A directory needs at least one item before it is published."))
        problems = items.tree_problems(entries)
        if problems:
            raise ValidationError({"parent_code": problems})
        parent_version_id = None
        if directory.tier != Tier.PROVINCE:
            parent = parent_directory(directory)
            if parent is None:
                raise ValidationError(_("The directory above has not been published yet."))
            parent_entries = {e.code: e for e in DirectoryEntry.objects.filter(version_id=parent.current_id)}
            gone = sorted(e.code for e in entries if e.code not in parent_entries)
            if gone:
                raise ValidationError(_("These items are no longer in the directory above: %(codes)s.")
                                      % {"codes": ", ".join(gone)})
            # The parent may have published since this draft was last aligned (a directory never published is
            # not re-aligned with the others): inherit and clamp against the parent as it is now.
            _align_draft(draft, parent_entries)
            parent_version_id = parent.current_id
        else:
            _number_item_versions(directory, entries)
        _make_current(directory, draft, acting, note, parent_version_id)
        record(acting, "directory.published", draft, region_code=directory.region_id,
               detail={"number": draft.number, "items": len(entries), "note": note[:300]})
        _align_below(directory)
        return draft


def _number_item_versions(directory: Directory, entries: list[DirectoryEntry]) -> None:
    """An item's version goes up when the province changes any of its fields."""
    previous = {e.code: e for e in DirectoryEntry.objects.filter(version_id=directory.current_id)} \
        if directory.current_id else {}
    for entry in entries:
        before = previous.get(entry.code)
        if before is None:
            continue
        changed = any(getattr(entry, f) != getattr(before, f) for f in items.ITEM_FIELDS if f != "item_version")
        entry.item_version = before.item_version + 1 if changed else before.item_version
        entry.save(update_fields=["item_version"])


def _make_current(directory: Directory, version: DirectoryVersion, actor: Actor, note: str,
                  parent_version_id: int | None) -> None:
    if directory.current_id:
        DirectoryVersion.objects.filter(pk=directory.current_id).update(state=VersionState.SUPERSEDED)
    version.state = VersionState.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor.user
    version.published_label = actor.label
    version.note = note[:300]
    version.parent_version_id = parent_version_id
    version.save()
    directory.current = version
    directory.save(update_fields=["current"])


def _align_below(directory: Directory) -> None:
    """Re-derive every published directory below from its parent's current version: items the parent dropped
    go, inherited fields follow the parent, local limits are clamped. A changed directory gets a new version."""
    lo, hi = codes.code_range(directory.region_id)
    below = (Directory.objects.select_for_update().select_related("region")
             .filter(current__isnull=False, region_id__gte=lo, region_id__lt=hi, tier__gt=directory.tier)
             .order_by("tier", "region_id"))
    system = Actor.worker()
    for child in below:
        parent = parent_directory(child)
        if parent is None:
            continue
        parent_entries = {e.code: e for e in DirectoryEntry.objects.filter(version_id=parent.current_id)}
        current = list(DirectoryEntry.objects.filter(version_id=child.current_id))
        aligned, dropped, changed = _aligned(current, parent_entries)
        draft = child.versions.filter(state=VersionState.DRAFT).first()
        if draft is not None:
            _align_draft(draft, parent_entries)
        if not dropped and not changed:
            continue
        number = (child.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        if draft is not None:  # the aligned version takes the draft's number; the draft moves after it
            number, draft.number = draft.number, number
            draft.save(update_fields=["number"])
        version = DirectoryVersion.objects.create(directory=child, number=number, state=VersionState.PUBLISHED)
        DirectoryEntry.objects.bulk_create([
            DirectoryEntry(version=version, overrides=e.overrides, position=e.position, **values)
            for e, values in aligned
        ])
        note = _("Aligned with %(parent)s version %(n)s") % {"parent": parent.region.name,
                                                             "n": parent.current.number if parent.current else ""}
        _make_current(child, version, system, note, parent.current_id)
        record(system, "directory.aligned", version, region_code=child.region_id,
               detail={"number": version.number, "dropped": dropped, "changed": changed})


def _aligned(entries: list[DirectoryEntry], parent_entries: dict[str, DirectoryEntry]):
    aligned, dropped, changed = [], [], []
    for entry in entries:
        parent = parent_entries.get(entry.code)
        if parent is None:
            dropped.append(entry.code)
            continue
        values = items.resolve(items.values_of(parent), entry.overrides)
        if values != items.values_of(entry):
            changed.append(entry.code)
        aligned.append((entry, values))
    return aligned, dropped, changed


def _align_draft(draft: DirectoryVersion, parent_entries: dict[str, DirectoryEntry]) -> None:
    entries = list(draft.entries.all())
    aligned, dropped, _changed = _aligned(entries, parent_entries)
    draft.entries.filter(code__in=dropped).delete()
    for entry, values in aligned:
        for field, value in values.items():
            setattr(entry, field, value)
        entry.save()
