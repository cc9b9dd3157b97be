"""The demo and test backend: texts are kept in the outbox table, none is sent. A deploy check refuses it in
production."""

from __future__ import annotations

from .base import SmsProvider


class OutboxSms(SmsProvider):
    @classmethod
    def missing_settings(cls, config: dict, purposes: dict) -> list[str]:
        return []

    def send(self, phone: str, purpose: str, params: dict[str, str], text: str) -> str:
        from django.apps import apps

        row = apps.get_model("accounts", "OutboxMessage").objects.create(phone=phone, body=text, purpose=purpose)
        return f"outbox-{row.pk}"
