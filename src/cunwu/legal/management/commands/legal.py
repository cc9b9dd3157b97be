"""`cunwu legal`: consultations someone may answer or asked, legal-aid and mediation files, the knowledge-base
search, coverage, and the justice bureau's figures."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from cunwu.accounts import permissions
from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.legal import aid, collaboration, mediation, services, statistics


class Command(BaseCommand):
    help = "Public legal services: consultations, knowledge-base search, coverage of the network."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("consultations", help="questions to answer, and those asked or taken in")
        listing.add_argument("--state", default="open", help="open or answered")
        add_actor_argument(listing)
        find = sub.add_parser("search", help="search the knowledge base")
        find.add_argument("question")
        find.add_argument("--village", default="")
        files = sub.add_parser("files", help="legal-aid and mediation files: content readable (R) or state only (T)")
        add_actor_argument(files)
        figures = sub.add_parser("figures", help="the justice bureau's figures for a region and period")
        figures.add_argument("region")
        figures.add_argument("--start", type=_date, default=None)
        figures.add_argument("--end", type=_date, default=None)
        figures.add_argument("--xlsx", default="", help="write the spreadsheet to this file")
        add_actor_argument(figures)
        ask = sub.add_parser("collaborate", help="ask another county's legal aid centre to do part of an application")
        ask.add_argument("application", type=int)
        ask.add_argument("county")
        ask.add_argument("--task", required=True)
        ask.add_argument("--days", default="10")
        add_actor_argument(ask)
        apply = sub.add_parser("apply-mediation", help="a party applies for mediation (the villager, or staff for them)")
        apply.add_argument("village")
        apply.add_argument("--category", required=True)
        apply.add_argument("--summary", required=True)
        apply.add_argument("--respondent", required=True, help="the other side's name")
        apply.add_argument("--respondent-sex", default="")
        apply.add_argument("--sex", default="", help="the applicant's sex (M or F)")
        apply.add_argument("--name", default="", help="staff: the applicant's name")
        apply.add_argument("--phone", default="", help="staff: the applicant's phone")
        apply.add_argument("--consent", default="", help="staff: the villager's consent to apply for them")
        add_actor_argument(apply)
        rows = sub.add_parser("collaborations", help="off-site collaboration asked by or of the caller's county")
        rows.add_argument("--state", default="")
        add_actor_argument(rows)
        step = sub.add_parser("collaboration", help="answer (accept|decline), report done, or withdraw one")
        step.add_argument("id", type=int)
        step.add_argument("step", choices=["accept", "decline", "done", "withdraw"])
        step.add_argument("--text", default="", help="the reason (decline, withdraw) or what was done")
        add_actor_argument(step)
        cover = sub.add_parser("coverage", help="villages lacking an adviser, a committee or legal-understanding people")
        cover.add_argument("region")
        add_actor_argument(cover)

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except (permissions.NotFound, permissions.Forbidden, ValidationError) as exc:
            raise command_error(exc) from exc

    def _collaborate(self, options):
        row = collaboration.ask(actor_from(options), options["application"], options["county"], options["task"],
                                options["days"])
        self.stdout.write(f"collaboration {row.pk} asked of {row.helper_id}, answer due {row.due_at:%Y-%m-%d %H:%M}")

    def _apply_mediation(self, options):
        case = mediation.apply(actor_from(options), mediation.MediationApplication(
            village=options["village"], category=options["category"], summary=options["summary"],
            respondent_name=options["respondent"], respondent_sex=options["respondent_sex"],
            applicant_sex=options["sex"], applicant_name=options["name"], applicant_phone=options["phone"],
            consent=options["consent"]))
        self.stdout.write(f"mediation {case.number} opened, to end by {case.due_on}")

    def _collaborations(self, options):
        for c in collaboration.visible(actor_from(options), options["state"])[:500]:
            due = f"{c.due_at:%Y-%m-%d %H:%M}" if c.due_at else "-"
            self.stdout.write(f"{c.pk}\t{c.application.number}\t{c.county_code}->{c.helper_id}\t{c.state}\t{due}")

    def _collaboration(self, options):
        actor, pk, text = actor_from(options), options["id"], options["text"]
        steps = {"accept": lambda: collaboration.answer(actor, pk, True),
                 "decline": lambda: collaboration.answer(actor, pk, False, text),
                 "done": lambda: collaboration.report(actor, pk, text),
                 "withdraw": lambda: collaboration.withdraw(actor, pk, text)}
        row = steps[options["step"]]()
        self.stdout.write(f"collaboration {row.pk}: {row.state}")

    def _consultations(self, options):
        actor = actor_from(options)
        rows = {c.pk: c for c in services.adviser_queue(actor, options["state"])[:500]}
        rows.update({c.pk: c for c in services.my_consultations(actor)[:500]})
        for c in sorted(rows.values(), key=lambda c: c.created_at):
            self.stdout.write(f"{c.pk}\t{c.created_at:%Y-%m-%d %H:%M}\t{c.village_id}\t{c.state}\t{c.question[:30]}")

    def _search(self, options):
        for article, score in services.similar(options["question"], options["village"], limit=10):
            self.stdout.write(f"{score:.3f}\t{article.pk}\t{article.title}")

    def _coverage(self, options):
        region, rows, total = services.coverage(actor_from(options), options["region"])
        for r in [*rows, total]:
            self.stdout.write(f"{r.code}\t{r.name}\tvillages {r.villages}\tadviser {r.with_adviser}\t"
                              f"committee {r.with_committee}\tpeople>=3 {r.with_enough_people}")
        for code, name, missing in total.lacking or []:
            self.stdout.write(f"{code}\t{name}\t{'；'.join(missing)}")

    def _files(self, options):
        actor = actor_from(options)
        readable = {("aid", a.pk) for a in aid.applications(actor)[:1000]}
        readable |= {("mediation", c.pk) for c in mediation.cases(actor)[:1000]}
        rows = [("aid", r) for r in aid.tracked(actor)[:1000]] + [("mediation", r) for r in
                                                                  mediation.tracked(actor)[:1000]]
        for kind, r in rows:
            mark = "R" if (kind, r["pk"]) in readable else "T"
            self.stdout.write(f"{kind}:{r['pk']}\t{mark}\t{r['number']}\t{r['village_id']}\t{r['state']}")

    def _figures(self, options):
        result = statistics.report(actor_from(options), options["region"], options["start"], options["end"])
        names = [name for name, _label in statistics.HEADERS]
        self.stdout.write("\t".join(label for _name, label in statistics.HEADERS))
        for row in [*result.rows, result.total]:
            self.stdout.write("\t".join(str(getattr(row, n)) for n in names))
        if options["xlsx"]:
            with open(options["xlsx"], "wb") as out:
                out.write(statistics.to_xlsx(result))


def _date(value: str):
    import datetime as dt

    return dt.date.fromisoformat(value)
