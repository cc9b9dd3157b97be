"""`cunwu partitions`: the months of case events, notifications and the audit log on PostgreSQL."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunwu.accounts import permissions
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.cases import archive


class Command(BaseCommand):
    help = ("Monthly partitions (PostgreSQL): `list` each table's months and rows; `ensure` makes the coming "
            "months' partitions (the worker does it nightly); `detach --through YYYY-MM` takes old months out "
            "for archive, each left as a table of its own to dump and drop.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add_actor_argument(sub.add_parser("list", help="each partitioned table's months and their rows"))
        add_actor_argument(sub.add_parser("ensure", help="make this month's and the next three months' partitions"))
        detach = sub.add_parser("detach", help="detach every month up to this one (YYYY-MM) for archive")
        detach.add_argument("--through", required=True)
        add_actor_argument(detach)

    def handle(self, *args, **options):
        actor = actor_from(options)
        try:
            if options["action"] == "list":
                for m in archive.months(actor):
                    self.stdout.write(f"{m.table} {m.month:%Y-%m} {m.rows}" if m.month
                                      else f"{m.table} default {m.rows}")
            elif options["action"] == "ensure":
                made = archive.ensure_ahead(actor)
                self.stdout.write(f"made {', '.join(made)}" if made else "every coming month has its partition")
            else:
                year, _sep, month = options["through"].partition("-")
                if not (len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()
                        and 1 <= int(month) <= 12):
                    raise CommandError("--through is a month: YYYY-MM")
                through = dt.date(int(year), int(month), 1)
                for m in archive.detach_through(actor, through):
                    self.stdout.write(f"{m.table} {m.month:%Y-%m}: {m.rows} rows detached as {m.partition}")
        except (ValidationError, permissions.NotFound, permissions.Forbidden) as exc:
            raise command_error(exc) from exc
