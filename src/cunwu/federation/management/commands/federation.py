import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunwu.audit.context import Actor
from cunwu.federation import services


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a day (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = ("The nation as a federation of provinces (docs/deployment.md). On a province's instance: `key` prints "
            "the public key to register nationally, `report` prints a day's signed report, `send` sends the days "
            "that changed or were not taken to the national instance. On the national instance: `register` accepts a province's key, "
            "`national` prints each province's rates over a period.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("key", help="this province's public key (made on first use)")
        report = sub.add_parser("report", help="print the signed report of one day")
        report.add_argument("--day", required=True)
        report.add_argument("--province", default="", help="default: CUNWU_PROVINCE")
        send = sub.add_parser("send", help="send the days that changed or were not taken")
        send.add_argument("--to", default="", help="the national instance's address (default: CUNWU_NATIONAL_URL)")
        send.add_argument("--province", default="", help="default: CUNWU_PROVINCE")
        send.add_argument("--days", type=int, default=1, help="the last N days whatever they hold (default 1), "
                          "beside every day of the last 90 that changed since taken or was never taken")
        register = sub.add_parser("register", help="accept a province's reports signed by its key")
        register.add_argument("code", help="the province's two-digit code")
        register.add_argument("--key", required=True, help="its public key, as `cunwu federation key` prints it")
        register.add_argument("--name", default="")
        national = sub.add_parser("national", help="each province's rates over a period, from their reports")
        national.add_argument("--start", default="")
        national.add_argument("--end", default="")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "key":
                self.stdout.write(services.public_key())
            elif action == "report":
                self.stdout.write(services.report(_day(options["day"]), options["province"]))
            elif action == "send":
                for sent in services.send(Actor.console(), options["to"], options["province"], options["days"]):
                    self.stdout.write(f"{sent.day} {'taken' if sent.accepted else 'NOT TAKEN'}: {sent.answer}")
            elif action == "register":
                province = services.register(Actor.console(), options["code"], options["key"], options["name"])
                self.stdout.write(f"province {province.code} {province.name} registered")
            else:
                figures = services.national(_day(options["start"]) if options["start"] else None,
                                            _day(options["end"]) if options["end"] else None)
                self.stdout.write(f"{figures.start} to {figures.end}")
                for f in [*figures.provinces, None]:
                    rates = f.rates if f else figures.total
                    d = rates.as_dict()
                    extra = f"  days reported {f.days}, latest {f.last_day or '-'}" if f else ""
                    self.stdout.write(
                        f"{rates.key or '--'} {rates.name}: received {rates.received}, response "
                        f"{d['response']['rate']}%, resolution {d['resolution']['rate']}%, satisfaction "
                        f"{d['satisfaction']['rate']}%, on time {d['on_time']['rate']}%{extra}")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
