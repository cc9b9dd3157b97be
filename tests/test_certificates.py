"""Certificates: refusals for every nationally non-issuable item, issuing with the staff's checks, signatures
that fail on any change, key rotation, revocation and expiry seen by verification."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.certificates import catalogue, keys, services, signing
from cunwu.certificates.models import RequestState, SigningKey

from .helpers import OTHER_COUNTY, TOWN_B, VILLAGE_A1, VILLAGE_A2, actor, person


@pytest.fixture
def village(db):
    services.seed_types()
    return {
        "villager": actor(person("villager", VILLAGE_A1, phone="13904341111")),
        "staff": actor(person("village_staff", VILLAGE_A1)),
        "other_staff": actor(person("village_staff", VILLAGE_A2)),
        "admin": actor(person("county_admin", VILLAGE_A1[:6])),
    }


def issued(village, code="party_residence", **values):
    req = services.submit(village["villager"], services.RequestInput(VILLAGE_A1, code, "组织部门要求",
                                                                      {"residence_since": "1985",
                                                                       "conduct": "遵纪守法"} | values))
    return services.issue(village["staff"], req.pk, req.type.checks)


def test_every_national_non_issuable_item_is_refused_with_who_verifies_instead(village):
    assert len(catalogue.NON_ISSUABLE) == 20
    for code, name, instead in catalogue.NON_ISSUABLE:
        req = services.submit(village["villager"], services.RequestInput(VILLAGE_A1, code))
        assert req.state == RequestState.REFUSED, name
        assert instead in req.reason and req.decided_at is not None
        assert not hasattr(req, "certificate") or req.certificate is None


def test_a_commitment_replaces_the_certificate(village):
    req = services.submit(village["villager"], services.RequestInput(VILLAGE_A1, "residence_commitment"))
    assert req.state == RequestState.COMMITTED


def test_issuing_needs_every_check_and_the_village_staff(village):
    req = services.submit(village["villager"], services.RequestInput(
        VILLAGE_A1, "party_residence", values={"residence_since": "1985", "conduct": "遵纪守法"}))
    assert req.state == RequestState.PENDING
    with pytest.raises(ValidationError):
        services.issue(village["staff"], req.pk, req.type.checks[:1])
    with pytest.raises(NotFound):  # another village's staff do not even see it
        services.issue(village["other_staff"], req.pk, req.type.checks)
    with pytest.raises(Forbidden):
        services.issue(village["villager"], req.pk, req.type.checks)
    certificate = services.issue(village["staff"], req.pk, req.type.checks)
    assert services.verify(certificate.token).status == "valid"
    with pytest.raises(Forbidden):  # once
        services.issue(village["staff"], req.pk, req.type.checks)


def test_a_major_matter_waits_for_deliberation(village):
    req = services.submit(village["villager"], services.RequestInput(VILLAGE_A1, "adopter_status", values={
        "marital_status": "已婚", "children": "无子女", "capacity": "有稳定收入"}))
    assert req.state == RequestState.REVIEW
    with pytest.raises(Forbidden):
        services.issue(village["staff"], req.pk, req.type.checks)
    services.record_review(village["staff"], req.pk, "2026年11月20日村民代表会议同意，已报乡镇备案")
    assert services.issue(village["staff"], req.pk, req.type.checks).type.code == "adopter_status"


def test_verification_shows_minimal_content_and_counts(village):
    certificate = issued(village)
    result = services.verify(certificate.token)
    shown = result.as_dict()
    assert shown["valid"] and shown["holder"].endswith("*") and "遵纪守法" not in str(shown)
    services.verify(certificate.token)
    certificate.refresh_from_db()
    assert certificate.verifications == 2


def test_revocation_and_expiry_are_seen(village):
    certificate = issued(village)
    later = certificate.valid_until + dt.timedelta(days=1)
    assert services.verify(certificate.token, today=later).status == "expired"
    with pytest.raises(NotFound):
        services.revoke(village["other_staff"], certificate.serial, "误开")
    services.revoke(village["staff"], certificate.serial, "信息有误")
    assert services.verify(certificate.token).status == "revoked"


def test_keys_rotate_without_invalidating_earlier_certificates(village):
    first = issued(village)
    with pytest.raises(Forbidden):
        keys.rotate(village["staff"], VILLAGE_A1[:6])
    new = keys.rotate(village["admin"], VILLAGE_A1[:6])
    second = issued(village)
    assert second.key == new and first.key != new
    assert services.verify(first.token).status == "valid" and services.verify(second.token).status == "valid"
    published = keys.published(VILLAGE_A1[:6])
    assert [k["kid"] for k in published] == [first.key.kid, new.kid] and published[0]["retired_at"]


def test_a_payload_signed_by_an_unknown_key_or_forged_is_refused(village):
    certificate = issued(village)
    stranger = signing.new_private_key()
    claims = signing.peek(certificate.token)
    forged = signing.sign({k: v for k, v in claims.items() if k != "k"}, claims["k"], stranger)
    assert services.verify(forged).status == "bad_signature"
    assert services.verify(signing.sign({"s": "x"}, "nobody-key", stranger)).status == "unknown_key"
    assert services.verify("not a payload").status == "malformed"


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="


@pytest.fixture(scope="module")
def signed():
    key = signing.new_private_key()
    claims = {"s": "Zx3kP0aQ", "t": "party_residence", "v": VILLAGE_A1, "h": "陈**", "i": "2026-11-23",
              "u": "2027-02-21", "c": "q1w2e3r4t5y6u7i8o9p0aa"}
    return signing.sign(claims, "220322-test", key), {"220322-test": key.public_key()}


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_change_to_a_payload_fails_verification(signed, data):
    token, public = signed
    assert signing.verify(token, public)["s"] == "Zx3kP0aQ"
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != token[position]))
    changed = token[:position] + replacement + token[position + 1:]
    with pytest.raises(signing.Invalid):
        signing.verify(changed, public)


def test_every_bit_of_every_byte_matters(signed):
    token, public = signed
    raw = token.encode()
    for i in range(len(raw)):
        for bit in range(8):
            changed = bytearray(raw)
            changed[i] ^= 1 << bit
            try:
                text = changed.decode()
            except UnicodeDecodeError:
                continue
            with pytest.raises(signing.Invalid):
                signing.verify(text, public)


def test_private_keys_are_sealed(village):
    certificate = issued(village)
    row = SigningKey.objects.get(pk=certificate.key_id)
    assert signing.b64encode(signing.private_bytes(keys.private_key(row))) not in row.private_key_sealed


ROLES_SEEING_A1 = [
    ("villager", VILLAGE_A1, False), ("villager", VILLAGE_A2, False),  # another villager than the applicant
    ("village_staff", VILLAGE_A1, True), ("village_staff", VILLAGE_A2, False),
    ("grid_worker", VILLAGE_A1, False), ("legal_adviser", VILLAGE_A1, False), ("mediator", VILLAGE_A1, False),
    ("township_officer", VILLAGE_A1[:9], True), ("township_officer", TOWN_B, False),
    ("county_admin", VILLAGE_A1[:6], True), ("county_admin", OTHER_COUNTY, False),
    ("supervisor", VILLAGE_A1[:6], True), ("auditor", OTHER_COUNTY, False),
    ("department_officer", VILLAGE_A1[:6], False),
]


@pytest.mark.parametrize(("role", "region", "sees"), ROLES_SEEING_A1)
def test_certificates_stay_within_jurisdiction(village, role, region, sees):
    from cunwu.accounts import permissions
    from cunwu.certificates.models import Certificate, CertificateRequest

    certificate = issued(village)
    assert permissions.restrict(Certificate.objects.all(), village["villager"]).filter(pk=certificate.pk).exists()
    extra = {"department": "civil_affairs"} if role == "department_officer" else {}
    who = actor(person(role, region, **extra))
    assert permissions.restrict(Certificate.objects.all(), who).filter(pk=certificate.pk).exists() == sees
    assert permissions.restrict(CertificateRequest.objects.all(), who).filter(pk=certificate.request_id).exists() == sees
    if not sees:
        with pytest.raises(NotFound):
            services.revoke(who, certificate.serial, "试图撤销")
    elif role not in ("village_staff", "county_admin"):
        with pytest.raises(Forbidden):
            services.revoke(who, certificate.serial, "试图撤销")
    assert services.verify(certificate.token).status == "valid"  # anyone verifies; nobody else revoked it


def test_the_public_verification_page_and_keys(village, client, settings):
    certificate = issued(village)
    page = client.get(f"/certificates/v/{certificate.token}")
    assert page.status_code == 200 and "真实有效" in page.content.decode() and "遵纪守法" not in page.content.decode()
    at = len(certificate.token) - 10  # inside the signature, where every base64url character is canonical
    tampered = certificate.token[:at] + ("A" if certificate.token[at] != "A" else "B") + certificate.token[at + 1:]
    assert "签名不符" in client.get(f"/certificates/v/{tampered}").content.decode()
    services.revoke(village["staff"], certificate.serial, "信息有误")
    assert "已撤销" in client.get(f"/certificates/v/{certificate.token}").content.decode()
    published = client.get("/certificates/keys.json").json()["keys"]
    assert [k["kid"] for k in published] == [certificate.key.kid]
    settings.CUNWU = {**settings.CUNWU, "VERIFICATIONS_PER_MINUTE": 3}
    codes = [client.get(f"/certificates/v/x{i}", REMOTE_ADDR="203.0.113.9").status_code for i in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
