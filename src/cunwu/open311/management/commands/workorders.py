import datetime as dt
import pathlib

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.open311 import workorders


class Command(BaseCommand):
    help = ("Work orders of a connected system (the 12345 hotline, the provincial platform): `import PARTNER "
            "FILE.json|FILE.xlsx` makes a request of each new order and prints each row's outcome; `results PARTNER "
            "OUT.json|OUT.xlsx [--since YYYY-MM-DD]` writes what became of them, for the hotline.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import")
        load.add_argument("partner", type=int)
        load.add_argument("file")
        add_actor_argument(load)
        out = sub.add_parser("results")
        out.add_argument("partner", type=int)
        out.add_argument("file")
        out.add_argument("--since", default="")
        add_actor_argument(out)

    def handle(self, *args, **options):
        actor = actor_from(options)
        path = pathlib.Path(options["file"])
        try:
            if options["action"] == "import":
                if not path.is_file():
                    raise CommandError(f"no file {path}")
                rows = workorders.read(path.name, path.read_bytes())
                outcomes = workorders.import_orders(actor, options["partner"], rows)
                for o in outcomes:
                    self.stdout.write(f"{o.row}\t{o.order_number}\t{o.state}\t{o.number}\t{' '.join(o.problems)}")
                counts = {s: sum(o.state == s for o in outcomes) for s in ("created", "already", "refused")}
                self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
                return
            since = None
            if options["since"]:
                since = timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(options["since"]), dt.time()))
            rows = workorders.results(actor, options["partner"], since)
            data = workorders.as_xlsx(rows) if path.suffix.lower() == ".xlsx" else workorders.as_json(rows)
            path.write_bytes(data)
            self.stdout.write(f"{len(rows)} orders written to {path}")
        except CommandError:
            raise
        except Exception as exc:
            raise command_error(exc) from exc
