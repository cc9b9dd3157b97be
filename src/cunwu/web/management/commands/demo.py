from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cunwu.web.demo import build_demo, demo_exists


class Command(BaseCommand):
    help = "Set up the Lishu County demo once and print how to sign in as each person."

    def handle(self, *args, **options):
        notes = settings.VAR_DIR / "demo-accounts.txt"
        if demo_exists():
            self.stdout.write("The demo is already set up.")
            if notes.exists():
                self.stdout.write(notes.read_text())
            return
        from cunwu.accounts.models import User

        if User.objects.exists():  # a real database: the demo's known passwords must never land there
            raise CommandError("This database already holds people who are not the demo's; the demo (with its "
                               "published passwords) is set up only on an empty database.")
        accounts = build_demo()
        lines = ["Demo: Lishu County, Jilin (220322). Sign in at http://127.0.0.1:8000/", ""]
        for a in accounts:
            line = f"{a.role:<20} {a.region}  {a.how}"
            if a.totp_secret:
                line += f"  TOTP key {a.totp_secret}"
            lines.append(line)
        lines += [
            "",
            "Villagers: the demo shows the text message with the code on the code page (no real SMS is sent).",
            "County-level accounts need a TOTP code: add the key to an authenticator app, or run",
            "  .venv/bin/python -c \"import pyotp,sys; print(pyotp.TOTP(sys.argv[1]).now())\" KEY",
        ]
        text = "\n".join(lines) + "\n"
        notes.write_text(text)
        notes.chmod(0o600)
        self.stdout.write(text)
