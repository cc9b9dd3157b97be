"""`cunwu certificates`: the types, the counties' signing keys, and offline verification of a PDF or payload."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunwu.accounts import permissions
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.certificates import keys, offline, services


class Command(BaseCommand):
    help = "Certificates: seed and list the types, rotate and publish signing keys, verify offline."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        types = sub.add_parser("types", help="list the types a village's province knows (seeding the national ones)")
        types.add_argument("--village", default="")
        verify = sub.add_parser("verify", help="verify a certificate PDF, a payload or a verification link offline")
        verify.add_argument("target")
        verify.add_argument("--keys", default="", help="the published keys (keys.json); default: this database's")
        rotate = sub.add_parser("rotate-key", help="retire a county's signing key and make a new one")
        rotate.add_argument("county")
        add_actor_argument(rotate)
        listing = sub.add_parser("requests", help="list the certificate requests someone may see")
        listing.add_argument("--state", default="all", help="open, refused, pending, review, issued, committed or all")
        add_actor_argument(listing)
        publish = sub.add_parser("keys", help="print the published public keys as JSON")
        publish.add_argument("--county", default="")

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except (permissions.NotFound, permissions.Forbidden, ValidationError) as exc:
            raise command_error(exc) from exc

    def _types(self, options):
        services.seed_types()
        rows = services.types_for(options["village"]) if options["village"] else services.types_for("00")
        for t in rows:
            self.stdout.write(f"{t.code}\t{t.status}\t{t.name}\t{t.verify_instead or t.legal_basis}")

    def _verify(self, options):
        if options["keys"]:
            public = offline.keys_from_json(Path(options["keys"]).read_text(encoding="utf-8"))
        else:
            public = keys.public_keys()
        result = offline.check(options["target"], public, timezone.localdate())
        claims = result.claims
        if claims:
            self.stdout.write(f"serial {claims.get('s')} · type {claims.get('t')} · village {claims.get('v')} · "
                              f"holder {claims.get('h')} · issued {claims.get('i')} · valid until {claims.get('u')} "
                              f"· key {claims.get('k')}")
        if not result.ok:
            raise CommandError(f"NOT VALID: {result.reason}")
        self.stdout.write("VALID: the signature and content check out (revocation can only be seen online)")

    def _requests(self, options):
        for r in services.visible_requests(actor_from(options), options["state"]).select_related("certificate")[:500]:
            serial = r.certificate.serial if r.state == "issued" else "-"
            self.stdout.write(f"{r.pk}\t{r.created_at:%Y-%m-%d}\t{r.village_id}\t{r.type.code}\t{r.state}\t{serial}")

    def _rotate_key(self, options):
        key = keys.rotate(actor_from(options), options["county"])
        self.stdout.write(f"new key {key.kid}")

    def _keys(self, options):
        self.stdout.write(json.dumps({"keys": keys.published(options["county"])}, ensure_ascii=False, indent=1))
