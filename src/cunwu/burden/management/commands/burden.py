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
        cs = sub.add_parser("consent", help="the province consents to (or refuses) what a county approved")
        cs.add_argument("request", type=int)
        cs.add_argument("decision", choices=["consent", "refuse"])
        cs.add_argument("--reason", default="")
        add_actor_argument(cs)
        caps = sub.add_parser("caps", help="a county's cap per village (empty: none)")
        caps.add_argument("county")
        for name in ("work-items", "mechanisms", "forms"):
            caps.add_argument(f"--{name}", default="")
        add_actor_argument(caps)
        pl = sub.add_parser("plaques", help="a province's plaque standard: which hang outside, how many, the style")
        pl.add_argument("province")
        pl.add_argument("names", nargs="+")
        pl.add_argument("--most", required=True)
        pl.add_argument("--style", default="")
        add_actor_argument(pl)
        du = sub.add_parser("duty", help="put a duty by law on a county's list (perform, or assist the government)")
        du.add_argument("county")
        du.add_argument("--kind", required=True, choices=["perform", "assist"])
        du.add_argument("--title", required=True)
        du.add_argument("--basis", required=True)
        du.add_argument("--department", default="")
        add_actor_argument(du)
        li = sub.add_parser("lists", help="a county's three lists: duties by law, the negative list, the directory")
        li.add_argument("county")
        add_actor_argument(li)
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

    def _consent(self, actor, options):
        made = services.consent(actor, options["request"], options["decision"] == "consent", options["reason"])
        self.stdout.write(f"{made.number}: {made.state}")

    def _caps(self, actor, options):
        cap = services.set_caps(actor, options["county"], options["work_items"], options["mechanisms"],
                                options["forms"])
        self.stdout.write(f"{cap.county_id}: work items {cap.work_items or '-'}, mechanisms {cap.mechanisms or '-'}, "
                          f"forms {cap.forms or '-'}")

    def _plaques(self, actor, options):
        made = services.set_plaque_standard(actor, options["province"], options["names"], options["most"],
                                            options["style"])
        self.stdout.write(f"{made.province_id} v{made.version}: at most {made.most} of {'、'.join(made.names)}")

    def _duty(self, actor, options):
        made = services.add_duty(actor, options["county"], options["kind"], options["title"], options["basis"],
                                 options["department"])
        self.stdout.write(f"{made.pk}\t{made.kind}\t{made.title}")

    def _lists(self, actor, options):
        lists = services.county_lists(options["county"])
        for d in lists.duties:
            self.stdout.write(f"duty\t{d.kind}\t{d.title}\t{d.basis}")
        for key, label in lists.negative:
            self.stdout.write(f"negative\t{key}\t{label}")
        self.stdout.write(f"directory\t{lists.directory_items} items")

    def _index(self, actor, options):
        code = options["region"]
        year = options["year"] or timezone.localdate().year
        _place, rows, summary = services.burden_figures(actor, code, year)
        for r in [*rows, summary]:
            self.stdout.write(f"{r.code}\t{r.name}\t{r.villages}\t{r.work_items}\t{r.form_returns}\t{r.reports}\t{r.index}")
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(figures.to_xlsx(rows, summary, year))
