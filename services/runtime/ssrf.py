"""SSRF guard: a URL → refused unless every address its host resolves to is public."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from services.runtime.errors import PermanentError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
_SCHEMES = frozenset({"http", "https"})


class UnsafeUrlError(PermanentError):
    """The URL points somewhere this service must not fetch from."""


def why_unsafe(address: Address) -> str | None:
    """Why an address must not be fetched, or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for reason, hit in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        # Carrier-grade NAT, documentation and reserved ranges are not private yet not public.
        ("non-global", not address.is_global),
    ):
        if hit:
            return reason
    return None


async def resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_url(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> None:
    """Raise UnsafeUrlError for a non-HTTP URL, or one whose host resolves to a private place."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise UnsafeUrlError(f"refusing {url!r}: only http and https URLs with a host are fetched")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = await resolver(parts.hostname, port)
    except OSError as exc:
        raise UnsafeUrlError(
            f"refusing {url!r}: {parts.hostname} does not resolve ({exc})"
        ) from exc
    _refuse_unsafe(url, addresses)


def _refuse_unsafe(url: str, addresses: Iterable[str]) -> None:
    for text in addresses:
        reason = why_unsafe(ipaddress.ip_address(text.split("%", 1)[0]))
        if reason:
            raise UnsafeUrlError(
                f"refusing {url!r}: it resolves to {reason} address {text}"
                " (set NEWSDESK_ALLOW_PRIVATE_URLS=true to allow)"
            )


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Checks the address each connection actually reached, closing the DNS-rebinding gap
    between `check_url`'s lookup and httpx's own."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        peer = stream.get_extra_info("server_addr")
        try:
            _refuse_unsafe(f"{host}:{port}", [str(peer[0])] if peer else [])
        except UnsafeUrlError:
            await stream.aclose()
            raise
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeUrlError(f"refusing unix socket {path!r}")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(*, allow_private: bool, **kwargs: Any) -> httpx.AsyncHTTPTransport:
    """An httpx transport that refuses to connect to private addresses unless allowed."""
    transport = httpx.AsyncHTTPTransport(**kwargs)
    pool = transport._pool
    if not allow_private and isinstance(pool, httpcore.AsyncConnectionPool):
        # httpx offers no public hook for the network backend; the pool's attribute is it.
        pool._network_backend = _GuardedBackend(pool._network_backend)
    return transport
