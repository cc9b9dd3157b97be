"""Monthly partitions of case events, notifications and the audit log (PostgreSQL): made by the migration with
their rows, the coming months made ahead by the worker, a stray month moved out of the default partition, one
telling of an event however many processes tell it, and old months detached for archive with the audit chain
still verifiable."""

import datetime as dt
import os
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone, translation

from cunwu import pgpartitions
from cunwu.accounts.permissions import Forbidden
from cunwu.audit import checkpoints, guard
from cunwu.audit import services as audit
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditArchive, AuditEntry
from cunwu.audit.services import record, verify
from cunwu.cases import archive, services, tasks
from cunwu.cases.models import Case, CaseEvent
from cunwu.notify import services as notify
from cunwu.notify.models import Notification

from .conftest import run
from .helpers import VILLAGE_A1, Clock, actor, at, person, together

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="partitions are PostgreSQL's")


@pytest.fixture(autouse=True)
def _language():
    yield
    translation.deactivate()


def _where(model, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _months_ago(n: int) -> dt.datetime:
    month = pgpartitions.add_months(pgpartitions.first_of(timezone.localdate()), -n)
    return at(month.year, month.month, 10, 10, 0)


def _demand(villager, when, monkeypatch) -> Case:
    """A request taken in at `when`: its audit entries carry that time; its first event is written with it
    (an event's time is the model's default, which the clock does not reach)."""
    Clock(monkeypatch, when)
    data = services.CaseInput(village=VILLAGE_A1, kind="demand", title="村道塌陷", description="三组路口塌了一个坑")
    case = services.submit(villager, data)[0]
    CaseEvent.objects.filter(case=case).update(at=when)
    return case


@postgres_only
@pytest.mark.django_db
def test_the_three_tables_are_partitioned_by_month_and_rows_land_in_their_month():
    this_month = pgpartitions.first_of(timezone.localdate())
    with connection.cursor() as cursor:
        for table in pgpartitions.TABLES:
            assert pgpartitions.is_partitioned(cursor, table)
            months = [p.month for p in pgpartitions.parts(cursor, table)]
            assert months[-1] is None  # the default partition
            assert [pgpartitions.add_months(this_month, i) for i in range(4)] == [m for m in months[:-1]
                                                                                 if m >= this_month]
    entry = record(Actor.console(), "test.now")
    staff = person("village_staff", VILLAGE_A1)
    told = notify.tell([staff], "case_new", "partition-test:1", "ref")
    assert told == 1 and entry.pk > 0
    assert _where(AuditEntry, entry.pk) == pgpartitions.part_name("audit_auditentry", this_month)
    note = Notification.objects.get(event_key="partition-test:1")
    assert _where(Notification, note.pk) == pgpartitions.part_name("notify_notification", this_month)
    assert verify().ok


@postgres_only
@pytest.mark.django_db
def test_a_month_without_a_partition_is_caught_and_moved_to_its_own_by_the_worker(monkeypatch):
    staff = actor(person("villager", VILLAGE_A1, phone="13904341111"))
    later = _months_ago(-7)  # seven months ahead: no partition yet
    case = _demand(staff, later, monkeypatch)
    event = case.events.first()
    assert _where(CaseEvent, event.pk) == "cases_caseevent_default"
    audit_pks = list(AuditEntry.objects.filter(at__gte=later - dt.timedelta(minutes=1)).values_list("pk", flat=True))
    assert audit_pks and {_where(AuditEntry, pk) for pk in audit_pks} == {"audit_auditentry_default"}
    monkeypatch.undo()

    made = tasks.partitions_ahead.call_local()
    month = pgpartitions.first_of(later.date())
    assert pgpartitions.part_name("cases_caseevent", month) in made
    assert pgpartitions.part_name("audit_auditentry", month) in made
    assert _where(CaseEvent, event.pk) == pgpartitions.part_name("cases_caseevent", month)
    assert {_where(AuditEntry, pk) for pk in audit_pks} == {pgpartitions.part_name("audit_auditentry", month)}
    assert AuditEntry.objects.filter(action="partitions.made").exists()
    assert verify().ok  # moved, not changed
    with pytest.raises(IntegrityError, match=guard.MESSAGE), transaction.atomic():  # and still not changeable
        AuditEntry.objects.filter(pk=audit_pks[0]).update(actor_label="x")
    assert tasks.partitions_ahead.call_local() == []  # nothing more to make


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_processes_telling_of_one_event_at_once_tell_each_person_once(regions_loaded):
    staff = person("village_staff", VILLAGE_A1)
    first_told = threading.Event()
    results: dict[str, int] = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = notify.tell([staff], "case_new", "race:1", "ref")
                first_told.set()
                time.sleep(0.5)  # the second tells meanwhile
        finally:
            connection.close()

    def second():
        try:
            first_told.wait(5)
            with transaction.atomic():
                results["second"] = notify.tell([staff], "case_new", "race:1", "ref")
        finally:
            connection.close()

    together(first, second, timeout=20)
    assert results == {"first": 1, "second": 0}
    assert Notification.objects.filter(event_key="race:1", recipient=staff).count() == 1


@postgres_only
@pytest.mark.django_db
def test_old_months_are_detached_for_archive_and_the_audit_chain_still_verifies(monkeypatch, settings):
    staff = actor(person("villager", VILLAGE_A1, phone="13904341111"))
    old = _months_ago(9)
    case = _demand(staff, old, monkeypatch)
    for i in range(3):
        record(Actor.console(), "test.old", detail={"i": i})
    checkpoints.write()  # signed within the month that goes: its entry will be missing, and that is expected
    monkeypatch.undo()
    archive.ensure_ahead(Actor.worker())
    record(Actor.console(), "test.now")
    checkpoints.write()
    month = pgpartitions.first_of(old.date())
    after = pgpartitions.add_months(month, 1)
    old_entries = AuditEntry.objects.filter(at__lt=at(after.year, after.month, 1))
    last = old_entries.order_by("-seq").first()
    assert last is not None and old_entries.count() >= 3

    translation.activate("en")
    with pytest.raises(Forbidden):
        archive.detach_through(staff, month)
    this_month = pgpartitions.first_of(timezone.localdate())
    for months in (0, 3, 6):  # a month goes once its last day is six months old: seven months back at the latest
        with pytest.raises(ValidationError, match="Cybersecurity Law"):
            archive.detach_through(Actor.console(), pgpartitions.add_months(this_month, -months))
    with pytest.raises(ValidationError, match="not yet closed"):  # the case is open: its history stays whole
        archive.detach_through(Actor.console(), month)
    assert case.events.exists()

    Case.objects.filter(pk=case.pk).update(state="closed", closed_at=timezone.now())
    rows = old_entries.count()
    done = archive.detach_through(Actor.console(), month)
    assert {(m.table, m.month) for m in done} >= {("cases_caseevent", month), ("audit_auditentry", month)}
    assert not case.events.exists()  # no longer read by the platform
    assert not AuditEntry.objects.filter(seq=last.seq).exists()
    archived = pgpartitions.archived_name("audit_auditentry", month)
    assert archived in {m.partition for m in done}
    with connection.cursor() as cursor:  # but kept, as a table of its own, for the operator to dump
        cursor.execute(f'SELECT count(*) FROM "{archived}"')
        assert cursor.fetchone()[0] == rows
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass",
                       [pgpartitions.archived_name("cases_caseevent", month)])
        assert cursor.fetchone()[0] == 0  # holding nothing the platform may delete
    kept = AuditArchive.objects.get(month=month)
    assert (kept.last_seq, kept.last_hash, kept.rows) == (last.seq, last.hash, rows)
    assert verify().ok, verify().reason
    assert checkpoints.verify().ok, checkpoints.verify().reason
    assert "intact" in run("audit", "verify")

    # a row of the archived month coming later (an import) gets a partition of that month again
    Clock(monkeypatch, old)
    record(Actor.console(), "test.late")
    monkeypatch.undo()
    assert pgpartitions.part_name("audit_auditentry", month) in archive.ensure_ahead(Actor.worker())

    # a note of an archive slipped in by hand, to skip a stretch of the chain, is found out
    assert verify().ok
    skip_to = AuditEntry.objects.order_by("-seq")[1]
    AuditArchive.objects.create(month=pgpartitions.add_months(month, 1), table="x", rows=0,
                                last_seq=skip_to.seq, last_hash=skip_to.hash, detached_at=timezone.now())
    assert not verify().ok and "no entry of its own" in verify().reason


def test_partitions_are_postgresql_s_only_and_refused_plainly_elsewhere(db):
    if ON_POSTGRES:
        pytest.skip("the refusal is SQLite's")
    with translation.override("en"), pytest.raises(ValidationError, match="PostgreSQL"):
        archive.months(Actor.console())
    assert archive.ensure_ahead(Actor.worker()) == []
    with pytest.raises(Forbidden):  # the operator's and the worker's alone, whoever runs the command
        archive.ensure_ahead(actor(person("village_staff", VILLAGE_A1)))
    with pytest.raises(Exception, match="PostgreSQL"):
        run("partitions", "detach", "--through", "2020-01", "--lang", "en")


@postgres_only
@pytest.mark.django_db
def test_a_plain_table_becomes_partitioned_with_its_rows_keys_indexes_and_triggers():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE scratch_log (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                       "at timestamptz NOT NULL, who bigint REFERENCES accounts_user(id), word varchar(20) "
                       "CHECK (word <> ''), CONSTRAINT scratch_once UNIQUE (who, word))")
        cursor.execute("CREATE INDEX scratch_word ON scratch_log (word) WHERE word <> 'x'")
        cursor.execute("CREATE TRIGGER scratch_no_update BEFORE UPDATE ON scratch_log FOR EACH ROW "
                       "EXECUTE FUNCTION audit_entry_refuse_change()")
        cursor.execute("INSERT INTO scratch_log (at, word) VALUES (now() - interval '14 months', 'a'), "
                       "(now(), 'b')")
        pgpartitions.partition(connection, "scratch_log", "at", timezone.localdate())
        assert pgpartitions.is_partitioned(cursor, "scratch_log")
        months = [p.month for p in pgpartitions.parts(cursor, "scratch_log") if p.month]
        assert len(months) == 14 + 1 + 3
        cursor.execute("SELECT word FROM scratch_log ORDER BY id")
        assert [r[0] for r in cursor.fetchall()] == ["a", "b"]
        cursor.execute("INSERT INTO scratch_log (at, word) VALUES (now(), 'c') RETURNING id")
        assert cursor.fetchone()[0] == 3  # the sequence goes on
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'scratch_log'::regclass ORDER BY 1")
        names = {r[0] for r in cursor.fetchall()}
        assert {"scratch_log_pkey", "scratch_once"} <= names and any("check" in n for n in names)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'scratch_log'")
        assert "scratch_word" in {r[0] for r in cursor.fetchall()}
        with pytest.raises(Exception, match="word"), transaction.atomic():
            cursor.execute("INSERT INTO scratch_log (at, word) VALUES (now(), '')")
        with pytest.raises(IntegrityError, match=guard.MESSAGE), transaction.atomic():
            cursor.execute("UPDATE scratch_log SET word = 'z'")
        with pytest.raises(RuntimeError, match="point into it"), transaction.atomic():
            pgpartitions.partition(connection, "cases_case", "created_at", timezone.localdate())


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_making_a_partition_behind_a_long_query_gives_up_instead_of_holding_every_write(monkeypatch):
    monkeypatch.setattr(pgpartitions, "LOCK_TIMEOUT", "300ms")
    holding, done = threading.Event(), threading.Event()

    def long_query():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("LOCK TABLE cases_caseevent IN ACCESS SHARE MODE")  # what a long report holds
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    reader = threading.Thread(target=long_query)
    reader.start()
    try:
        assert holding.wait(5)
        far = pgpartitions.add_months(pgpartitions.first_of(timezone.localdate()), 30)
        began = time.monotonic()
        with pytest.raises(OperationalError, match="lock timeout"):
            archive.ensure_ahead(Actor.worker(), today=far)
        assert time.monotonic() - began < 5
    finally:
        done.set()
        reader.join(10)
    with connection.cursor() as cursor:  # nothing was made: the next night tries again
        assert pgpartitions.part_name("cases_caseevent", far) not in {
            p.table for p in pgpartitions.parts(cursor, "cases_caseevent")}


def test_a_month_may_go_once_its_last_day_is_six_months_old():
    assert pgpartitions.kept_from(dt.date(2026, 12, 1)) == dt.date(2026, 6, 1)  # May goes, June stays
    assert pgpartitions.kept_from(dt.date(2026, 12, 31)) == dt.date(2026, 6, 1)
    assert pgpartitions.kept_from(dt.date(2027, 3, 15)) == dt.date(2026, 9, 1)


@pytest.mark.django_db
def test_an_archive_note_cannot_hide_removed_entries_from_the_signed_checkpoints():
    """Someone holding the chain's key deletes recent entries and notes them as archived: the chain then holds
    together, but the checkpoint signed after them names them, and a month younger than six months is never
    archived."""
    entries = [record(Actor.console(), "test.action", detail={"i": i}) for i in range(3)]
    checkpoints.write()  # signed now, at the third entry
    record(Actor.console(), "test.action", detail={"i": 3})
    gone = entries[2]
    with guard.lifted(connection):
        AuditEntry.objects.filter(seq__lte=gone.seq).delete()
    this_month = pgpartitions.first_of(timezone.localdate())
    audit.mark_archived(Actor.console(), pgpartitions.add_months(this_month, -12), "x", 0, gone.seq, gone.hash)
    assert verify().ok  # the chain alone cannot tell
    result = checkpoints.verify()
    assert not result.ok and "rewritten" in result.reason
    audit.mark_archived(Actor.console(), pgpartitions.add_months(this_month, -1), "x", 0, gone.seq, gone.hash)
    assert "never detached" in verify().reason and "never detached" in checkpoints.verify().reason


@postgres_only
@pytest.mark.django_db
def test_the_locks_a_read_of_every_month_takes_are_counted_and_warned_of():
    from unittest import mock

    from cunwu.web import checks

    per_read = pgpartitions.locks_per_read(connection)
    assert set(per_read) == set(pgpartitions.TABLES)
    with connection.cursor() as cursor:
        months = len(pgpartitions.parts(cursor, "cases_caseevent"))
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'cases_caseevent'")
        indexes = cursor.fetchone()[0]
    assert per_read["cases_caseevent"] == 1 + months * (1 + indexes)
    # Measured: what one read locks is what the count says (a case's events, read without a period).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_caseevent WHERE case_id = -1")
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND relation IN "
                       "(SELECT c.oid FROM pg_class c WHERE c.relname LIKE 'cases_caseevent%%')")
        assert cursor.fetchone()[0] == per_read["cases_caseevent"]
    assert pgpartitions.lock_shortfall(connection) == {}  # a new deployment's few months: nothing to say
    assert checks.partitions_and_locks(None) == []
    assert set(pgpartitions.lock_shortfall(connection, limit=1)) == set(pgpartitions.TABLES)
    with mock.patch.object(pgpartitions, "lock_shortfall", return_value={"cases_caseevent": 761}):
        (warning,) = checks.partitions_and_locks(None)
    assert warning.id == "cunwu.W108" and "761" in warning.msg and "1024" in warning.msg


def test_no_lock_warning_on_sqlite():
    if ON_POSTGRES:
        pytest.skip("SQLite's")
    assert pgpartitions.lock_shortfall(connection) == {}
