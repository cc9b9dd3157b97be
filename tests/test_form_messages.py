"""Every form that takes typed answers refuses a bad one with its message beside the field (the control marked
invalid and pointing to it, the summary at the top linking to it), keeps what was typed, and writes nothing.
One case per form that had only the summary before: the people, directory, token, second-factor, legal, warning,
burden and household forms (the case, legal-question and certificate forms are in test_interface.py)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry
from cunwu.directory import seed
from cunwu.directory import services as directory

from .helpers import LISHU, VILLAGE_A1, actor, person
from .test_legal_files import committee, people  # noqa: F401

pytestmark = pytest.mark.django_db


def beside(page: str, name: str) -> str:
    """The message shown beside a field or a group: its .field-error with the id the control or fieldset points
    to; the error summary links to the field."""
    holder = re.search(rf'<(?:input|select|textarea|fieldset)[^>]* id="{name}"[^>]*>', page)
    assert holder, f"no control {name}"
    assert 'aria-describedby="' in holder.group() and f"{name}-error" in holder.group(), holder.group()
    message = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', page, re.S)
    assert message, f"no message beside {name}"
    assert f'href="#{name}"' in page, f"the summary does not link to {name}"
    return re.sub(r"<[^>]+>", "", message.group(1))


def _written() -> int:
    return AuditEntry.objects.count()


def test_adding_a_person_with_a_bad_phone_id_number_and_long_name(client):
    admin = person("county_admin", LISHU)
    client.force_login(admin)
    before = _written()
    page = client.post("/accounts/people/new/", {
        "role": "village_staff", "region": VILLAGE_A1, "full_name": "王" * 101, "phone": "abc",
        "national_id": "220322196001010000", "username": "x y", "password": "pass1234Long!"}).content.decode()
    assert "11位" in beside(page, "phone") and "100" in beside(page, "full_name")
    assert beside(page, "national_id") and beside(page, "username")
    assert 'value="abc"' in page and _written() == before
    outside = client.post("/accounts/people/new/", {"role": "village_staff", "region": "999999999999",
                                                    "full_name": "王某"}).content.decode()
    assert beside(outside, "region")


def test_a_token_for_too_many_days_and_without_a_name(client):
    staff = person("village_staff", VILLAGE_A1)
    client.force_login(staff)
    page = client.post("/accounts/tokens/", {"name": "大屏", "days": "400"}).content.decode()
    assert "366" in beside(page, "days") and 'value="大屏"' in page and 'value="400"' in page
    unnamed = client.post("/accounts/tokens/", {"name": " ", "days": "30"}).content.decode()
    assert beside(unnamed, "name")
    assert not staff.api_tokens.exists()


def test_a_wrong_second_factor_code_is_said_beside_the_code(client):
    from .helpers import PASSWORD

    admin = person("county_admin", LISHU, username="admin.totp")
    client.post("/accounts/sign-in/", {"username": "admin.totp", "password": PASSWORD})
    page = client.post("/accounts/sign-in/second-factor/", {"code": "000000"}).content.decode()
    assert beside(page, "code")
    assert "_auth_user_id" not in client.session and admin.pk


def test_a_directory_entry_refuses_a_longer_limit_and_an_overlong_place_and_keeps_them(client):
    seed.seed_jilin(Actor.console())
    admin = actor(person("county_admin", LISHU))
    directory.open_draft(admin, LISHU)
    client.force_login(admin.user)
    address = f"/directory/{LISHU}/items/22-JZ-001/"
    assert client.get(address).status_code == 200
    page = client.post(address, {"promised_limit_days": "999", "visits_required": "1", "place": "村" * 201,
                                 "handling_modes": ["counter"]}).content.decode()
    assert beside(page, "promised_limit_days") and "200" in beside(page, "place")
    assert 'value="999"' in page  # what was typed is kept
    entry = directory.Directory.objects.get(region_id=LISHU).versions.get(state="draft").entries.get(code="22-JZ-001")
    assert entry.place != "村" * 201 and entry.promised_limit_days != 999


def test_the_provinces_limits_and_a_demonstration_title(people, client):  # noqa: F811
    client.force_login(people["province"].user)
    page = client.post("/legal/aid/limits/", {"decision": "9", "assignment": "2", "agreement": "3"}).content.decode()
    assert "7" in beside(page, "decision") and 'value="9"' in page
    client.force_login(people["justice"].user)
    page = client.post(f"/legal/demonstration/?region={LISHU}", {"village": VILLAGE_A1, "level": "county",
                                                                 "year": "3000"}).content.decode()
    assert "2000" in beside(page, "year") and 'value="3000"' in page


def test_a_mediation_with_a_bad_phone_and_a_birth_to_come_names_the_party_field(people, committee, client):  # noqa: F811
    from cunwu.legal.models import MediationCase

    client.force_login(people["mediator"].user)
    form = {"village": VILLAGE_A1, "source": "application", "category": "neighbours", "risk": "yellow",
            "summary": "宅基地边界争执", "applicant_name": "李某", "applicant_kind": "person", "applicant_sex": "F",
            "applicant_phone": "12345", "respondent_name": "张某", "respondent_kind": "person",
            "respondent_sex": "M"}
    page = client.post("/legal/mediation/new/", form).content.decode()
    assert "11位" in beside(page, "applicant_phone") and 'value="李某"' in page
    later = (timezone.localdate().replace(year=timezone.localdate().year + 1)).isoformat()
    page = client.post("/legal/mediation/new/", {**form, "applicant_phone": "13904341111",
                                                 "respondent_birth": later}).content.decode()
    assert beside(page, "respondent_birth")
    page = client.post("/legal/mediation/new/", {**form, "applicant_phone": "", "respondent_kind": "organisation",
                                                 "respondent_sex": ""}).content.decode()
    assert beside(page, "respondent_representative")
    assert not MediationCase.objects.exists()


def test_a_warning_that_ends_before_it_starts_and_has_no_area(people, client):  # noqa: F811
    client.force_login(people["township"].user)
    past = (timezone.localtime() - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page = client.post("/warnings/new/", {"kind": "gale", "level": "yellow", "title": "大风黄色预警",
                                          "text": "加固大棚", "valid_until": past,
                                          "area": [VILLAGE_A1]}).content.decode()
    assert beside(page, "valid_until") and 'value="大风黄色预警"' in page
    page = client.post("/warnings/new/", {"kind": "gale", "level": "yellow", "title": "大风黄色预警",
                                          "text": "加固大棚"}).content.decode()
    assert re.search(r'<p class="field-error" id="area-error">', page) and 'href="#area"' in page


def test_a_return_with_a_field_that_counts_nothing_known(client):
    from cunwu.burden import services as burden

    entry = burden.add_listed_form(Actor.console(), LISHU, timezone.localdate().year, "农村人口年报",
                                   "civil_affairs", "yearly", fields=["户数", "人数"])
    client.force_login(person("county_admin", LISHU))
    page = client.post(f"/burden/forms/{entry.pk}/define/", {"column_0": "households",
                                                              "column_1": "nonsense"}).content.decode()
    assert "nonsense" in beside(page, "columns")


def test_a_sharing_request_without_fields_or_purpose(client):
    client.force_login(person("department_officer", LISHU, department="civil_affairs"))
    page = client.post("/households/sharing/", {"group": "elderly_alone", "purpose": "",
                                                 "legal_basis": ""}).content.decode()
    assert beside(page, "fields") and beside(page, "purpose") and beside(page, "legal_basis")
