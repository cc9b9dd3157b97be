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
    """The client's address. Behind a trusted proxy, TrustedProxyMiddleware has already put the address the
    proxy saw into REMOTE_ADDR; nobody else's X-Forwarded-For is believed (see docs/deployment.md)."""
    return (request.META.get("REMOTE_ADDR") or "")[:64]


def parse_networks(text: str) -> list:
    """CUNWU_TRUSTED_PROXIES: addresses or networks, comma separated ("10.0.0.5, 10.1.0.0/16")."""
    import ipaddress

    found = []
    for part in (text or "").split(","):
        part = part.strip()
        if part:
            found.append(ipaddress.ip_network(part, strict=False))
    return found


def _trusted(address: str, networks: list) -> bool:
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in networks)


def resolve_forwarded(remote_addr: str, forwarded_for: str, forwarded_proto: str,
                      networks: list) -> tuple[str, str | None]:
    """(client address, scheme or None) of a request that came through trusted proxies.

    Only when the immediate peer is a trusted proxy are its headers read; then X-Forwarded-For is walked from
    the right, skipping trusted proxies, and the first other address is the client (the entries left of it
    were written by the client and prove nothing)."""
    if not networks or not _trusted(remote_addr, networks):
        return remote_addr, None
    client = remote_addr
    for hop in reversed([h.strip() for h in (forwarded_for or "").split(",") if h.strip()]):
        client = hop
        if not _trusted(hop, networks):
            break
    proto = (forwarded_proto or "").split(",")[-1].strip().lower()  # the value our own proxy added last
    return client[:64], proto if proto in ("http", "https") else None
