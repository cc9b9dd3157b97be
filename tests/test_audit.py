import os

import pytest
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from cunwu.audit import guard
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry, AuditHead
from cunwu.audit.services import record, verify

from .conftest import run
from .helpers import together


def _entries(n=5):
    actor = Actor.console()
    return [record(actor, "test.action", region_code="220322", detail={"i": i}) for i in range(n)]


@pytest.mark.django_db
def test_chain_verifies_and_every_write_adds_one_entry():
    before = AuditEntry.objects.count()
    _entries(5)
    assert AuditEntry.objects.count() == before + 5
    assert verify().ok
    assert "intact" in run("audit", "verify")


@pytest.mark.django_db
def test_the_database_refuses_to_change_or_remove_an_entry():
    entries = _entries(3)
    attempts = [
        lambda: AuditEntry.objects.filter(pk=entries[1].pk).update(actor_label="someone-else"),
        lambda: AuditEntry.objects.filter(pk=entries[2].pk).delete(),
        lambda: connection.cursor().execute("DELETE FROM audit_auditentry"),
        lambda: connection.cursor().execute("UPDATE audit_auditentry SET detail = '{}'"),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError, match=guard.MESSAGE), transaction.atomic():
            attempt()
    assert [e.actor_label for e in AuditEntry.objects.filter(pk__in=[e.pk for e in entries])] == [
        e.actor_label for e in sorted(entries, key=lambda e: -e.seq)]
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).count() == 3 and verify().ok


@pytest.mark.django_db
def test_an_edited_entry_is_named():
    """The tests below play someone who holds the database owner's rights and drops the trigger first."""
    entries = _entries(5)
    with guard.lifted(connection):
        AuditEntry.objects.filter(pk=entries[2].pk).update(actor_label="someone-else")
    with pytest.raises(CommandError) as caught:
        run("audit", "verify")
    assert f"#{entries[2].seq}" in str(caught.value) and "altered" in str(caught.value)


@pytest.mark.django_db
def test_edited_detail_and_recomputed_plain_hash_are_caught():
    import hashlib

    entries = _entries(3)
    victim = AuditEntry.objects.get(pk=entries[1].pk)
    victim.detail = {"i": 99}
    victim.hash = hashlib.sha256(b"forged").hexdigest()  # without the chain key no one can forge a valid link
    with guard.lifted(connection):
        victim.save()
    result = verify()
    assert not result.ok and result.first_bad_seq == entries[1].seq


@pytest.mark.django_db
def test_deleted_entries_are_detected_in_the_middle_and_at_the_tail():
    entries = _entries(4)
    with guard.lifted(connection):
        AuditEntry.objects.filter(pk=entries[1].pk).delete()
    result = verify()
    assert not result.ok and result.first_bad_seq == entries[1].seq


@pytest.mark.django_db
def test_deleted_tail_is_detected():
    entries = _entries(4)
    with guard.lifted(connection):
        AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    result = verify()
    assert not result.ok and "removed" in result.reason
    assert AuditHead.objects.get(pk=1).seq == entries[-1].seq


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="two writers at once: PostgreSQL (SQLite has one writer)")
@pytest.mark.django_db(transaction=True)
def test_two_first_entries_at_once_both_go_in():
    """With no head yet (a new database), the second writer waits for the first's head and follows it, rather
    than failing on making the head a second time."""
    import threading

    from django.db import connections

    from cunwu.audit import services as audit

    AuditHead.objects.all().delete()
    first_has_head, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                audit._head()  # makes the head, and holds it
                first_has_head.set()
                threading.Event().wait(1.0)  # the second is now waiting for it
                results["first"] = record(Actor.console(), "test.first").seq
        finally:
            connections.close_all()

    def second():
        first_has_head.wait(10)
        try:
            with transaction.atomic():
                results["second"] = record(Actor.console(), "test.second").seq
        except IntegrityError as exc:
            results["second"] = exc
        finally:
            connections.close_all()

    together(first, second, timeout=30)
    assert results == {"first": 1, "second": 2}
    assert AuditHead.objects.get(pk=1).seq == 2
