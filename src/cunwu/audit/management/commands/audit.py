from django.core.management.base import BaseCommand, CommandError

from cunwu.audit.services import verify


class Command(BaseCommand):
    help = "Audit log: `verify` walks the hash chain and names the first broken entry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check that no entry was edited, inserted or removed")

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            raise CommandError(f"audit chain broken at entry #{result.first_bad_seq}: {result.reason} "
                               f"({result.checked} entries verified before it)")
        self.stdout.write(f"audit chain intact: {result.checked} entries")
