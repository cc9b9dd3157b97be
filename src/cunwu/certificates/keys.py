"""Each county's signing keys: made on first use, rotated by the county's administrator or the operator, and
published (every key, retired ones too, so that earlier certificates keep verifying)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions, personal_data
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.regions.models import Region

from . import signing
from .models import SigningKey


def _new_key(county: Region) -> SigningKey:
    private = signing.new_private_key()
    kid = f"{county.code}-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3)}"
    return SigningKey.objects.create(
        county=county, kid=kid, public_key=signing.b64encode(signing.public_bytes(private.public_key())),
        private_key_sealed=personal_data.encrypt(signing.b64encode(signing.private_bytes(private))))


def active_key(county_code: str) -> SigningKey:
    """The key that signs the county's certificates now (made on first use)."""
    key = SigningKey.objects.filter(county_id=county_code, retired_at__isnull=True).order_by("-created_at").first()
    if key is None:
        county = Region.objects.get(code=county_code, level=3)
        with transaction.atomic():
            key = _new_key(county)
            record(Actor.worker(), "certificates.key.created", key, region_code=county_code, detail={"kid": key.kid})
    return key


def private_key(key: SigningKey) -> Ed25519PrivateKey:
    return signing.load_private(signing.b64decode(personal_data.decrypt(key.private_key_sealed)))


def rotate(actor: Actor, county_code: str) -> SigningKey:
    """Retire the county's signing key and make a new one. What the old key signed still verifies."""
    county = Region.objects.filter(code=county_code, level=3).first()
    if county is None:
        raise permissions.NotFound
    if not actor.system and not any(a.role == Role.COUNTY_ADMIN and a.region_id == county.code
                                    for a in permissions.assignments_of(actor.user)):
        raise permissions.Forbidden(_("Only the county's administrator rotates its signing key."))
    with transaction.atomic():
        now = timezone.now()
        retired = list(SigningKey.objects.select_for_update().filter(county=county, retired_at__isnull=True))
        SigningKey.objects.filter(pk__in=[k.pk for k in retired]).update(retired_at=now)
        key = _new_key(county)
        record(actor, "certificates.key.rotated", key, region_code=county.code,
               detail={"kid": key.kid, "retired": [k.kid for k in retired]})
    return key


def public_keys() -> dict[str, Ed25519PublicKey]:
    """Every published key by key id."""
    return {kid: signing.load_public(text) for kid, text in SigningKey.objects.values_list("kid", "public_key")}


class KeyRing(Mapping):
    """The published keys, looked up one key id at a time: what online verification uses, so it reads one row
    (or none: a key's public half never changes, so a found key is kept for the life of the process)."""

    _found: dict[str, Ed25519PublicKey] = {}

    def __getitem__(self, kid: str) -> Ed25519PublicKey:
        if kid not in self._found:
            text = SigningKey.objects.filter(kid=str(kid)[:40]).values_list("public_key", flat=True).first()
            if text is None:
                raise KeyError(kid)
            self._found[kid] = signing.load_public(text)
        return self._found[kid]

    def __iter__(self):
        return iter(SigningKey.objects.values_list("kid", flat=True))

    def __len__(self) -> int:
        return SigningKey.objects.count()


def published(county_code: str = "") -> list[dict]:
    """The public keys as served at /certificates/keys.json: key id, county, the raw key, and its dates."""
    rows = SigningKey.objects.order_by("county_id", "created_at")
    if county_code:
        rows = rows.filter(permissions.within("county_id", county_code))
    return [{"kid": k.kid, "county": k.county_id, "alg": "Ed25519", "public_key": k.public_key,
             "created_at": k.created_at.isoformat(), "retired_at": k.retired_at.isoformat() if k.retired_at else None}
            for k in rows]
