"""Pluggable SMS delivery. The default keeps messages in an outbox table instead of sending them."""

from django.conf import settings
from django.utils.module_loading import import_string


class OutboxBackend:
    def send(self, phone: str, body: str, purpose: str = "") -> None:
        from .models import OutboxMessage

        OutboxMessage.objects.create(phone=phone, body=body, purpose=purpose)

    def send_many(self, messages: list[tuple[str, str, str]]) -> None:
        from .models import OutboxMessage

        OutboxMessage.objects.bulk_create([OutboxMessage(phone=p, body=b, purpose=u) for p, b, u in messages],
                                          batch_size=2000)


def send_sms(phone: str, body: str, purpose: str = "") -> None:
    import_string(settings.CUNWU["SMS_BACKEND"])().send(phone, body, purpose)


def send_sms_many(messages: list[tuple[str, str, str]]) -> None:
    """Many texts at once (phone, body, purpose): in one batch where the backend can, else one by one."""
    backend = import_string(settings.CUNWU["SMS_BACKEND"])()
    if hasattr(backend, "send_many"):
        backend.send_many(messages)
    else:
        for phone, body, purpose in messages:
            backend.send(phone, body, purpose)
