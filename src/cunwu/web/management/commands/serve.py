from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with waitress (static files through WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, **options):
        from django.db import connection
        from waitress import serve

        from cunwu.wsgi import application

        self.stdout.write(f"cunwu serving on http://{options['host']}:{options['port']}/ "
                          f"(database: {connection.vendor})")
        # waitress would drop X-Forwarded-* itself; TrustedProxyMiddleware believes them only from
        # CUNWU_TRUSTED_PROXIES and drops them from anyone else.
        serve(application, host=options["host"], port=options["port"], threads=options["threads"],
              clear_untrusted_proxy_headers=False)
