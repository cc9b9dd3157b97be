"""`cunwu cases`: list and show cases, the rates, and the holiday table."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from cunwu.accounts import permissions
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.cases import clock, queues, services
from cunwu.cases.models import CalendarDay


def _days(text: str) -> list[dt.date]:
    """"2027-02-06" or a range "2027-02-06..2027-02-12"."""
    first, _sep, last = text.partition("..")
    start = dt.date.fromisoformat(first)
    end = dt.date.fromisoformat(last) if last else start
    if end < start or (end - start).days > 366:
        raise ValidationError({"days": ["A range runs forward and spans at most a year."]})
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


class Command(BaseCommand):
    help = "Cases: list, show, rates and ranking; the holiday table of the working-day clock."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("list", help="cases the acting user may see, the most urgent first")
        ls.add_argument("--status", default="open")
        ls.add_argument("--limit", type=int, default=50)
        add_actor_argument(ls)
        show = sub.add_parser("show", help="one case and its timeline")
        show.add_argument("number")
        add_actor_argument(show)
        rates = sub.add_parser("rates", help="the monthly rates and ranking of a region")
        rates.add_argument("region")
        rates.add_argument("--month", default="")
        rates.add_argument("--xlsx", default="")
        add_actor_argument(rates)
        cal = sub.add_parser("calendar", help="set or show days in the holiday table")
        cal.add_argument("days", help="YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, or a year to show")
        group = cal.add_mutually_exclusive_group()
        group.add_argument("--off", action="store_true", help="rest days (public holiday or local day off)")
        group.add_argument("--work", action="store_true", help="make-up working days")
        group.add_argument("--unset", action="store_true")
        cal.add_argument("--region", default="", help="a province, city or county code for local days off")
        cal.add_argument("--name", default="")
        add_actor_argument(cal)
        tally = sub.add_parser("tally", help="compare the daily tallies behind the rates with the cases")
        tally.add_argument("--rebuild", action="store_true", help="recount every tally from the cases")
        add_actor_argument(tally)

    def handle(self, *args, **options):
        actor = actor_from(options)
        try:
            getattr(self, "_" + options["action"])(actor, options)
        except (permissions.NotFound, permissions.Forbidden, ValidationError, ValueError) as exc:
            raise command_error(exc) from exc

    def _list(self, actor, options):
        queryset = queues.queue(actor, queues.Filters(status=options["status"]))
        for c in queryset[: max(1, options["limit"])]:
            due = c.due_at.strftime("%Y-%m-%d %H:%M") if c.due_at else "-"
            self.stdout.write(f"{c.number}\t{c.state}\t{c.stage}\t{due}\t{c.title}")

    def _show(self, actor, options):
        case = services.get_case(actor, options["number"])
        self.stdout.write(f"{case.number}  {case.title}\n{case.get_state_display()} · {case.get_stage_display()}")
        for e in case.events.all():
            self.stdout.write(f"{e.at:%Y-%m-%d %H:%M}  {e.plain_words}  {e.note}  ({e.role_label} {e.actor_label})")

    def _rates(self, actor, options):
        report = queues.ranking(queues.region_in_scope(actor, options["region"]), options["month"])
        for r in [report.overall, *report.townships, *report.departments]:
            d = r.as_dict()
            self.stdout.write("\t".join(str(x) for x in (
                r.key, r.name, r.received, d["response"]["rate"], d["resolution"]["rate"],
                d["satisfaction"]["rate"], d["on_time"]["rate"], r.score)))
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(report.xlsx())

    def _tally(self, actor, options):
        wrong, rows = services.check_tallies(actor, rebuild=options["rebuild"])
        for w in wrong[:20]:
            place, span = w.get("township") or w.get("village"), w["span"] + (f":{w['category']}" if "category" in w else "")
            self.stdout.write(f"{place}\t{span}\t{w['day']}\ttally {w['tally']}\tcases {w['cases']}")
        self.stdout.write(f"{len(wrong)} tallies differ from the cases")
        if options["rebuild"]:
            self.stdout.write(f"rebuilt: {rows} tallies")

    def _calendar(self, actor, options):
        text = options["days"]
        if text.isdigit() and len(text) == 4:
            year = int(text)
            for row in CalendarDay.objects.filter(day__year=year):
                self.stdout.write(f"{row.day}\t{row.region_code or 'CN'}\t{'work' if row.working else 'off'}\t{row.name}")
            known = "package" if clock.package_knows(year) else ("table" if clock.year_is_confirmed(year) else "none")
            self.stdout.write(f"{year}: schedule from {known}")
            return
        working = None if options["unset"] else bool(options["work"])
        if not (options["unset"] or options["off"] or options["work"]):
            raise ValidationError({"days": ["Say --off, --work or --unset."]})
        n = services.set_calendar_days(actor, _days(text), working, options["region"], options["name"])
        self.stdout.write(f"{n} days")
