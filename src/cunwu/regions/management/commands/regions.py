import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.regions import codes
from cunwu.regions.importer import ImportRejected
from cunwu.regions.services import import_division_codes

EXPECTED_TOTAL = 665_276


class Command(BaseCommand):
    help = "Regions: `import` loads the statistical division codes (all of China, or one province)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import or update the division codes")
        imp.add_argument("--province", help="only this province (2-digit code)")
        imp.add_argument("--within", help="only this region's subtree (any code), e.g. a county for tests")
        imp.add_argument("--from", dest="directory", help="a directory with provinces/cities/areas/streets/villages.csv[.xz]")
        imp.add_argument("--edition", default="2023")
        imp.add_argument("--no-progress", action="store_true")
        add_actor_argument(imp)

    def handle(self, *args, **options):
        actor = actor_from(options)
        within = options.get("within") or options.get("province") or ""
        if options.get("province"):
            try:
                if codes.level_of(options["province"]) != 1:
                    raise CommandError(f"--province takes a 2-digit province code, not {options['province']}")
            except codes.InvalidRegionCode as exc:
                raise CommandError(str(exc)) from None
        bar = tqdm(total=None if within else EXPECTED_TOTAL, unit=" rows", disable=options["no_progress"] or None,
                   desc="regions")
        started = time.perf_counter()
        try:
            result = import_division_codes(actor, options.get("directory"), within=within, edition=options["edition"],
                                           progress=bar.update)
        except ImportRejected as exc:
            bar.close()
            lines = "\n".join(exc.problems[:200])
            more = f"\n... and {len(exc.problems) - 200} more" if len(exc.problems) > 200 else ""
            raise CommandError(f"{len(exc.problems)} bad rows; nothing was written:\n{lines}{more}") from None
        except (codes.InvalidRegionCode, Exception) as exc:
            bar.close()
            if isinstance(exc, CommandError):
                raise
            raise command_error(exc) from exc
        bar.close()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"read {result.read}, created {result.created}, updated {result.updated}, "
            f"deactivated {result.deactivated}, reactivated {result.reactivated}, unchanged {result.unchanged} "
            f"in {elapsed:.1f} s"
        )
