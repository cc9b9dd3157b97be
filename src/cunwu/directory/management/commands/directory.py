from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunwu.accounts import permissions
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.directory import seed, services, spreadsheets
from cunwu.directory.models import Directory, DirectoryVersion


class Command(BaseCommand):
    help = "Service directories: seed, import and export (.xlsx), publish, and show a village's list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("seed", help="Jilin's reference directory, Siping's and Lishu's (console only)")
        s.add_argument("--all-counties", action="store_true", help="give every county of Jilin a basic directory")
        add_actor_argument(s)
        imp = sub.add_parser("import", help="put the items of an .xlsx file into a region's draft")
        imp.add_argument("file")
        imp.add_argument("--region", required=True)
        add_actor_argument(imp)
        exp = sub.add_parser("export", help="write a version to .xlsx")
        exp.add_argument("--region", required=True)
        exp.add_argument("--version", default="current", help="a number, current or draft")
        exp.add_argument("--out", required=True)
        add_actor_argument(exp)
        pub = sub.add_parser("publish", help="publish a region's draft")
        pub.add_argument("--region", required=True)
        pub.add_argument("--note", default="")
        add_actor_argument(pub)
        show = sub.add_parser("show", help="the services a village offers today")
        show.add_argument("village")
        add_actor_argument(show)

    def handle(self, *args, **options):
        actor = actor_from(options)
        try:
            getattr(self, "_" + options["action"])(actor, options)
        except (permissions.NotFound, permissions.Forbidden, ValidationError) as exc:
            raise command_error(exc) from exc
        except spreadsheets.RowsRejected as exc:
            raise CommandError("\n".join(exc.problems)) from exc

    def _seed(self, actor, options):
        if not actor.system:
            raise CommandError("Seeding is for the console operator (run without --as).")
        published = seed.seed_jilin(actor, all_counties=options["all_counties"])
        self.stdout.write(f"published {published} directories")

    def _import(self, actor, options):
        saved = spreadsheets.import_workbook(actor, options["region"], Path(options["file"]).read_bytes())
        self.stdout.write(f"{saved} items in the draft of {options['region']}")

    def _export(self, actor, options):
        directory = permissions.get_or_404(Directory.objects.all(), actor, region_id=options["region"])
        versions = DirectoryVersion.objects.filter(directory=directory)
        wanted = options["version"]
        lookup = ({"pk": directory.current_id} if wanted == "current" else {"state": "draft"} if wanted == "draft"
                  else {"number": int(wanted)} if wanted.isdigit() else {"pk": None})
        version = permissions.get_or_404(versions, actor, **lookup)
        Path(options["out"]).write_bytes(spreadsheets.export_version(list(version.entries.all())))
        self.stdout.write(f"wrote {options['out']} (version {version.number}, {version.entries.count()} items)")

    def _publish(self, actor, options):
        version = services.publish(actor, options["region"], options["note"])
        self.stdout.write(f"published version {version.number} of {options['region']}")

    def _show(self, actor, options):
        entries = services.directory_for(options["village"])
        for e in entries:
            self.stdout.write(f"{e.code}\t{e.name}\t{e.promised_limit_days}")
        self.stdout.write(f"{len(entries)} services")
