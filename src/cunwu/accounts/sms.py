"""Pluggable SMS delivery. The default keeps messages in an outbox table instead of sending them."""

from django.conf import settings
from django.utils.module_loading import import_string


class OutboxBackend:
    def send(self, phone: str, body: str, purpose: str = "") -> None:
        from .models import OutboxMessage

        OutboxMessage.objects.create(phone=phone, body=body, purpose=purpose)


def send_sms(phone: str, body: str, purpose: str = "") -> None:
    import_string(settings.CUNWU["SMS_BACKEND"])().send(phone, body, purpose)
