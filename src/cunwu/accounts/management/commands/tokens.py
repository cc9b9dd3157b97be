from django.core.management.base import BaseCommand, CommandError

from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.accounts.models import User
from cunwu.accounts.services import create_api_token


class Command(BaseCommand):
    help = "API tokens: `create USERNAME` prints a new bearer token alone on its last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="")
        add_actor_argument(create)

    def handle(self, *args, **options):
        actor = actor_from(options)
        person = User.objects.filter(username=options["username"]).first()
        if person is None:
            raise CommandError(f"no user named {options['username']}")
        try:
            token = create_api_token(actor, person, options["name"])
        except Exception as exc:
            raise command_error(exc) from exc
        self.stdout.write(f"token for {person.username} (shown once; only its digest is kept):")
        self.stdout.write(token)
