"""The `cunwu` console command: Django's management commands plus the platform's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cunwu", *sys.argv[1:]])


if __name__ == "__main__":
    main()
