"""The statements written in plain SQL (cunwu.plainsql) give what their ORM twins give, on SQLite and PostgreSQL:
the same rows, the same values of every column as Python sees them (times, booleans, JSON, decimals), the same
related rows, and the same rows written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunwu import plainsql
from cunwu.accounts import permissions
from cunwu.accounts import services as accounts
from cunwu.accounts.models import ApiToken, Assignment, User
from cunwu.audit.context import Actor
from cunwu.cases import services
from cunwu.cases.choices import Stage
from cunwu.cases.models import Case, CaseEvent
from cunwu.directory import seed
from cunwu.notify.models import Delivery, Notification

from .helpers import LISHU, TOWN_A, VILLAGE_A1, VILLAGE_A2, actor, person

pytestmark = pytest.mark.django_db


def same(a, b, model=None):
    """Every column of two instances equal, as Python sees it, and of the same type (a choice given as its enum
    member is the text it stands for)."""
    model = model or type(a)
    for f in model._meta.concrete_fields:
        mine, theirs = getattr(a, f.attname), getattr(b, f.attname)
        assert mine == theirs and (isinstance(mine, type(theirs)) or isinstance(theirs, type(mine))), (
            model.__name__, f.attname, mine, theirs)


@pytest.fixture
def lishu():
    seed.seed_jilin(Actor.console())
    staff = person("village_staff", VILLAGE_A1, phone="13904340001")
    housing = person("department_officer", LISHU, department="housing")
    villager = person("villager", VILLAGE_A1, phone="13904341111")
    township = person("township_officer", TOWN_A)
    return {"staff": staff, "housing": housing, "villager": villager, "township": township}


def test_assignments_as_the_orm_reads_them(lishu):
    for user in lishu.values():
        mine = permissions._read_assignments(user.pk)
        theirs = list(Assignment.objects.active().filter(user=user).select_related("region", "department"))
        assert [a.pk for a in mine] == [a.pk for a in theirs] and mine
        for a, b in zip(mine, theirs, strict=True):
            same(a, b)
            same(a.region, b.region)
            assert (a.department is None) == (b.department is None)
            if a.department is not None:
                same(a.department, b.department)
            with CaptureQueriesContext(connection) as queries:  # read with the assignment, as select_related
                _ = a.region.name, a.department and a.department.kind
            assert not queries.captured_queries
    assert any(a.department is not None for a in permissions._read_assignments(lishu["housing"].pk))
    Assignment.objects.filter(user=lishu["staff"]).update(active=False)
    assert permissions._read_assignments(lishu["staff"].pk) == []


def test_a_token_as_the_orm_reads_it(lishu):
    user = lishu["staff"]
    token = accounts.create_api_token(Actor.console(), user, "counter")
    found = accounts.user_for_token(token)
    assert found is not None and found.pk == user.pk
    same(found, User.objects.get(pk=user.pk))
    row = ApiToken.objects.get(user=user)
    assert isinstance(row.last_used_at, dt.datetime) and timezone.is_aware(row.last_used_at)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert accounts.user_for_token(token) is None  # a time compared as the database stores it
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert accounts.user_for_token(token) is not None
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    assert accounts.user_for_token(token) is None
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=None)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert accounts.user_for_token(token) is None
    assert accounts.user_for_token("not-a-token") is None


def test_holders_as_the_orm_finds_them(lishu):
    extra = person("village_staff", VILLAGE_A1)
    gone = person("village_staff", VILLAGE_A1)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    revoked = person("village_staff", VILLAGE_A1)
    Assignment.objects.filter(user=revoked).update(active=False)
    found = accounts.holders("village_staff", region_id=VILLAGE_A1)
    ids = Assignment.objects.active().filter(role="village_staff", region_id=VILLAGE_A1).values_list("user_id")
    theirs = list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))
    assert [u.pk for u in found] == [u.pk for u in theirs] == [lishu["staff"].pk, extra.pk]
    for a, b in zip(found, theirs, strict=True):
        same(a, b)
    department = Assignment.objects.get(user=lishu["housing"]).department_id
    assert [u.pk for u in accounts.holders("department_officer", department_id=department)] == [lishu["housing"].pk]


def _demand(who, **extra):
    fields = {"village": VILLAGE_A1, "kind": "demand", "title": "村道塌陷", "description": "三组路口塌了一个坑",
              "applicant_name": "王某", "applicant_phone": "13904341111", "consent": "当面同意",
              "channel": "counter", "latitude": "43.161234", "longitude": "124.351234", **extra}
    return services.submit(actor(who), services.CaseInput(**fields))[0]


def test_a_case_written_and_read_as_the_orm_would(lishu):
    case = _demand(lishu["staff"])
    stored = Case.objects.select_related("village", "owner", "applicant").get(pk=case.pk)
    same(case, stored)  # written: every column as given comes back the same
    assert isinstance(stored.latitude, Decimal) and stored.applicant_id == lishu["villager"].pk
    assert isinstance(stored.created_at, dt.datetime) and stored.words
    services.take(actor(lishu["staff"]), case.number)
    stored = Case.objects.select_related("village", "owner", "applicant").get(pk=case.pk)
    (read,) = services._read_case(case.number)
    same(read, stored)
    same(read.village, stored.village)
    same(read.owner, stored.owner)
    same(read.applicant, stored.applicant)
    assert read._counted == stored._counted  # the counts as read, which saving moves the tallies by
    with CaptureQueriesContext(connection) as queries:
        _ = read.village.name, read.owner.full_name, read.applicant.full_name
    assert not queries.captured_queries
    event = read.events.order_by("id").first()
    same(event, CaseEvent.objects.get(pk=event.pk))
    assert services._read_case("no-such-number") == []
    alone = _demand(lishu["villager"], applicant_name="", applicant_phone="", consent="", channel="online")
    (read,) = services._read_case(alone.number)
    assert read.owner is None and read.applicant.pk == lishu["villager"].pk


def test_related_rows_in_their_own_order(lishu):
    case = _demand(lishu["staff"])
    services.take(actor(lishu["staff"]), case.number)
    services.add_note(actor(lishu["staff"]), case.number, "已联系")
    services.escalate(actor(lishu["staff"]), case.number, "需县里办")
    services.dispatch(actor(lishu["township"]), case.number, ["housing"], lead="housing")
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.DEPARTMENT
    for name, theirs in (("events", case.events.all()), ("ratings", case.ratings.all()),
                         ("attachments", case.attachments.all()),
                         ("dispatches", case.dispatches.select_related("department"))):
        mine = services.rows_of(case, name)
        assert [r.pk for r in mine] == [r.pk for r in theirs]
        for a, b in zip(mine, theirs, strict=True):
            same(a, b)
    assert [d.department.kind for d in services.rows_of(case, "dispatches")] == ["housing"]


def test_insert_and_update_as_the_orm(lishu):
    user = lishu["staff"]
    rows = [Notification(recipient=user, kind="case_new", event_key=f"plain:{i}", params={"ref": "引号\"", "n": i},
                         created_at=timezone.now()) for i in range(700)]  # more than one batch on SQLite
    plainsql.insert(rows, ignore_conflicts=True)
    assert Notification.objects.filter(event_key__startswith="plain:").count() == 700
    stored = Notification.objects.get(event_key="plain:7")
    assert stored.params == {"ref": "引号\"", "n": 7} and stored.read_at is None
    again = [Notification(recipient=user, kind="case_new", event_key="plain:7", params={}, created_at=timezone.now())]
    if connection.vendor == "sqlite":  # (on PostgreSQL the month is part of the uniqueness: see notify.tell)
        plainsql.insert(again, ignore_conflicts=True)
        assert Notification.objects.filter(event_key="plain:7").count() == 1
    delivery = Delivery(key="plain-one", recipient=user, kind="case_new", params={"what": "新"}, due_at=timezone.now(),
                        created_at=timezone.now())
    plainsql.insert([delivery], ignore_conflicts=True)
    same(Delivery.objects.get(key="plain-one"), Delivery.objects.filter(key="plain-one").first())
    event = CaseEvent(case=_demand(user), actor=user, actor_label="x", role_label="y", action="noted", note="n",
                      state_after="new")
    plainsql.insert([event])
    assert event.pk is not None and not event._state.adding
    same(event, CaseEvent.objects.get(pk=event.pk))
    case = Case.objects.get(pk=event.case_id)
    case.title = "改过的标题"
    assert plainsql.update(case, ["title"], where={"version": case.version + 5}) == 0  # another version: nothing
    assert Case.objects.get(pk=case.pk).title == "村道塌陷"
    assert plainsql.update(case, ["title"], where={"version": case.version}) == 1
    assert Case.objects.get(pk=case.pk).title == "改过的标题"
    with pytest.raises(TypeError):
        plainsql.insert([event, delivery])


def test_saving_a_case_someone_changed_first_is_a_conflict(lishu):
    case = _demand(lishu["staff"])
    stale = Case.objects.get(pk=case.pk)
    services.take(actor(lishu["staff"]), case.number)
    stale.title = "过时"
    from django.db import transaction

    with pytest.raises(services.Conflict), transaction.atomic():
        services._save(stale)
    assert Case.objects.get(pk=case.pk).title == "村道塌陷" and stale.version == 1


def test_get_case_decides_in_memory_as_the_database_would(lishu):
    """The case read alone and the rules decided on it: for each person, the answer `restrict` gives."""
    case = _demand(lishu["staff"])
    people = [*lishu.values(), person("village_staff", VILLAGE_A2), person("supervisor", LISHU),
              person("county_admin", LISHU)]
    for user in people:
        who = actor(user)
        by_database = permissions.restrict(Case.objects.all(), who).filter(number=case.number).exists()
        try:
            services.get_case(who, case.number)
            seen = True
        except permissions.NotFound:
            seen = False
        assert seen == by_database, user.username
    denied_before = _denials()
    with pytest.raises(permissions.NotFound):
        services.get_case(actor(people[4]), case.number)  # the other village's staff: a denial, audited
    assert _denials() == denied_before + 1
    with pytest.raises(permissions.NotFound):
        services.get_case(actor(people[4]), "no-such-number")  # nothing there: nothing to audit
    assert _denials() == denied_before + 1


def _denials() -> int:
    from cunwu.audit.models import AuditEntry

    return AuditEntry.objects.filter(action="denied.view", object_type="cases.case").count()


@pytest.mark.django_db(transaction=True)
def test_a_refusal_inside_a_transaction_that_rolls_back_is_still_recorded():
    """A service refusing inside its own transaction rolls its denial entry back with it: the refusal is held,
    and recorded at the end of the request (or of the next refusal outside a transaction); one that commits is
    recorded once."""
    from django.db import transaction

    from cunwu.web.middleware import PermissionOutcomeMiddleware

    seed.seed_jilin(Actor.console())
    staff, other = person("village_staff", VILLAGE_A1), person("village_staff", VILLAGE_A2)
    case = _demand(staff)
    denied = _denials()

    def request_taking(_request):
        services.take(actor(other), case.number)  # another village's staff: refused inside take's transaction

    with pytest.raises(permissions.NotFound):
        request_taking(None)
    assert _denials() == denied  # rolled back with the transaction
    permissions.record_held_denials()
    assert _denials() == denied + 1

    with pytest.raises(permissions.NotFound):
        PermissionOutcomeMiddleware(request_taking)(None)  # a request: recorded at its end
    assert _denials() == denied + 2

    with transaction.atomic():  # a refusal in a transaction that commits: recorded once
        with pytest.raises(permissions.NotFound):
            services.get_case(actor(other), case.number)
    permissions.record_held_denials()
    assert _denials() == denied + 3


def test_a_rule_of_every_row_reads_the_same_in_memory_and_in_the_database():
    """A published directory is public (its rule is Q(): every row). An official of another county sees it
    through `restrict` as through `get_or_404`, not only a visitor (an empty Q in an OR once narrowed it)."""
    from cunwu.directory.models import Directory

    from .helpers import OTHER_COUNTY

    seed.seed_jilin(Actor.console())
    far = actor(person("county_admin", OTHER_COUNTY))
    lishu = Directory.objects.get(region_id=LISHU)
    assert permissions.restrict(Directory.objects.all(), far).filter(pk=lishu.pk).exists()
    assert permissions.get_or_404(Directory.objects.all(), far, region_id=LISHU) == lishu
    assert permissions.restrict(Directory.objects.all(), None).filter(pk=lishu.pk).exists()  # a visitor too
