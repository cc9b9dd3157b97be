from django.core.management.base import BaseCommand, CommandError

from cunwu.accounts.cli import actor_from, add_actor_argument, command_error
from cunwu.partners import delivery, services
from cunwu.partners.events import CATALOGUE


class Command(BaseCommand):
    help = ("Connected systems: `connect COUNTY NAME --kind hotline`; `list`; `key PARTNER` prints a new Open311 "
            "api_key alone on its last line; `revoke-key PARTNER KEY`; `endpoint PARTNER URL --events a,b` prints "
            "the signing secret alone on its last line; `pause|resume PARTNER ENDPOINT`; `replay PARTNER SEND`; "
            "`deliver` sends every webhook due now; `events` lists the event types.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        connect = sub.add_parser("connect")
        connect.add_argument("county")
        connect.add_argument("name")
        connect.add_argument("--kind", default="other")
        connect.add_argument("--contact", default="")
        connect.add_argument("--per-minute", type=int, default=60)
        for name, extra in (("list", ()), ("key", ("partner",)), ("revoke-key", ("partner", "key")),
                            ("endpoint", ("partner", "url")), ("pause", ("partner", "endpoint")),
                            ("resume", ("partner", "endpoint")), ("replay", ("partner", "send"))):
            command = sub.add_parser(name)
            for argument in extra:
                command.add_argument(argument, type=str if argument == "url" else int)
            if name == "endpoint":
                command.add_argument("--events", default=",".join(CATALOGUE))
            add_actor_argument(command)
        add_actor_argument(connect)
        sub.add_parser("deliver")
        sub.add_parser("events")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "deliver":
            self.stdout.write(" ".join(f"{k}={v}" for k, v in sorted(delivery.deliver_due().items())) or "nothing due")
            return
        if action == "events":
            for code, label in CATALOGUE.items():
                self.stdout.write(f"{code}\t{label}")
            return
        actor = actor_from(options)
        try:
            if action == "connect":
                partner = services.connect(actor, services.PartnerInput(
                    options["county"], options["name"], options["kind"], options["contact"], options["per_minute"]))
                self.stdout.write(f"connected {partner.pk} {partner.name} ({partner.region_id})")
            elif action == "list":
                for p in services.partners_for(actor):
                    self.stdout.write(f"{p.pk}\t{p.region_id}\t{p.kind}\t{p.name}\t{'active' if p.active else 'off'}")
            elif action == "key":
                key = services.issue_key(actor, options["partner"])
                self.stdout.write("api_key (shown once; only its digest is kept):")
                self.stdout.write(key)
            elif action == "revoke-key":
                services.revoke_key(actor, options["partner"], options["key"])
                self.stdout.write(f"revoked key {options['key']}")
            elif action == "endpoint":
                endpoint, secret = services.add_endpoint(actor, options["partner"], options["url"],
                                                         options["events"].split(","))
                self.stdout.write(f"receiver {endpoint.pk} for {', '.join(endpoint.events)}; signing secret "
                                  "(shown once):")
                self.stdout.write(secret)
            elif action in ("pause", "resume"):
                services.set_endpoint(actor, options["partner"], options["endpoint"],
                                      state="paused" if action == "pause" else "active")
                self.stdout.write(f"receiver {options['endpoint']} {action}d")
            elif action == "replay":
                services.replay(actor, options["partner"], options["send"])
                self.stdout.write(f"delivery {options['send']} will be sent again")
        except CommandError:
            raise
        except Exception as exc:
            raise command_error(exc) from exc
