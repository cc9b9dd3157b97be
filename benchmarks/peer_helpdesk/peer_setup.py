"""Migrate the peer's database and make its staff user, API token and queue; print the token and the queue's id."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

call_command("migrate", verbosity=0)
user, _made = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True,
                                                                                  "is_superuser": True})
token, _made = Token.objects.get_or_create(user=user)
queue, _made = Queue.objects.get_or_create(slug="village", defaults={"title": "村级受理"})
print(token.key, queue.pk)
