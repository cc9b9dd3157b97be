"""What connected systems hear of emergency warnings (see partners.events): a warning is published to everyone
in its area, so its words go out as issued."""

from __future__ import annotations

from django.utils import timezone

from cunwu.partners.events import Outward, publish


def _warning(warning, entry) -> Outward:
    return Outward({"number": warning.number, "action": entry.action.rsplit(".", 1)[1], "kind": warning.kind,
                    "level": warning.level, "title": warning.title, "text": warning.text, "area": warning.area,
                    "valid_until": timezone.localtime(warning.valid_until).isoformat(timespec="seconds"),
                    "cancelled": warning.cancelled_at is not None or entry.action == "warning.cancelled"})


def register() -> None:
    publish("warning.issued", "warning.issued", _warning)
    publish("warning.cancelled", "warning.issued", _warning)
