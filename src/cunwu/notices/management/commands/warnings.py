"""`cunwu warnings`: warnings of one's area and their acknowledgements, a village's copies to acknowledge, and
acknowledging; `cunwu warnings due REGION` lists villages that have not published the notices due."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from cunwu.accounts import permissions
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.notices import services, warnings


class Command(BaseCommand):
    help = "Emergency warnings and the village notices due."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add_actor_argument(sub.add_parser("list", help="warnings of your area, and your village's copies"))
        status = sub.add_parser("status", help="a warning's acknowledgements: villages that have not")
        status.add_argument("warning", type=int)
        add_actor_argument(status)
        ack = sub.add_parser("acknowledge", help="acknowledge a warning for your village")
        ack.add_argument("warning", type=int)
        ack.add_argument("--village", default="")
        add_actor_argument(ack)
        due = sub.add_parser("due", help="villages that have not published the notices due this period")
        due.add_argument("region")
        add_actor_argument(due)

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"])(options)
        except (permissions.NotFound, permissions.Forbidden, ValidationError) as exc:
            raise command_error(exc) from exc

    def _list(self, options):
        actor = actor_from(options)
        for w in warnings.issued(actor)[:200]:
            self.stdout.write(f"{w.pk}\tissued\t{w.issued_at:%Y-%m-%d %H:%M}\t{w.level}\t{w.villages}\t{w.title}")
        for t in warnings.for_village_staff(actor)[:200]:
            state = "acknowledged" if t.acknowledged_at else "waiting"
            self.stdout.write(f"{t.warning_id}\tcopy\t{t.village_id}\t{state}\t{t.warning.title}")

    def _status(self, options):
        found = warnings.status(actor_from(options), options["warning"])
        self.stdout.write(f"{found['acknowledged']}/{found['total']} acknowledged, {found['texted']} texted")
        for t in found["waiting"]:
            self.stdout.write(f"{t.village_id}\t{t.village.name}\twaiting")

    def _acknowledge(self, options):
        target = warnings.acknowledge(actor_from(options), options["warning"], options["village"])
        self.stdout.write(f"{target.village_id}\tacknowledged {target.acknowledged_at:%Y-%m-%d %H:%M}")

    def _due(self, options):
        region, lacking, total = services.overdue(actor_from(options), options["region"])
        self.stdout.write(f"{region.code}\t{len(lacking)} of {total} villages behind")
        for v in lacking:
            self.stdout.write(f"{v.code}\t{v.name}\t{','.join(c for c, _l, _at in v.missing)}")
