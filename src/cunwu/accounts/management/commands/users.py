import sys

from django.core.management.base import BaseCommand, CommandError

from cunwu.accounts import permissions, services
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.accounts.models import Assignment, User
from cunwu.accounts.provisioning import RowsRejected, import_people
from cunwu.accounts.roles import Role


class Command(BaseCommand):
    help = "People: add, import (.xlsx), show, revoke, disable."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create a person with a first role")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=[r.value for r in Role])
        add.add_argument("--region", required=True, help="region code (12 digits for a village)")
        add.add_argument("--department", help="for department officers: civil_affairs, 民政局, ...")
        add.add_argument("--name", default="")
        add.add_argument("--phone", default="")
        add.add_argument("--national-id", default="")
        add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        add_actor_argument(add)
        imp = sub.add_parser("import", help="bulk provisioning from a spreadsheet")
        imp.add_argument("file")
        add_actor_argument(imp)
        show = sub.add_parser("show", help="one person, as the acting user may see them")
        show.add_argument("username")
        add_actor_argument(show)
        revoke = sub.add_parser("revoke", help="revoke a role assignment by its number")
        revoke.add_argument("assignment", type=int)
        add_actor_argument(revoke)
        wecom = sub.add_parser("wecom", help="set an official's WeCom account id (\"\" removes it)")
        wecom.add_argument("username")
        wecom.add_argument("wecom_id")
        add_actor_argument(wecom)
        for name, help_text in (("disable", "refuse this account at once"), ("enable", "allow it again")):
            p = sub.add_parser(name, help=help_text)
            p.add_argument("username")
            add_actor_argument(p)

    def handle(self, *args, **options):
        actor = actor_from(options)
        try:
            getattr(self, "_" + options["action"])(actor, options)
        except (permissions.NotFound, permissions.Forbidden, services.ValidationError) as exc:
            raise command_error(exc) from exc

    def _add(self, actor, options):
        password = ""
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        person = services.safe_create(
            services.create_user, actor,
            services.PersonInput(options["username"], options["name"], options["phone"], options["national_id"],
                                 password),
            options["role"], options["region"], options.get("department"),
        )
        self.stdout.write(f"added {person.username} as {options['role']} of {options['region']}")

    def _import(self, actor, options):
        try:
            done = import_people(actor, options["file"])
        except RowsRejected as exc:
            raise CommandError(f"{len(exc.problems)} problems; nothing was written:\n" + "\n".join(exc.problems)) from None
        self.stdout.write(f"added {len(done)} people")
        for row in done:
            if row.initial_password:
                self.stdout.write(f"{row.username}\t{row.initial_password}")

    def _find(self, actor, username):
        person = User.objects.filter(username=username).first()
        if person is None:
            raise permissions.NotFound
        return permissions.get_or_404(User.objects.all(), actor, pk=person.pk)

    def _show(self, actor, options):
        person = self._find(actor, options["username"])
        self.stdout.write(f"{person.username}\t{person.full_name}\t{person.masked_phone()}\t{person.masked_national_id()}")
        for a in permissions.restrict(Assignment.objects.filter(user=person), actor).select_related("region"):
            self.stdout.write(f"  #{a.pk} {a.role} {a.region_id} {a.region.name} {'active' if a.active else 'revoked'}")

    def _revoke(self, actor, options):
        a = services.revoke_assignment(actor, options["assignment"])
        self.stdout.write(f"revoked #{a.pk} ({a.role} of {a.region_id})")

    def _disable(self, actor, options):
        services.set_active(actor, self._find(actor, options["username"]).pk, False)
        self.stdout.write(f"disabled {options['username']}")

    def _wecom(self, actor, options):
        services.set_wecom_id(actor, self._find(actor, options["username"]).pk, options["wecom_id"])
        self.stdout.write(f"WeCom account of {options['username']}: {options['wecom_id'] or 'removed'}")

    def _enable(self, actor, options):
        services.set_active(actor, self._find(actor, options["username"]).pk, True)
        self.stdout.write(f"enabled {options['username']}")
