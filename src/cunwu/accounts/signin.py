"""Sign-in: villagers by phone and one-time code, officials by username, password and TOTP.

Answers are the same for known and unknown phone numbers and usernames; failures are throttled per
identifier and per client address, then locked out for a window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu import sms
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.sms.providers import DeliveryFailed

from . import personal_data, throttle
from .models import Assignment, OneTimeCode, SignInThrottle, User
from .roles import Role


class LockedOut(Exception):
    def __init__(self, seconds: int):
        self.seconds = seconds
        minutes = max(1, (seconds + 59) // 60)
        super().__init__(_("Too many attempts. Please try again in %(m)d minutes.") % {"m": minutes})


def _key(kind: str, identifier: str) -> str:
    """A throttle key: the kind stays readable (the address limit differs), the identifier is hashed."""
    return f"{kind}:" + hashlib.sha256(f"{kind}:{identifier}".encode()).hexdigest()[:56]


def _conf(name: str) -> int:
    return int(settings.CUNWU[name])


def check_not_locked(*keys: str) -> None:
    now = timezone.now()
    for row in SignInThrottle.objects.filter(key__in=list(keys), locked_until__gt=now):
        raise LockedOut(int((row.locked_until - now).total_seconds()))


def _max_failures(key: str) -> int:
    """An identifier (a phone, a username, a TOTP enrolment) is locked after SIGN_IN_MAX_FAILURES; a client
    address, which many honest people may share (a village office, a terminal), after
    SIGN_IN_MAX_FAILURES_PER_ADDRESS."""
    if key.startswith("ip:"):
        return _conf("SIGN_IN_MAX_FAILURES_PER_ADDRESS")
    return _conf("SIGN_IN_MAX_FAILURES")


def register_failure(*keys: str) -> None:
    now = timezone.now()
    window = dt.timedelta(seconds=_conf("SIGN_IN_WINDOW_SECONDS"))
    for key in keys:
        with transaction.atomic():
            row, _created = SignInThrottle.objects.select_for_update().get_or_create(key=key)
            if now - row.window_started > window:
                row.failures, row.window_started = 0, now
            row.failures += 1
            if row.failures >= _max_failures(key):
                row.locked_until = now + dt.timedelta(seconds=_conf("SIGN_IN_LOCKOUT_SECONDS"))
                row.failures = 0
                row.window_started = now
            row.save()


def clear_failures(*keys: str) -> None:
    """After a success, the identifier's own counter starts again. A client address's counter never does: one
    account of an attacker's own, signed in between guesses, must not reset the budget for guessing others'."""
    SignInThrottle.objects.filter(key__in=[k for k in keys if not k.startswith("ip:")]).delete()


def _code_digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass
class CodeRequest:
    phone: str


def request_code(phone: str, ip: str) -> CodeRequest:
    """Send a sign-in code to `phone`. Known and unknown numbers get the same answer (anyone may sign up)."""
    phone = personal_data.normalize_phone(phone)
    check_not_locked(_key("otp", phone), _key("ip", ip))
    ok, wait = throttle.hit("sign-in-code-address", ip, _conf("OTP_MAX_PER_ADDRESS_PER_HOUR"), 3600)
    if not ok:  # one address asking codes for many numbers: texting costs money and floods phones
        raise LockedOut(wait)
    now = timezone.now()
    recent = OneTimeCode.objects.filter(phone=phone, created_at__gt=now - dt.timedelta(hours=1))
    last = recent.order_by("-created_at").first()
    if last is not None and (now - last.created_at).total_seconds() < _conf("OTP_RESEND_SECONDS"):
        wait = _conf("OTP_RESEND_SECONDS") - int((now - last.created_at).total_seconds())
        raise ValidationError(_("A code was just sent. You can ask for another in %(s)d seconds.") % {"s": wait})
    if recent.count() >= _conf("OTP_MAX_PER_HOUR"):
        raise LockedOut(3600)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)  # only the newest works
        row = OneTimeCode.objects.create(
            phone=phone, digest=_code_digest(phone, code),
            expires_at=now + dt.timedelta(seconds=_conf("OTP_TTL_SECONDS")),
        )
    try:  # sent after the code is stored, while the person waits; a provider's failure is told at once
        sms.send(phone, "sign_in_code", {"code": code, "m": _conf("OTP_TTL_SECONDS") // 60})
    except DeliveryFailed as exc:
        OneTimeCode.objects.filter(pk=row.pk).update(used_at=now)
        raise ValidationError({"phone": _("The code could not be sent: %(r)s Please try again in a minute.")
                               % {"r": exc.reason}}) from None
    return CodeRequest(phone)


def verify_code(phone: str, code: str, ip: str, actor: Actor) -> User:
    """Return the villager signed in by this code (creating the account on first sign-in)."""
    phone = personal_data.normalize_phone(phone)
    keys = (_key("otp", phone), _key("ip", ip))
    check_not_locked(*keys)
    now = timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        row = (OneTimeCode.objects.select_for_update()
               .filter(phone=phone, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first())
        if row is not None and row.failures >= _conf("SIGN_IN_MAX_FAILURES"):
            # guesses sent at once all pass the lock check above; the code itself is spent after as many
            OneTimeCode.objects.filter(pk=row.pk).update(used_at=now)
            row = None
        good = row is not None and len(code) == 6 and hmac.compare_digest(row.digest, _code_digest(phone, code))
        if good:
            row.used_at = now
            row.save(update_fields=["used_at"])
        elif row is not None:
            OneTimeCode.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
    if not good:
        register_failure(*keys)
        record(actor, "accounts.sign_in.code", result="failed", object_type="phone",
               object_id=personal_data.mask_phone(phone))
        raise ValidationError({"code": _("The code is wrong or has expired. Please check it or ask for a new one.")})
    clear_failures(*keys)
    with transaction.atomic():
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User(username=f"v{secrets.token_hex(6)}", phone=phone)
            user.set_unusable_password()
            user.save()
            record(Actor(user=user, channel=actor.channel, source=actor.source), "accounts.villager.sign_up", user)
        if not user.is_active:
            raise ValidationError({"code": _("This account is disabled. Please contact your village staff.")})
        if Assignment.objects.active().filter(user=user).exclude(role=Role.VILLAGER).exists():
            raise ValidationError({"code": _("This number belongs to an official account. Please use the staff sign-in.")})
        record(Actor(user=user, channel=actor.channel, source=actor.source), "accounts.sign_in", user,
               detail={"method": "phone_code"})
    return user


def check_password(request, username: str, password: str, actor: Actor) -> User:
    """First factor for officials. The same message for an unknown user and a wrong password."""
    username = (username or "").strip()[:150]
    keys = (_key("user", username.lower()), _key("ip", actor.source))
    check_not_locked(*keys)
    user = authenticate(request, username=username, password=password)  # runs the hasher for unknown users too
    if user is None:
        register_failure(*keys)
        record(actor, "accounts.sign_in.password", result="failed", object_type="username", object_id=username[:64])
        raise ValidationError(_("The username or password is not right."))
    clear_failures(*keys)
    return user


def check_second_factor(user: User, code: str, actor: Actor) -> None:
    from .services import check_totp

    keys = (_key("totp", str(user.pk)),)
    check_not_locked(*keys)
    if not check_totp(user, code):
        register_failure(*keys)
        record(actor, "accounts.sign_in.totp", user, result="failed")
        raise ValidationError({"code": _("That code is not right. Check the time on your phone and try again.")})
    clear_failures(*keys)
