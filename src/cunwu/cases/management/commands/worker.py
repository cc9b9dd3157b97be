"""`cunwu worker`: the background worker (huey's consumer with its periodic jobs); `--once` runs one sweep of
case time limits and exits (for cron or a test)."""

import json

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey

from cunwu.cases import worker


class Command(RunHuey):
    help = "Run the background worker: case time limits every minute, and queued jobs."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--once", action="store_true", help="run one sweep of case time limits and exit")

    def handle(self, *args, **options):
        if options.pop("once"):
            done = worker.sweep()
            self.stdout.write(json.dumps(dict(done), ensure_ascii=False))
            return
        super().handle(*args, **options)
