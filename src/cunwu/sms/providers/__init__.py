"""Message providers: the demo outbox, Alibaba Cloud SMS, Tencent Cloud SMS and WeCom application messages."""

from .base import DeliveryFailed, MessengerProvider, SmsProvider

__all__ = ["DeliveryFailed", "MessengerProvider", "SmsProvider"]
