"""`cunwu worker`: the background worker (huey's consumer with its periodic jobs: case and legal time limits
every minute, notifications sent as they come); `--once` runs one sweep of each and sends what is due, then
exits (for cron or a test)."""

import json

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey

from cunwu.cases import worker
from cunwu.legal import supervise
from cunwu.notify import services as notify


class Command(RunHuey):
    help = "Run the background worker: time limits every minute, notifications, and queued jobs."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--once", action="store_true",
                            help="run one sweep of time limits, send the notifications due, and exit")

    def handle(self, *args, **options):
        if options.pop("once"):
            done = {"cases": dict(worker.sweep()), "legal": dict(supervise.sweep()), "texts": notify.deliver_due()}
            self.stdout.write(json.dumps(done, ensure_ascii=False))
            return
        super().handle(*args, **options)
