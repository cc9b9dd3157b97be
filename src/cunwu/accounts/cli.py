"""Shared helpers for the platform's commands: who acts (`--as USERNAME`), and errors in the user's language."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from cunwu.audit.context import Actor

from . import permissions
from .models import User


def add_actor_argument(parser) -> None:
    parser.add_argument("--as", dest="acting_user", metavar="USERNAME",
                        help="act with this user's permissions (default: the console operator)")
    parser.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"], help="language of messages")


def actor_from(options) -> Actor:
    translation.activate(options.get("lang") or "zh-hans")
    username = options.get("acting_user")
    if not username:
        return Actor.console()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user named %(u)s.") % {"u": username})
    return Actor.console(user)


def command_error(exc: Exception) -> CommandError:
    if isinstance(exc, permissions.NotFound):
        return CommandError(_("Not found."))
    if isinstance(exc, permissions.Forbidden):
        return CommandError(exc.message or _("You may not do this."))
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return CommandError("\n".join(f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms))
        return CommandError("\n".join(exc.messages))
    return CommandError(str(exc))
