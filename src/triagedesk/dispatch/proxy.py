"""Who the client is: the address it connects from, unless that address is a proxy the operator named
(`--forwarded-allow-ips`): then the last X-Forwarded-For hop that is not a trusted proxy. Nothing is trusted by
default, so a client cannot pick its own rate-limit bucket with a header."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """`*` (any), or addresses and networks, comma-separated: `127.0.0.1, 10.0.0.0/8, ::1`."""

    def __init__(self, spec: str) -> None:
        parts = [part.strip() for part in spec.split(",") if part.strip()]
        self.any = "*" in parts
        self.networks: list[Network] = []
        for part in parts:
            if part == "*":
                continue
            try:
                self.networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"--forwarded-allow-ips: {part!r} is not an address or a network "
                                 "(like 127.0.0.1 or 10.0.0.0/8)") from None

    def __bool__(self) -> bool:
        return self.any or bool(self.networks)

    def trusts(self, host: str) -> bool:
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address as the nearest untrusted hop; the peer itself when it is no trusted proxy."""
        if not forwarded_for or not self.trusts(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return peer  # not an address: no proxy wrote that; the connection is all we know
        return hops[0] if hops else peer


class ProxyHeaders:
    """ASGI middleware: the scope's client becomes the address `TrustedProxies` finds (uvicorn's own proxy-header
    handling is turned off, so this is the only place that reads the header)."""

    def __init__(self, app: ASGIApp, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope.get("type") in ("http", "websocket") and self.trusted and scope.get("client"):
            peer = str(scope["client"][0])
            forwarded = [value.decode("latin-1") for name, value in scope.get("headers", [])
                         if name == b"x-forwarded-for"]
            client = self.trusted.client(peer, ", ".join(forwarded) if forwarded else None)
            if client != peer:
                scope = dict(scope)
                scope["client"] = (client, 0)
        await self.app(scope, receive, send)
