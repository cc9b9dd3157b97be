from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunwu.accounts import permissions
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.households import ledger


class Command(BaseCommand):
    help = "A village's household ledger: import one from .xlsx (all rows or none), or write the template."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a household ledger (.xlsx) into a village")
        imp.add_argument("file")
        imp.add_argument("--village", required=True)
        add_actor_argument(imp)
        tpl = sub.add_parser("template", help="write the empty ledger template")
        tpl.add_argument("--out", required=True)

    def handle(self, *args, **options):
        if options["action"] == "template":
            Path(options["out"]).write_bytes(ledger.template())
            self.stdout.write(f"wrote {options['out']}")
            return
        actor = actor_from(options)
        try:
            loaded = ledger.load(actor, options["village"], Path(options["file"]).read_bytes(),
                                 lambda n, total: self.stderr.write(f"\rchecked {n}/{total}", ending=""))
        except (permissions.NotFound, permissions.Forbidden, ValidationError) as exc:
            raise command_error(exc) from exc
        except ledger.LedgerRejected as exc:
            raise CommandError("nothing imported:\n" + "\n".join(exc.problems)) from exc
        self.stderr.write("")
        self.stdout.write(f"imported {loaded.households} households, {loaded.people} people, "
                          f"{loaded.labels} key-group labels into {options['village']}")
