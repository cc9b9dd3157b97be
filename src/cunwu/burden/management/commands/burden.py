from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils import timezone

from cunwu.accounts import permissions
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.burden import figures, services
from cunwu.burden.models import AdmissionRequest


class Command(BaseCommand):
    help = "Village burden: admission requests, reviews, and the burden index."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("requests", help="admission requests the acting user may see")
        ls.add_argument("--state", default="")
        add_actor_argument(ls)
        rv = sub.add_parser("review", help="a reviewing department approves or rejects")
        rv.add_argument("request", type=int)
        rv.add_argument("decision", choices=["approve", "reject"])
        rv.add_argument("--reason", required=True)
        add_actor_argument(rv)
        panel = sub.add_parser("panel", help="set the departments that jointly review a county's requests")
        panel.add_argument("county")
        panel.add_argument("kinds", nargs="+", help="department kinds or Chinese names, e.g. organisation 民政局")
        add_actor_argument(panel)
        ix = sub.add_parser("index", help="the burden index of the places below a region")
        ix.add_argument("region")
        ix.add_argument("--year", type=int, default=None)
        ix.add_argument("--xlsx", default="", help="also write the table to this file")
        add_actor_argument(ix)

    def handle(self, *args, **options):
        actor = actor_from(options)
        try:
            getattr(self, "_" + options["action"])(actor, options)
        except (permissions.NotFound, permissions.Forbidden, ValidationError) as exc:
            raise command_error(exc) from exc

    def _requests(self, actor, options):
        queryset = permissions.restrict(AdmissionRequest.objects.all(), actor)
        if options["state"]:
            queryset = queryset.filter(state=options["state"])
        for r in queryset:
            self.stdout.write(f"{r.pk}\t{r.number}\t{r.state}\t{r.title}")

    def _review(self, actor, options):
        made = services.review(actor, options["request"], options["decision"], options["reason"])
        self.stdout.write(f"{made.reviewer_kind}: {made.decision}")

    def _panel(self, actor, options):
        made = services.set_review_panel(actor, options["county"], options["kinds"])
        self.stdout.write(f"{made.county_id}: {', '.join(made.kinds)}")

    def _index(self, actor, options):
        code = options["region"]
        year = options["year"] or timezone.localdate().year
        _place, rows, summary = services.burden_figures(actor, code, year)
        for r in [*rows, summary]:
            self.stdout.write(f"{r.code}\t{r.name}\t{r.villages}\t{r.work_items}\t{r.form_returns}\t{r.reports}\t{r.index}")
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(figures.to_xlsx(rows, summary, year))
