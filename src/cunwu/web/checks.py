"""Production guard rails, run by `cunwu check --deploy` (and refused there, not discovered in an incident).

A deployment must name its own keys for personal data and for the audit chain (each "id:key", so they can
rotate), separate from each other and from SECRET_KEY; must text through a real provider, not the demo outbox;
must not run in demo mode; and should name the TLS proxy in front of it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

HINT = "See docs/deployment.md for the production environment."


def _entries(spec: str) -> list[tuple[str, str]]:
    return [tuple(item.strip().partition(":")[::2]) for item in spec.split(",") if item.strip()]


@register(deploy=True)
def production_keys(app_configs, **kwargs):
    from cunwu.accounts import personal_data
    from cunwu.audit.services import chain_keys

    found = []
    data, audit = settings.CUNWU.get("DATA_KEYS", ""), settings.CUNWU.get("AUDIT_KEYS", "")
    if not data.strip():
        found.append(Error("CUNWU_DATA_KEYS is not set: personal data would be sealed with a key derived from "
                           "SECRET_KEY.", hint=HINT, id="cunwu.E101"))
    if not audit.strip():
        found.append(Error("CUNWU_AUDIT_KEYS is not set: the audit chain would be keyed from SECRET_KEY.",
                           hint=HINT, id="cunwu.E102"))
    try:
        data_keys = personal_data._keys() if data.strip() else []
        audit_keys = chain_keys() if audit.strip() else []
    except ValueError as exc:
        return [*found, Error(str(exc), hint=HINT, id="cunwu.E104")]
    shared = {k for _i, k in data_keys} & {k for _i, k in audit_keys}
    if shared:
        found.append(Error("A key is used both for personal data and for the audit chain; give each its own.",
                           hint=HINT, id="cunwu.E103"))
    secret = settings.SECRET_KEY.encode()
    if any(k == secret[:32] for _i, k in data_keys + audit_keys):
        found.append(Error("A data or audit key is the secret key.", hint=HINT, id="cunwu.E103"))
    ids = [i for i, _k in _entries(data)] + [i for i, _k in _entries(audit)]
    if len(ids) != len(set(ids)):
        found.append(Error("Key ids repeat across CUNWU_DATA_KEYS and CUNWU_AUDIT_KEYS; each key needs its own id.",
                           hint=HINT, id="cunwu.E104"))
    return found


@register(deploy=True)
def production_messages_and_mode(app_configs, **kwargs):
    found = []
    if settings.CUNWU.get("DEMO_MODE"):
        found.append(Error("Demo mode is on (CUNWU_DEMO or CUNWU_DEMO_SMS_ON_SCREEN): sign-in codes could show on "
                           "screen and the outbox page exists.", hint=HINT, id="cunwu.E105"))
    if settings.CUNWU["SMS"]["BACKEND"].endswith(".OutboxSms"):
        found.append(Error("Texts go to the demo outbox (CUNWU_SMS_BACKEND): nobody would receive a sign-in code "
                           "or a notification.", hint=HINT, id="cunwu.E106"))
    if not settings.CUNWU.get("TRUSTED_PROXIES", "").strip():
        found.append(Warning("CUNWU_TRUSTED_PROXIES is empty: behind a TLS proxy every client would have the "
                             "proxy's address and HTTPS would not be seen.", hint=HINT, id="cunwu.W107"))
    return found


@register(deploy=True)
def partitions_and_locks(app_configs, **kwargs):
    """On PostgreSQL, a read of a partitioned table without a period locks every month kept (see pgpartitions)."""
    from django.db import DatabaseError, connection

    from cunwu import pgpartitions

    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_locks_per_transaction")
            limit = int(cursor.fetchone()[0])
        short = pgpartitions.lock_shortfall(connection, limit)
    except DatabaseError:  # no database to ask: the other checks still run
        return []
    if not short:
        return []
    need = max(short.values())
    return [Warning(
        f"max_locks_per_transaction is {limit}, and one read of {', '.join(sorted(short))} takes up to {need} "
        "locks with the months kept: readers at once could fill PostgreSQL's lock table (\"out of shared "
        f"memory\"). Set it to at least {1 << (need - 1).bit_length()} (a restart), or detach old months with "
        "`cunwu partitions detach`.", hint=HINT, id="cunwu.W108")]
