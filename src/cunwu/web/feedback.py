"""Turning a service's ValidationError into what a page shows: field errors, or flashed messages."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def flash_errors(request, exc: ValidationError) -> None:
    for field_messages in errors_of(exc).values():
        for message in field_messages:
            messages.error(request, message)
