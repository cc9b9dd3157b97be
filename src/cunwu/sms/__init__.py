"""Text messages and work-messenger messages: the purposes (approved templates) and the configured provider.

A plain package below every app: accounts sends sign-in codes through it, notify delivers notifications
through it. The provider is CUNWU["SMS"]["BACKEND"] (the demo outbox by default; Alibaba Cloud or Tencent
Cloud SMS in production), WeCom for officials when CUNWU["WECOM"] is set.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from . import purposes


def sms_config() -> dict:
    return settings.CUNWU["SMS"]


def provider():
    config = sms_config()
    return import_string(config["BACKEND"])(config)


def messenger_configured() -> bool:
    return bool((settings.CUNWU.get("WECOM") or {}).get("CORP_ID"))


def messenger():
    """The WeCom application, or None when it is not configured."""
    config = settings.CUNWU.get("WECOM") or {}
    if not config.get("CORP_ID"):
        return None
    return import_string(config.get("BACKEND", "cunwu.sms.providers.wecom.WeComApp"))(config)


def send(phone: str, purpose: str, params: dict) -> str:
    """Text now (the sign-in code, which a person waits for). Raises providers.DeliveryFailed."""
    ordered = purposes.ordered(purpose, params)
    return provider().send(phone, purpose, ordered, purposes.render(purpose, ordered))


def missing_settings() -> list[str]:
    """What the configured providers lack (a template per purpose, a signature, keys): checked at start-up."""
    config = sms_config()
    backend = import_string(config["BACKEND"])
    needed = {name: p.params for name, p in purposes.PURPOSES.items()}
    missing = backend.missing_settings(config, needed)
    wecom = settings.CUNWU.get("WECOM") or {}
    if wecom.get("CORP_ID"):
        missing += import_string(wecom.get("BACKEND", "cunwu.sms.providers.wecom.WeComApp")).missing_settings(wecom)
    return missing
