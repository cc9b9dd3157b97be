"""Directory pages: each village's public list of services, and the editors' pages for a tier's directory."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions
from cunwu.audit.context import Actor
from cunwu.notices.services import contacts as village_contacts
from cunwu.notices.warnings import current_for as current_warnings
from cunwu.regions.models import Region
from cunwu.web.feedback import errors_of

from . import items, services, spreadsheets
from .choices import HandlingMode, Tier, VersionState
from .items import LOCAL_FIELDS
from .models import Directory, DirectoryEntry, DirectoryVersion

# Words villagers say for what the items call by their formal names.
SEARCH_ALIASES = {
    "低保": "最低生活保障", "五保": "特困", "医保": "医疗", "社保": "社会保", "养老金": "养老保险", "身份证": "居民身份证",
    "户口": "户", "残疾证": "残疾人证", "打官司": "法律", "纠纷": "调解",
}


def _village(code: str) -> Region:
    village = Region.objects.village(code)
    if village is None:
        raise Http404
    return village



def village_page(request, code: str):
    """The village's public page (村务公开): who to contact and the services and procedures it offers."""
    village = _village(code)
    entries = services.directory_for(code)
    version = DirectoryVersion.objects.filter(pk=entries[0].version_id).first() if entries else None
    contacts = village_contacts(code)
    return render(request, "directory/village.html", {
        "village": village, "path": village.path(), "entries": entries, "version": version, "contacts": contacts,
        "domains": _by_domain(entries)[:8], "warnings": current_warnings(code),
    })


def _by_domain(entries):
    """Groups in the order the directory lists its items (the province puts the most asked-for first)."""
    first = {}
    for e in entries:
        first.setdefault(e.domain, e.position)
    ordered = sorted(entries, key=lambda e: (first[e.domain], e.position))
    return [(domain or _("Other services"), list(group)) for domain, group in groupby(ordered, key=lambda e: e.domain)]


@dataclass
class _Listed:
    """An item on the village's list, with what belongs to it: [(sub-item, [handling items])]."""

    e: DirectoryEntry
    below: list

    @property
    def domain(self) -> str:
        return self.e.domain

    @property
    def position(self) -> int:
        return self.e.position


def village_services(request, code: str):
    village = _village(code)
    q = request.GET.get("q", "").strip()[:40]
    version_key, entries = services.published_directory(code)
    heads = items.groups(entries)
    if q:  # what matches, each item on its own (a heading only names what belongs to it)
        words = {q, SEARCH_ALIASES.get(q, q)}
        entries = [e for e in entries if e.code not in heads and any(w in e.name or w in e.domain for w in words)]
        shown = [_Listed(e, []) for e in entries]
    else:  # a main item with what belongs to it beneath
        present = {e.code for e in entries}
        below: dict[str, list] = {}
        for e in entries:
            if e.parent_code in present:
                below.setdefault(e.parent_code, []).append(e)
        shown = [_Listed(e, [(c, below.get(c.code, [])) for c in below.get(e.code, [])])
                 for e in entries if e.parent_code not in present]
    return render(request, "directory/village_services.html", {
        "village": village, "path": village.path(), "groups": _by_domain(shown), "q": q,
        "count": len([e for e in entries if e.code not in heads]), "version_key": version_key,
    })


def village_service(request, code: str, item: str):
    village = _village(code)
    entry = services.entry_for(code, item)
    if entry is None:
        raise Http404
    version = DirectoryVersion.objects.select_related("directory__region").get(pk=entry.version_id)
    return render(request, "directory/village_service.html", {
        "village": village, "path": village.path(), "e": entry, "version": version,
        "modes": [(m, str(HandlingMode(m).label)) for m in entry.handling_modes],
        "apply": services.apply_path(entry, village.code),
        "below": services.handling_items(code, entry.code),
        "above": services.entry_for(code, entry.parent_code) if entry.parent_code else None,
    })


# --- editors ---------------------------------------------------------------------------------------------------


@login_required
def manage(request, region: str):
    actor = Actor.from_request(request)
    place = Region.objects.filter(code=region, level__lte=3).first()
    if place is None:
        raise Http404
    directory = Directory.objects.filter(region=place).select_related("current").first()
    if directory is None:
        directory = Directory(region=place, tier=place.level)
    can_edit = bool(directory.pk and permissions.can(actor, permissions.CHANGE, directory)) or (
        not directory.pk and any(a.region_id == region and a.role in ("county_admin", "city_admin", "province_admin")
                                 for a in permissions.assignments_of(request.user)))
    versions = []
    draft = None
    if directory.pk:
        versions = list(permissions.restrict(DirectoryVersion.objects.filter(directory=directory), actor))
        draft = next((v for v in versions if v.state == VersionState.DRAFT), None)
    shown = draft if (draft and request.GET.get("show") != "current") else directory.current if directory.pk else None
    entries = list(shown.entries.all()) if shown else []
    available = []
    if draft and directory.tier != Tier.PROVINCE:
        parent = services.parent_directory(directory)
        have = {e.code for e in entries}
        if parent:
            available = [e for e in DirectoryEntry.objects.filter(version_id=parent.current_id) if e.code not in have]
    return render(request, "directory/manage.html", {
        "place": place, "directory": directory, "versions": versions, "draft": draft, "shown": shown,
        "entries": entries, "available": available, "can_edit": can_edit, "tier_label": Tier(place.level).label,
        "parent": services.parent_directory(directory) if directory.pk else None,
    })


def _back(region: str):
    return redirect("directory:manage", region=region)


def _run(request, region: str, action, success: str):
    try:
        action()
        messages.success(request, success)
    except ValidationError as exc:
        for field_messages in errors_of(exc).values():
            for message in field_messages:
                messages.error(request, message)
    return _back(region)


@require_POST
@login_required
def open_draft(request, region: str):
    return _run(request, region, lambda: services.open_draft(Actor.from_request(request), region),
                _("A draft is open; changes go into it until you publish."))


@require_POST
@login_required
def choose(request, region: str):
    chosen = request.POST.getlist("code")
    return _run(request, region, lambda: services.choose_items(Actor.from_request(request), region, chosen),
                _("%(n)s items added to the draft.") % {"n": len(chosen)})


@require_POST
@login_required
def remove(request, region: str):
    code = request.POST.get("code", "")
    return _run(request, region, lambda: services.remove_items(Actor.from_request(request), region, [code]),
                _("Item %(code)s removed from the draft.") % {"code": code})


@require_POST
@login_required
def publish(request, region: str):
    note = request.POST.get("note", "")
    return _run(request, region, lambda: services.publish(Actor.from_request(request), region, note),
                _("Published. Villages see the new version now."))


@login_required
def edit_entry(request, region: str, code: str):
    actor = Actor.from_request(request)
    directory = permissions.get_or_404(Directory.objects.select_related("region"), actor, region_id=region)
    draft = permissions.get_or_404(DirectoryVersion.objects.filter(directory=directory), actor,
                                   permissions.CHANGE, state=VersionState.DRAFT)
    entry = draft.entries.filter(code=code).first()
    if entry is None:
        raise Http404
    errors: dict = {}
    if request.method == "POST":
        data = {f: request.POST.get(f, "") for f in LOCAL_FIELDS if f != "handling_modes"}
        data["handling_modes"] = request.POST.getlist("handling_modes")
        if directory.tier == Tier.PROVINCE:
            base = {f.name: getattr(entry, f.name) for f in DirectoryEntry._meta.concrete_fields}
            for extra in ("name", "legal_basis", "statutory_limit_days"):
                data[extra] = request.POST.get(extra, "")
            data = {**base, **data, "department": entry.department}
        else:
            data = {k: v for k, v in data.items() if v not in ("", [])}
        try:
            services.save_item(actor, region, {**data, "code": code})
            messages.success(request, _("Saved in the draft."))
            return _back(region)
        except ValidationError as exc:
            errors = errors_of(exc)
    shown = {f: getattr(entry, f) for f in (*LOCAL_FIELDS, "name", "legal_basis", "statutory_limit_days")}
    if errors:  # what was typed, kept
        shown.update({f: request.POST.get(f, "") for f in shown if f != "handling_modes"},
                     handling_modes=request.POST.getlist("handling_modes"))
    return render(request, "directory/edit_entry.html", {
        "directory": directory, "e": entry, "v": shown, "errors": errors,
        "province": directory.tier == Tier.PROVINCE, "modes": HandlingMode.choices,
    })


@login_required
def export(request, region: str, number: int):
    actor = Actor.from_request(request)
    directory = permissions.get_or_404(Directory.objects.all(), actor, region_id=region)
    version = permissions.get_or_404(DirectoryVersion.objects.filter(directory=directory), actor, number=number)
    response = HttpResponse(spreadsheets.export_version(list(version.entries.all())),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="directory-{region}-v{number}.xlsx"'
    return response


@require_POST
@login_required
def import_xlsx(request, region: str):
    upload = request.FILES.get("file")
    if upload is None or upload.size > 5 * 1024 * 1024:
        messages.error(request, _("Choose an .xlsx file of at most 5 MB."))
        return _back(region)
    try:
        saved = spreadsheets.import_workbook(Actor.from_request(request), region, upload.read())
        messages.success(request, _("%(n)s items imported into the draft.") % {"n": saved})
    except spreadsheets.RowsRejected as exc:
        messages.error(request, _("Nothing was imported; fix these rows and try again:"))
        for problem in exc.problems[:50]:
            messages.error(request, problem)
    except ValidationError as exc:
        for field_messages in errors_of(exc).values():
            for message in field_messages:
                messages.error(request, message)
    return _back(region)


