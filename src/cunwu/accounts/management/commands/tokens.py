from django.core.management.base import BaseCommand, CommandError

from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.accounts.models import User
from cunwu.accounts.services import create_api_token, revoke_api_token, tokens_of


class Command(BaseCommand):
    help = ("API tokens: `create USERNAME --name NAME [--days N]` prints a new bearer token alone on its last line; "
            "`list USERNAME`; `revoke ID`.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="")
        create.add_argument("--days", type=int, default=None)
        add_actor_argument(create)
        listing = sub.add_parser("list")
        listing.add_argument("username")
        add_actor_argument(listing)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("id", type=int)
        add_actor_argument(revoke)

    def handle(self, *args, **options):
        actor = actor_from(options)
        try:
            if options["action"] == "revoke":
                row = revoke_api_token(actor, options["id"])
                self.stdout.write(f"revoked token {row.pk} ({row.prefix}…, {row.name}) of {row.user.username}")
                return
            person = User.objects.filter(username=options["username"]).first()
            if person is None:
                raise CommandError(f"no user named {options['username']}")
            if options["action"] == "list":
                for row in tokens_of(actor, person):
                    state = "revoked" if row.revoked_at else "usable" if row.usable else "expired"
                    used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never"
                    expires = row.expires_at.isoformat(timespec="minutes") if row.expires_at else "-"
                    self.stdout.write(f"{row.pk}\t{row.prefix}…\t{row.name}\t{state}\texpires {expires}\tlast used {used}")
                return
            token = create_api_token(actor, person, options["name"] or "console", options["days"])
        except CommandError:
            raise
        except Exception as exc:
            raise command_error(exc) from exc
        self.stdout.write(f"token for {person.username} (shown once; only its digest is kept):")
        self.stdout.write(token)
