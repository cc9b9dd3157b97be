"""Telling people: notifications in the platform and their texts, written in the caller's transaction and sent
by the worker after it commits.

- `tell(...)`: one notification per person and event (a retried task or a second worker adds nothing), and a
  delivery row for its text. Officials' non-urgent texts wait for working hours and are grouped per person and
  kind; urgent ones go at once.
- `text(...)`: a text to a phone alone (an applicant who applied by phone, a police officer's work phone).
- `deliver_due()`: the worker's half. A provider's failure never touches the action that caused the text: it is
  recorded on the delivery and retried with backoff.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from cunwu import plainsql, sms
from cunwu.accounts import personal_data
from cunwu.accounts.models import Assignment, User
from cunwu.audit.context import Actor
from cunwu.sms import purposes
from cunwu.sms.providers import DeliveryFailed

from . import hours, kinds
from .models import Delivery, DeliveryState, Notification

RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720)  # then the delivery is marked failed (about a day in all)


def _due_text(due: dt.datetime | None) -> str:
    return timezone.localtime(due).strftime("%m-%d %H:%M") if due else ""


def tell(users: Iterable[User], kind: str, event_key: str, ref: str, *, due: dt.datetime | None = None,
         link: str = "", region_code: str = "", role: str = "", urgent: bool = False,
         extra: dict | None = None, region_of: dict | None = None, since: dt.datetime | None = None) -> int:
    """Notify each person once about one event. Returns how many new notifications were written.
    `region_of` gives some people their own place (a warning told to many villages at once). `since`: when the
    thing the event is about began (a case's intake), before which nobody can have been told of it: the check for
    a notification already written reads only the months from then (on PostgreSQL, where notifications are
    partitioned by month, rather than every month kept)."""
    region_of = region_of or {}
    people = {u.pk: u for u in users if u is not None and u.is_active}
    if not people:
        return 0
    with transaction.atomic(savepoint=False):  # within the caller's transaction when there is one
        return _tell(people, kind, event_key, ref, due=due, link=link, region_code=region_code, role=role,
                     urgent=urgent, extra=extra, region_of=region_of, since=since)


def _tell(people: dict, kind: str, event_key: str, ref: str, *, due, link, region_code, role, urgent, extra,
          region_of, since) -> int:
    if connection.vendor == "postgresql":
        # The notifications table is partitioned by month there, so its uniqueness of (person, event) includes
        # the time and no longer stops a second copy: two processes telling of one event wait for each other here.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ["tell:" + event_key])
    now = timezone.now()
    bound, args = "", [event_key, *people]
    if since is not None:  # a day's margin for clocks of other machines
        bound = " AND created_at >= %s"
        args.append(plainsql.value(Notification, "created_at", since - dt.timedelta(days=1)))
    with connection.cursor() as cursor:  # plain SQL (see cunwu.plainsql): every action tells someone
        cursor.execute(f"SELECT recipient_id FROM {plainsql.table(Notification)} WHERE event_key = %s "  # noqa: S608
                       f"AND recipient_id IN ({', '.join(['%s'] * len(people))}){bound}", args)
        already = {row[0] for row in cursor.fetchall()}
    fresh = [u for pk, u in people.items() if pk not in already]
    if not fresh:
        return 0
    params = {"ref": ref[:200], "due": due.isoformat() if due else "", **(extra or {})}
    plainsql.insert([
        Notification(recipient=u, kind=kind, event_key=event_key, role=role,
                     region_code=region_of.get(u.pk, region_code),
                     urgent=urgent, params=params, link=link[:300], created_at=now) for u in fresh
    ], ignore_conflicts=True)
    quiet_until = None if urgent else hours.next_opening(now, region_code)
    held = quiet_until is not None and quiet_until > now
    window = dt.timedelta(seconds=group_seconds())
    # Grouping: the first text of a kind goes at once; more of the same kind within the window wait for its end
    # and leave as one text.
    recent = set() if urgent else set(
        Delivery.objects.filter(recipient_id__in=[u.pk for u in fresh], kind=kind, created_at__gt=now - window)
        .values_list("recipient_id", flat=True))
    text_params = ({"what": kinds.label(kind), "ref": ref[:60], "due": _due_text(due)} if due
                   else {"what": kinds.label(kind), "ref": ref[:60]})
    plainsql.insert([
        Delivery(key=f"{event_key}:{u.pk}"[:140], recipient=u, kind=kind, region_code=region_of.get(u.pk, region_code),
                 urgent=urgent,
                 purpose="work" if due else "work_info", params=text_params,
                 role=role, state=(DeliveryState.NO_PHONE if not u.phone else DeliveryState.HELD if held
                                   else DeliveryState.PENDING),
                 due_at=(quiet_until or now) if held else now + window if u.pk in recent else now, created_at=now)
        for u in fresh
    ], ignore_conflicts=True)
    if sms.messenger_configured():  # officials with a WeCom account are told there too, at once
        Delivery.objects.bulk_create([
            Delivery(key=f"{event_key}:{u.pk}:wecom"[:140], channel="wecom", recipient=u, kind=kind,
                     region_code=region_of.get(u.pk, region_code), role=role, urgent=urgent,
                     purpose="work" if due else "work_info", params=text_params, due_at=now, created_at=now)
            for u in fresh if u.wecom_id
        ], ignore_conflicts=True, batch_size=2000)
    _after_commit()
    return len(fresh)


def text(phone: str, purpose: str, params: dict, event_key: str, region_code: str = "") -> None:
    """A text to a phone number without a person's account behind it, sent after the transaction commits."""
    if not phone:
        return
    ordered = purposes.ordered(purpose, params)
    now = timezone.now()
    plainsql.insert([
        Delivery(key=event_key[:140], phone_sealed=personal_data.encrypt(phone), purpose=purpose, params=ordered,
                 region_code=region_code, urgent=True, due_at=now, created_at=now)
    ], ignore_conflicts=True)
    _after_commit()


def _after_commit() -> None:
    # Once a transaction: the task sends every text then due. (A hand-over registered in a savepoint that rolls
    # back is gone from the list by now, so a later one registers again.)
    if any(entry[1] is _enqueue for entry in connection.run_on_commit):  # (savepoints, function, robust)
        return
    transaction.on_commit(_enqueue)


def _enqueue() -> None:
    from huey.contrib.djhuey import HUEY

    from cunwu.background import hand_over

    from .tasks import deliver_task

    if HUEY.immediate:  # tests: the test sends explicitly with deliver_due()
        return
    hand_over(deliver_task)


# --- the worker ---------------------------------------------------------------------------------------------


def _still_holds(row: Delivery, held: dict) -> bool:
    """A person who lost the role the notification was for is no longer texted about it."""
    if row.recipient_id is None or not row.role:
        return True
    return any(role == row.role and row.region_code.startswith(region)
               for role, region in held.get(row.recipient_id, ()))


def _claim(ids: list[int], now: dt.datetime) -> list[Delivery]:
    """Take due rows for this worker in one statement, marked with a token of its own: a row another worker took
    first is not in the answer (it is no longer pending), so no text leaves twice."""
    token = f"claim-{uuid.uuid4().hex}"
    with transaction.atomic():
        Delivery.objects.filter(pk__in=ids, state__in=[DeliveryState.PENDING, DeliveryState.HELD],
                                due_at__lte=now).update(state=DeliveryState.CLAIMED, sent_at=now, provider_id=token)
    return list(Delivery.objects.filter(pk__in=ids, provider_id=token).select_related("recipient")
                .order_by("due_at", "id"))


BATCH = 50


def deliver_due(now: dt.datetime | None = None, batch: int = BATCH) -> dict:
    """Send every text whose time has come. Returns counts by outcome."""
    now = now or timezone.now()
    done: dict = defaultdict(int)
    # Rows a worker claimed and never sent (it stopped between the claim and the provider): due again. A batch
    # of BATCH texts at the providers' 5-second timeout ends well inside the ten minutes.
    Delivery.objects.filter(state=DeliveryState.CLAIMED, sent_at__lt=now - dt.timedelta(minutes=10)).update(
        state=DeliveryState.PENDING, provider_id="")
    while True:
        ids = list(Delivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.HELD], due_at__lte=now)
                   .order_by("due_at", "id").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        rows = _claim(ids, now)
        if not rows:
            break
        _send_batch(rows, now, done)
        if len(ids) < batch:
            break
    return dict(done)


def _held_roles(rows: list[Delivery]) -> dict:
    held: dict = defaultdict(list)
    for user, role, region in (Assignment.objects.active()
                               .filter(user_id__in={r.recipient_id for r in rows if r.recipient_id})
                               .values_list("user_id", "role", "region_id")):
        held[user].append((role, region))
    return held


def _send_batch(rows: list[Delivery], now: dt.datetime, done: dict) -> None:
    held = _held_roles(rows)
    groups: dict = defaultdict(list)
    for row in rows:
        if row.recipient_id and not row.urgent and row.channel == "sms":  # texts are grouped; WeCom is not
            groups[(row.recipient_id, row.kind)].append(row)
        else:
            groups[("row", row.pk)].append(row)
    provider = sms.provider()
    finished: list[Delivery] = []
    for group in groups.values():
        live = []
        for row in group:
            if row.recipient_id and (not row.recipient.is_active or not _still_holds(row, held)):
                _set(row, DeliveryState.DROPPED, finished, sent_at=None)
                done["dropped"] += 1
            else:
                live.append(row)
        if not live:
            continue
        first = live[0]
        if first.channel == "wecom":
            _send_wecom(first, now, finished, done)
            continue
        try:
            phone = first.recipient.phone if first.recipient_id else personal_data.decrypt(first.phone_sealed)
        except ValueError as exc:  # sealed with a key no longer configured: this row fails, the rest go on
            _failed(first, DeliveryFailed(str(exc)[:300], retry=False), now, finished)
            done["failed"] += 1
            continue
        if not phone:
            for row in live:
                _set(row, DeliveryState.NO_PHONE, finished, sent_at=None)
            done["no_phone"] += len(live)
            continue
        if len(live) > 1:
            purpose, params = "work_digest", {"what": kinds.label(first.kind), "count": str(len(live))}
        else:
            purpose, params = first.purpose, first.params
        try:
            ordered = purposes.ordered(purpose, params)
            provider_id = provider.send(phone, purpose, ordered, purposes.render(purpose, ordered))
        except Exception as exc:  # noqa: BLE001 - a provider's bug must not stop the other texts
            failure = exc if isinstance(exc, DeliveryFailed) else DeliveryFailed(f"{type(exc).__name__}: {exc}")
            for row in live:
                _failed(row, failure, now, finished)
            done["failed"] += len(live)
            continue
        # Recorded at once, text by text: a worker that stops after this line never sends it again.
        Delivery.objects.filter(pk=first.pk).update(state=DeliveryState.SENT, provider_id=provider_id[:100],
                                                    attempts=first.attempts + 1, last_error="")
        if len(live) > 1:
            Delivery.objects.filter(pk__in=[r.pk for r in live[1:]]).update(
                state=DeliveryState.GROUPED, provider_id=provider_id[:100], attempts=F("attempts") + 1)
        done["sent"] += 1
        done["grouped"] += len(live) - 1
    Delivery.objects.bulk_update(finished, ["state", "sent_at", "provider_id", "attempts", "last_error", "due_at"],
                                 batch_size=500)


def _send_wecom(row: Delivery, now: dt.datetime, finished: list, done: dict) -> None:
    messenger, recipient = sms.messenger(), row.recipient
    if messenger is None or recipient is None or not recipient.wecom_id:
        _set(row, DeliveryState.DROPPED, finished, sent_at=None, last_error="WeCom is not set up for this person")
        done["dropped"] += 1
        return
    try:
        ordered = purposes.ordered(row.purpose, row.params)
        message_id = messenger.send(recipient.wecom_id, purposes.render(row.purpose, ordered))
    except Exception as exc:  # noqa: BLE001 - a provider's bug must not stop the other messages
        _failed(row, exc if isinstance(exc, DeliveryFailed) else DeliveryFailed(f"{type(exc).__name__}: {exc}"),
                now, finished)
        done["failed"] += 1
        return
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.SENT, provider_id=str(message_id)[:100],
                                              attempts=row.attempts + 1, last_error="")
    done["wecom"] += 1


def _set(row: Delivery, state: str, finished: list, **values) -> None:
    row.state = state
    for name, value in values.items():
        setattr(row, name, value)
    if state not in (DeliveryState.SENT, DeliveryState.GROUPED):
        row.provider_id = values.get("provider_id", "")
    finished.append(row)


def _failed(row: Delivery, exc: DeliveryFailed, now: dt.datetime, finished: list) -> None:
    attempts = row.attempts + 1
    if exc.retry and attempts <= len(RETRY_MINUTES):
        _set(row, DeliveryState.PENDING, finished, attempts=attempts, last_error=exc.reason[:300], sent_at=None,
             due_at=now + dt.timedelta(minutes=RETRY_MINUTES[attempts - 1]))
    else:
        _set(row, DeliveryState.FAILED, finished, attempts=attempts, last_error=exc.reason[:300], sent_at=None)


# --- reading ------------------------------------------------------------------------------------------------


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_of(actor: Actor, unread_only: bool = False):
    """A person's own notifications; nobody reads another's."""
    rows = Notification.objects.filter(recipient=actor.user)
    return rows.filter(read_at__isnull=True) if unread_only else rows


@transaction.atomic
def mark_read(actor: Actor, ids: list[int] | None = None) -> int:
    """Mark the person's own notifications read (all when no ids are given)."""
    rows = Notification.objects.filter(recipient=actor.user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


OVERSEEING = ("county_admin", "city_admin", "province_admin", "supervisor")


def deliveries_for(actor: Actor):
    """The delivery list of the places an administrator or supervisor oversees, newest first: who was told
    what, and whether the text left (phones are never shown; no phone, held, failed and dropped are listed)."""
    from django.db.models import Q

    from cunwu.accounts import permissions

    regions = [a.region_id for a in permissions.assignments_of(actor.user) if a.role in OVERSEEING]
    if not regions:
        raise permissions.NotFound
    where = Q()
    for code in regions:
        where |= permissions.within("region_code", code)  # a range on the (region, created) index
    return Delivery.objects.filter(where).select_related("recipient")


def group_seconds() -> int:
    return int(settings.CUNWU.get("NOTIFY_GROUP_SECONDS", 180))
