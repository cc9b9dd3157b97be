from django.core.management.base import BaseCommand, CommandError

from cunwu.audit import checkpoints
from cunwu.audit.services import verify


class Command(BaseCommand):
    help = ("Audit log: `verify` walks the hash chain and checks the signed checkpoints kept outside the database, "
            "naming the first break; `checkpoint` appends a signed checkpoint of the head now.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="check that no entry was edited, inserted or removed")
        check.add_argument("--public-key", default=None, help="verify the checkpoints with this public key only")
        point = sub.add_parser("checkpoint", help="append a signed checkpoint of the chain's head")
        point.add_argument("--public-key", action="store_true", help="print the checkpoint public key")

    def handle(self, *args, **options):
        if options["action"] == "checkpoint":
            if options["public_key"]:
                self.stdout.write(checkpoints.public_key_text())
                return
            line = checkpoints.write()
            self.stdout.write(f"checkpoint at entry #{line['seq']}" if line else "the head has not moved")
            return
        result = verify()
        if not result.ok:
            raise CommandError(f"audit chain broken at entry #{result.first_bad_seq}: {result.reason} "
                               f"({result.checked} entries verified before it)")
        signed = checkpoints.verify(options.get("public_key"))
        if not signed.ok:
            raise CommandError(f"audit chain does not match its signed checkpoints: {signed.reason}")
        self.stdout.write(f"audit chain intact: {result.checked} entries, {signed.checked} signed checkpoints agree")
