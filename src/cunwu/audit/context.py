"""Who is acting: the user, the role assignment they act in, where from and through which channel.

Every service function takes an Actor. Views build one from the request, API endpoints from the token,
commands from `--as USERNAME` (or the console operator when no user is named).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass
class Actor:
    user: Any = None  # accounts.User, or None for the console operator / the worker
    channel: str = "web"  # web, api, console, worker
    source: str = ""  # client IP, or "console:<os user>"
    assignment: Any = None  # the assignment the current action was allowed under
    system: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_request(cls, request, channel: str = "web") -> Actor:
        user = request.user if getattr(request, "user", None) is not None and request.user.is_authenticated else None
        return cls(user=user, channel=getattr(request, "cunwu_channel", channel), source=client_ip(request))

    @classmethod
    def console(cls, user=None) -> Actor:
        try:
            who = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            who = "unknown"
        return cls(user=user, channel="console", source=f"console:{who}", system=user is None)

    @classmethod
    def worker(cls) -> Actor:
        return cls(channel="worker", source="worker", system=True)

    def acting_as(self, assignment) -> Actor:
        return replace(self, assignment=assignment)

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.username
        return "system"


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trusted solely behind a configured proxy (see docs/deployment.md).
    return (request.META.get("REMOTE_ADDR") or "")[:64]
