import os

from django.core.management.base import BaseCommand


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Command(BaseCommand):
    help = ("Serve the platform: several worker processes behind one port (gunicorn, threads in each), or one "
            "process (waitress) with --workers 1. Static files through WhiteNoise.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="threads in each worker process")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("CUNWU_WORKERS", 0)) or _cores(),
                            help="worker processes (CUNWU_WORKERS; the number of cores by default)")

    def handle(self, *args, **options):
        from django.db import connection

        workers = max(1, options["workers"])
        self.stdout.write(f"cunwu serving on http://{options['host']}:{options['port']}/ "
                          f"(database: {connection.vendor}, {workers} worker process{'es' if workers > 1 else ''})")
        self.stdout.flush()
        if workers == 1:
            from waitress import serve

            from cunwu.wsgi import application

            # waitress would drop X-Forwarded-* itself; TrustedProxyMiddleware believes them only from
            # CUNWU_TRUSTED_PROXIES and drops them from anyone else.
            serve(application, host=options["host"], port=options["port"], threads=options["threads"],
                  clear_untrusted_proxy_headers=False)
            return
        from cunwu.web.processes import Server

        Server(f"{options['host']}:{options['port']}", workers, options["threads"]).run()
