"""Rate limits shared by every process and machine of a deployment.

A counter is one per (scope, client, window), incremented atomically where every process sees it, so two
processes behind a load balancer count the same hits (a per-process cache would give each its own budget): a
database row, or with REDIS_URL a Redis key that expires with its window. A counter that cannot be reached
refuses (fails closed): a sign-in code is not sent, rather than sent without limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cunwu import sharedstore

from .models import RateCounter


def _window(window_seconds: int, now: dt.datetime) -> tuple[int, dt.datetime]:
    index = int(now.timestamp()) // window_seconds
    ends = dt.datetime.fromtimestamp((index + 1) * window_seconds, tz=dt.UTC)
    return index, ends


def hit(scope: str, who: str, limit: int, window_seconds: int) -> tuple[bool, int]:
    """Count one hit of `who` in `scope`. Returns (allowed, seconds until the window ends): allowed while at
    most `limit` hits fell in the current window."""
    now = timezone.now()
    index, ends = _window(window_seconds, now)
    key = hashlib.sha256(f"{scope}:{who}:{window_seconds}:{index}".encode()).hexdigest()
    wait = max(1, int((ends - now).total_seconds()))
    if sharedstore.url():
        return _hit_redis(key, ends, limit, wait)
    with transaction.atomic():
        if not RateCounter.objects.filter(key=key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, count=1, expires_at=ends)
            except IntegrityError:  # another process created it first
                RateCounter.objects.filter(key=key).update(count=F("count") + 1)
        count = RateCounter.objects.filter(key=key).values_list("count", flat=True).first() or 0
    return count <= limit, wait


def _hit_redis(key: str, ends: dt.datetime, limit: int, wait: int) -> tuple[bool, int]:
    import redis

    try:
        with sharedstore.client().pipeline(transaction=True) as pipe:
            pipe.incr(f"cunwu:rate:{key}")
            pipe.expireat(f"cunwu:rate:{key}", ends + dt.timedelta(seconds=5))
            count = pipe.execute()[0]
    except redis.RedisError as error:
        sharedstore.said_unreachable("rate limits: refusing until it is back", error)
        return False, wait
    return int(count) <= limit, wait


def allowed(scope: str, who: str, limit: int, window_seconds: int) -> bool:
    return hit(scope, who, limit, window_seconds)[0]


def purge(now: dt.datetime | None = None) -> int:
    """Drop counters of windows that have ended (the worker does this hourly)."""
    return RateCounter.objects.filter(expires_at__lt=now or timezone.now()).delete()[0]
