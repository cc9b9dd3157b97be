"""The permission module: "may this actor do this to this object" and "which rows may this actor see".

Each protected model registers a Policy that turns one role assignment into a queryset filter for an action
(the jurisdiction is a code-prefix range on an indexed column, the department an equality). Views, API
endpoints and commands never filter by hand; they call `restrict`, `get_or_404` and `require`, directly or
through the service layer. Objects outside the caller's scope are reported exactly like missing ones.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from cunwu import plainsql
from cunwu.audit.context import Actor
from cunwu.regions import codes

from .roles import ADMIN_ROLES, GRANTS, REVEALS_PERSONAL_DATA, SPECS, Role

VIEW, CHANGE, MANAGE, REVEAL = "view", "change", "manage", "reveal"
SELF = object()  # marker: allowed because the object is the actor's own


class NotFound(Exception):
    """Missing, or outside the caller's scope: both answer 404 with the same body."""


class Forbidden(Exception):
    """Visible to the caller but not theirs to change."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


def within(field: str, code: str) -> Q:
    lo, hi = codes.code_range(code)
    return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})


def assignments_of(user) -> list:
    """The user's active assignments, read once per request (so a revocation counts on the next request)."""
    if user is None or not user.is_active:
        return []
    cached = getattr(user, "_cunwu_assignments", None)
    if cached is None:
        cached = _read_assignments(user.pk)
        user._cunwu_assignments = cached
    return cached


def _read_assignments(user_id: int) -> list:
    """`Assignment.objects.active().filter(user=…).select_related("region", "department")`, in plain SQL: every
    signed-in request reads it (see cunwu.plainsql)."""
    from cunwu.regions.models import Region

    from .models import Assignment, Department

    a, r, d = (plainsql.table(m) for m in (Assignment, Region, Department))
    rows = plainsql.select(
        f"SELECT {plainsql.columns(Assignment)}, {plainsql.columns(Region)}, {plainsql.columns(Department)} "  # noqa: S608
        f"FROM {a} INNER JOIN {r} ON {a}.region_id = {r}.code LEFT OUTER JOIN {d} ON {a}.department_id = {d}.id "
        f"WHERE {a}.active AND {a}.user_id = %s ORDER BY {a}.region_id, {a}.role", [user_id],
        Assignment, Region, Department)
    for assignment, region, department in rows:
        plainsql.cache_related(assignment, "region", region)
        plainsql.cache_related(assignment, "department", department)
    return [assignment for assignment, _region, _department in rows]


def forget_assignments(user) -> None:
    if user is not None and hasattr(user, "_cunwu_assignments"):
        del user._cunwu_assignments


@dataclass
class Policy:
    """Per role, a function (user, assignment, action) -> Q | None; `own` gives what a user may do to their own;
    `public` (action -> Q | None) what anyone, signed in or not, may do (published directories, for example)."""

    rules: dict[str, Callable]
    own: Callable | None = None
    public: Callable | None = None
    machine_rules: dict[str, Callable] = field(default_factory=dict)

    def q_for(self, user, assignment, action) -> Q | None:
        if assignment.role == Role.PARTNER_SYSTEM and assignment.role not in self.machine_rules:
            return None  # a connected system gets only what a policy names for it (its own requests)
        rule = self.machine_rules.get(assignment.role) or self.rules.get(assignment.role)
        return rule(user, assignment, action) if rule else None


POLICIES: dict[type[Model], Policy] = {}


def register(model: type[Model], policy: Policy) -> None:
    POLICIES[model] = policy


def _policy(model) -> Policy:
    try:
        return POLICIES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no registered policy") from None


def _user(actor) -> object | None:
    return actor.user if isinstance(actor, Actor) else actor


def restrict(queryset: QuerySet, actor, action: str = VIEW, own: bool = True) -> QuerySet:
    """The rows of `queryset` that `actor` may act on with `action` (NetBox's restrict()); with own=False only
    those their roles give them, leaving out what they may touch as its owner (a work queue, not their own
    requests)."""
    if isinstance(actor, Actor) and actor.system:
        return queryset
    combined: Q | None = None
    for part in _parts(queryset.model, actor, action, own):
        if not part:  # Q(): every row (Django would drop an empty Q from an OR and narrow what the rule allows)
            return queryset
        combined = part if combined is None else combined | part
    return queryset.filter(combined) if combined is not None else queryset.none()


def _parts(model: type[Model], actor, action: str, own: bool = True) -> list[Q]:
    """The filters whose union is what `actor` may do with `action` to rows of `model` (see `restrict`)."""
    user = _user(actor)
    policy = _policy(model)
    parts = [policy.public(action)] if policy.public is not None else []
    if user is not None and user.is_active:
        parts += [policy.q_for(user, a, action) for a in assignments_of(user)]
        if own and policy.own is not None:
            parts.append(policy.own(user, action))
    return [part for part in parts if part is not None]


def grant_for(actor, action: str, obj: Model, locked: bool = False):
    """The assignment (or SELF, or True for the system) under which `actor` may do `action` to `obj`, or None.
    `locked`: `obj` was just read with its row locked (inside the caller's transaction), so a rule on its own
    columns is decided on its values (`decide`) instead of being asked of the database again."""
    if isinstance(actor, Actor) and actor.system:
        return True
    user = _user(actor)
    policy = _policy(type(obj))
    base = type(obj)._default_manager.filter(pk=obj.pk)

    def holds(q: Q) -> bool:
        decided = decide(obj, q) if locked else None
        return base.filter(q).exists() if decided is None else decided

    if policy.public is not None:
        public = policy.public(action)
        if public is not None and holds(public):
            return SELF
    if user is None or not user.is_active:
        return None
    if policy.own is not None:
        own = policy.own(user, action)
        if own is not None and holds(own):
            return SELF
    for assignment in assignments_of(user):
        q = policy.q_for(user, assignment, action)
        if q is not None and holds(q):
            return assignment
    return None


def can(actor, action: str, obj: Model) -> bool:
    return grant_for(actor, action, obj) is not None


def grants(actor, actions, obj: Model) -> dict:
    """`grant_for` of each of `actions` on `obj` as loaded, for showing what the caller may do (the service
    checks again, on the locked row, when the action is taken): {action: the assignment, SELF, True for the
    system, or None}. A rule on the object's own columns is decided on the values loaded; the rest (a rule
    through another table) are asked of the database together, in one query."""
    actions = list(dict.fromkeys(actions))
    if isinstance(actor, Actor) and actor.system:
        return dict.fromkeys(actions, True)
    user = _user(actor)
    policy = _policy(type(obj))
    active = user is not None and user.is_active
    candidates: dict[str, list] = {}  # action -> [(grant, Q, decided here: True, False or None)], in order
    for action in actions:
        parts = []
        if policy.public is not None and (public := policy.public(action)) is not None:
            parts.append((SELF, public))
        if active:
            if policy.own is not None and (own := policy.own(user, action)) is not None:
                parts.append((SELF, own))
            for assignment in assignments_of(user):
                if (q := policy.q_for(user, assignment, action)) is not None:
                    parts.append((assignment, q))
        candidates[action] = [(grant, q, decide(obj, q)) for grant, q in parts]
    asked = [q for parts in candidates.values() for _grant, q, decided in parts if decided is None]
    answers = iter(())
    if asked:
        model = type(obj)
        flags = {f"g{i}": Exists(model._default_manager.filter(q, pk=OuterRef("pk"))) for i, q in enumerate(asked)}
        answers = iter(model._default_manager.filter(pk=obj.pk).annotate(**flags).values_list(*flags).first()
                       or [False] * len(asked))
    found: dict = {}
    for action, parts in candidates.items():
        found[action] = None
        for grant, _q, decided in parts:
            held = next(answers) if decided is None else decided
            if held and found[action] is None:
                found[action] = grant
    return found


_COMPARE = {"exact": operator.eq, "gte": operator.ge, "gt": operator.gt, "lte": operator.le, "lt": operator.lt}


def decide(obj: Model, q: Q) -> bool | None:
    """Whether `obj`, as loaded, matches `q`, when that can be told without the database and exactly as Django's
    query would tell it: lookups on the object's own loaded columns (exact, isnull, in, and ranges over numbers
    or digit strings such as region codes), AND, OR and NOT; None when only the database can tell (a join, a
    subquery, an expression, a column not loaded). A lookup on a NULL column is false, negated or not: under a
    NOT, Django adds "IS NOT NULL" to it, and elsewhere SQL's unknown excludes the row as false does."""
    if q.connector not in (Q.AND, Q.OR) or not _plain_manager(type(obj)):
        return None
    results = []
    for child in q.children:
        result = decide(obj, child) if isinstance(child, Q) else (
            _lookup_truth(obj, *child) if isinstance(child, tuple) and len(child) == 2 else None)
        if result is None:
            return None
        results.append(result)
    outcome = all(results) if q.connector == Q.AND else any(results)
    return not outcome if q.negated else outcome


_PLAIN: dict[type, bool] = {}


def _plain_manager(model: type[Model]) -> bool:
    """Whether the model's default manager shows every row (a manager that filters some out is the database's to
    apply, as `grant_for` does)."""
    if model not in _PLAIN:
        _PLAIN[model] = not model._default_manager.get_queryset().query.where
    return _PLAIN[model]


def _lookup_truth(obj: Model, name: str, value):
    from django.core.exceptions import FieldDoesNotExist

    column, _sep, lookup = name.partition("__")
    lookup = lookup or "exact"
    try:
        model_field = obj._meta.get_field(column)
    except FieldDoesNotExist:
        return None
    if model_field.many_to_many or model_field.one_to_many or (
            model_field.is_relation and column != model_field.attname):
        return None  # only a column of the row itself (village_id, never village__name)
    if model_field.attname in obj.get_deferred_fields():
        return None
    mine = getattr(obj, model_field.attname)
    if lookup == "exact" and value is None:
        lookup, value = "isnull", True  # as Django writes it
    if lookup == "isnull":
        return (mine is None) == bool(value) if isinstance(value, bool) else None
    if lookup not in (*_COMPARE, "in"):
        return None
    if lookup == "in" and not isinstance(value, (list, tuple, set, frozenset)):
        return None  # a string, a generator, a query: Django's to read
    given = list(value) if lookup == "in" else [value]
    if not given:
        return None  # an empty IN is Django's to rewrite (never true, and its NOT always true)
    if any(v is None or hasattr(v, "resolve_expression") for v in given):
        return None
    try:
        given = [model_field.get_prep_value(v) for v in given]
    except (TypeError, ValueError):
        return None
    if any(type(v) is not type(mine) for v in given) and mine is not None:
        return None  # leave conversions between kinds of value to the database
    if mine is None:
        return False
    if lookup == "in":
        return mine in given
    other = given[0]
    if lookup != "exact" and not isinstance(mine, int) and not (
            isinstance(mine, str) and mine.isascii() and mine.isdigit() and other.isascii() and other.isdigit()):
        return None  # the order of other values depends on the database (a collation, a time zone)
    return _COMPARE[lookup](mine, other)


def get_or_404(queryset: QuerySet, actor, action: str = VIEW, *, read: Callable[[], list] | None = None, **lookup):
    """Fetch one object the actor may act on; anything else raises NotFound (and a denial is audited).
    The row the lookup names is read alone and the rules decided on it (`decide`), as `grants` does, when it is
    the only one and the rules allow; otherwise (or when it cannot be told in memory) the database is asked
    with the rules, as `restrict` writes them. `read`: gives the rows `queryset.filter(**lookup)[:2]` would (in
    plain SQL, for a hot path)."""
    rows = read() if read is not None else list(queryset.filter(**lookup)[:2])
    if not rows:
        raise NotFound
    if isinstance(actor, Actor) and actor.system:
        return rows[0]
    if len(rows) == 1:
        decided = [decide(rows[0], q) for q in _parts(queryset.model, actor, action)]
        if True in decided:
            return rows[0]
        if None not in decided:
            _audit_denial(actor, action, queryset.model, lookup)
            raise NotFound
    found = restrict(queryset, actor, action).filter(**lookup).first()
    if found is None:  # (the rows exist: read above)
        _audit_denial(actor, action, queryset.model, lookup)
        raise NotFound
    return found


def require(actor: Actor, action: str, obj: Model, message: str = "", locked: bool = False) -> Actor:
    """Return the actor bound to the assignment that allows `action` on `obj`; else Forbidden or NotFound.
    `locked`: as for `grant_for`."""
    grant = grant_for(actor, action, obj, locked)
    if grant is None:
        _audit_denial(actor, action, type(obj), {"pk": obj.pk})
        if action != VIEW and grant_for(actor, VIEW, obj, locked) is not None:
            raise Forbidden(message)
        raise NotFound
    if grant is True or grant is SELF:
        return actor
    return actor.acting_as(grant)


def acting_at(actor: Actor, region_code: str, roles) -> Actor:
    """The actor bound to their assignment of one of `roles` at exactly `region_code` (the village's staff
    acting for their village, say); NotFound for anyone else, as for a place they cannot see. The console
    operator acts anywhere."""
    if actor.system:
        return actor
    for a in assignments_of(actor.user):
        if a.role in roles and a.region_id == region_code:
            return actor.acting_as(a)
    raise NotFound


def _audit_denial(actor, action, model, lookup) -> None:
    """Record a refusal. Inside a transaction, which the refusal usually rolls back, it is recorded with it and
    also held: the commit forgets it (recorded), and a rollback leaves it to `record_held_denials` (the end of
    the request, or the next refusal outside a transaction)."""
    actor = actor if isinstance(actor, Actor) else Actor(user=actor)
    denial = (actor, action, model._meta.label_lower,
              str(lookup.get("pk", lookup.get("id", lookup.get("seq", ""))))[:64])
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        record_held_denials()
        _record_denial(denial)
        return
    _record_denial(denial)
    held = _held(connection)
    held.append(denial)
    transaction.on_commit(lambda: held.remove(denial) if any(d is denial for d in held) else None)


def _held(connection) -> list:
    if not hasattr(connection, "_cunwu_denials"):
        connection._cunwu_denials = []
    return connection._cunwu_denials


def _record_denial(denial) -> None:
    from cunwu.audit.services import record

    actor, action, object_type, object_id = denial
    record(actor, f"denied.{action}", result="denied", object_type=object_type, object_id=object_id)


def drop_held_denials() -> None:
    """Forget the refusals held on this thread's connection without recording them (its data was thrown away)."""
    _held(transaction.get_connection()).clear()


def record_held_denials() -> None:
    """Record the refusals held by transactions that ended (see `_audit_denial`); nothing inside one."""
    connection = transaction.get_connection()
    held = _held(connection)
    if connection.in_atomic_block or not held:
        return
    denials, held[:] = list(held), []
    for denial in denials:
        _record_denial(denial)


# --- grants -----------------------------------------------------------------------------------------------


def grant_assignment_for(actor, role: str, region_code: str):
    """The assignment under which `actor` may grant `role` over `region_code`, True for the system, or None."""
    if isinstance(actor, Actor) and actor.system:
        return True
    for assignment in assignments_of(_user(actor)):
        if role in GRANTS.get(assignment.role, ()) and codes.contains(assignment.region_id, region_code):
            return assignment
    return None


# --- policies of the ground apps ------------------------------------------------------------------------


def _people_with(code: str, roles=None, department_id=None, include_inactive=False) -> Q:
    from .models import Assignment

    sub = Assignment.objects.filter(user=OuterRef("pk")).filter(within("region_id", code))
    if not include_inactive:
        sub = sub.filter(active=True)
    if roles is not None:
        sub = sub.filter(role__in=roles)
    if department_id is not None:
        sub = sub.filter(department_id=department_id)
    return Q(Exists(sub))


def _person_rule(user, a, action) -> Q | None:
    role, code = a.role, a.region_id
    admin = role in ADMIN_ROLES
    if action == VIEW:
        if role == Role.VILLAGER:
            return None
        if role == Role.DEPARTMENT_OFFICER:
            return _people_with(code, department_id=a.department_id)
        return _people_with(code, include_inactive=admin)
    if action in (CHANGE, MANAGE):
        if admin:
            return _people_with(code, include_inactive=True)
        if role == Role.VILLAGE_STAFF:  # villagers of the village, not its officials
            return _people_with(code, roles=[Role.VILLAGER]) & ~_any_official()
        return None
    if action == REVEAL and role in REVEALS_PERSONAL_DATA:
        return _people_with(code, include_inactive=True) if admin else _people_with(code, roles=[Role.VILLAGER])
    return None


def _any_official() -> Q:
    from .models import Assignment

    return Q(Exists(Assignment.objects.filter(user=OuterRef("pk"), active=True).exclude(role=Role.VILLAGER)))


def _person_own(user, action) -> Q | None:
    return Q(pk=user.pk) if action in (VIEW, REVEAL) else None


def _assignment_rule(user, a, action) -> Q | None:
    if action == VIEW:
        if a.role == Role.VILLAGER:
            return None
        if a.role == Role.DEPARTMENT_OFFICER:
            return Q(department_id=a.department_id)
        return within("region_id", a.region_id)
    if action == MANAGE and a.role in GRANTS:
        return within("region_id", a.region_id) & Q(role__in=list(GRANTS[a.role]))
    return None


def _audit_rule(user, a, action) -> Q | None:
    if action == VIEW and a.role in (Role.AUDITOR, Role.SUPERVISOR):
        return within("region_code", a.region_id)
    return None


def register_ground_policies() -> None:
    from cunwu.audit.models import AuditEntry

    from .models import Assignment, User

    every_role = list(SPECS)
    register(User, Policy(rules=dict.fromkeys(every_role, _person_rule), own=_person_own))
    register(
        Assignment,
        Policy(
            rules=dict.fromkeys(every_role, _assignment_rule),
            own=lambda user, action: Q(user_id=user.pk) if action == VIEW else None,
        ),
    )
    register(AuditEntry, Policy(rules=dict.fromkeys(every_role, _audit_rule)))
