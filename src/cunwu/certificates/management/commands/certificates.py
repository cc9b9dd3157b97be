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
        for name, helptext in (("type-add", "add a type to a province's list"),
                               ("type-change", "change one of a province's types (a new version)")):
            one = sub.add_parser(name, help=helptext)
            one.add_argument("province")
            one.add_argument("code")
            one.add_argument("--name", required=True)
            one.add_argument("--status", required=True, help="issuable, non_issuable or commitment")
            for text in ("legal-basis", "purpose", "procedure", "verify-instead"):
                one.add_argument(f"--{text}", default="")
            one.add_argument("--check", action="append", default=[], help="a check the staff make (repeat)")
            one.add_argument("--field", action="append", default=[], help="a printed field, name=label (repeat)")
            one.add_argument("--limit-days", default="0")
            one.add_argument("--validity-days", default="180")
            one.add_argument("--major", action="store_true")
            if name == "type-change":
                one.add_argument("--reason", required=True)
            add_actor_argument(one)
        retire = sub.add_parser("type-retire", help="withdraw one of a province's types")
        retire.add_argument("province")
        retire.add_argument("code")
        retire.add_argument("--reason", required=True)
        add_actor_argument(retire)
        history = sub.add_parser("type-history", help="a province's own types and their versions")
        history.add_argument("province")
        township = sub.add_parser("ask-township", help="ask the township to help obtain a proof the village must "
                                                       "not certify (a refused request)")
        township.add_argument("request", type=int)
        township.add_argument("--note", default="")
        township.add_argument("--consent", default="", help="the villager's consent, when staff ask for them")
        add_actor_argument(township)
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

    @staticmethod
    def _type_input(options) -> services.TypeInput:
        return services.TypeInput(
            name=options["name"], status=options["status"], legal_basis=options["legal_basis"],
            purpose=options["purpose"], procedure=options["procedure"], verify_instead=options["verify_instead"],
            checks=options["check"], fields=[f.split("=", 1) if "=" in f else f for f in options["field"]],
            limit_days=options["limit_days"], validity_days=options["validity_days"], major=options["major"])

    def _type_add(self, options):
        kind = services.add_type(actor_from(options), options["province"], options["code"], self._type_input(options))
        self.stdout.write(f"added {kind.code} v{kind.version} ({kind.get_status_display()})")

    def _type_change(self, options):
        kind = services.change_type(actor_from(options), options["province"], options["code"],
                                    self._type_input(options), options["reason"])
        self.stdout.write(f"changed {kind.code}: v{kind.version} in force")

    def _type_retire(self, options):
        kind = services.retire_type(actor_from(options), options["province"], options["code"], options["reason"])
        self.stdout.write(f"withdrawn {kind.code} v{kind.version}")

    def _type_history(self, options):
        book = services.province_types(options["province"])
        for t in [*book.own, *book.history]:
            until = f"{t.retired_at:%Y-%m-%d}" if t.retired_at else "in force"
            self.stdout.write(f"{t.code}\tv{t.version}\t{t.status}\t{t.changed_at:%Y-%m-%d}–{until}\t{t.name}")

    def _ask_township(self, options):
        number = services.ask_township(actor_from(options), options["request"], options["note"], options["consent"])
        self.stdout.write(f"case {number} at the township")

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
