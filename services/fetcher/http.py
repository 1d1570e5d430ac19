"""Fetcher HTTP: a feed URL + stored validators → a FetchResult (conditional GET, hop by hop)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx

from services.runtime.retry_after import parse_retry_after
from services.runtime.ssrf import Resolver, UnsafeUrlError, check_url, guarded_transport, resolve

Outcome = Literal["fetched", "not_modified", "gone", "failed"]
MIB = 1024 * 1024
_PERMANENT = frozenset({301, 308})
_TEMPORARY = frozenset({302, 303, 307})
_BACK_OFF = frozenset({429, 503})


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str
    body_cap: int = 15 * MIB
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0
    per_host: int = 2
    max_redirects: int = 5
    allow_private: bool = False


@dataclass(frozen=True)
class FetchResult:
    """What one poll found. `url` changes only when every redirect hop was permanent."""

    outcome: Outcome
    url: str
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    retry_after_s: float | None = None


class FetchFailed(Exception):
    """A poll that found nothing usable; carries the server's Retry-After when it sent one."""

    def __init__(self, reason: str, status: int | None = None, retry_after_s: float | None = None):
        super().__init__(reason)
        self.status = status
        self.retry_after_s = retry_after_s


class HostLimiter:
    """At most `per_host` requests in flight to any one host, however many feeds it serves."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        semaphore, users = self._slots.get(host) or (asyncio.Semaphore(self._per_host), 0)
        self._slots[host] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._slots[host]
            # Forget idle hosts, so a fleet of feeds does not grow this forever.
            if users == 1:
                del self._slots[host]
            else:
                self._slots[host] = (semaphore, users - 1)


def build_client(policy: FetchPolicy, max_connections: int = 100) -> httpx.AsyncClient:
    """The one client a fetcher process uses: guarded, no env proxies, redirects by hand."""
    timeout = httpx.Timeout(
        policy.read_timeout_s, connect=policy.connect_timeout_s, pool=policy.total_timeout_s
    )
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.AsyncClient(
        transport=guarded_transport(allow_private=policy.allow_private, limits=limits),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
    )


class FeedFetcher:
    """Polls feeds with one shared client; never raises for network or HTTP trouble."""

    def __init__(
        self, client: httpx.AsyncClient, policy: FetchPolicy, resolver: Resolver = resolve
    ) -> None:
        self._client = client
        self._policy = policy
        self._resolver = resolver
        self._hosts = HostLimiter(policy.per_host)

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        try:
            async with asyncio.timeout(self._policy.total_timeout_s):
                return await self._follow(url, _conditional(etag, last_modified))
        except TimeoutError:
            return _failed(url, f"timed out after {self._policy.total_timeout_s:g}s in total")
        except FetchFailed as exc:
            return _failed(url, str(exc), exc.status, exc.retry_after_s)
        except (UnsafeUrlError, httpx.InvalidURL) as exc:
            return _failed(url, str(exc))
        except httpx.HTTPError as exc:
            return _failed(url, _describe(exc))

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        stored, current, permanent = url, url, True
        for _ in range(self._policy.max_redirects + 1):
            status, response_headers, body = await self._hop(current, headers)
            if status not in _PERMANENT | _TEMPORARY:
                return _result(stored, status, response_headers, body)
            location = response_headers.get("location")
            if not location:
                raise FetchFailed(f"HTTP {status} redirect without a Location", status)
            current = urljoin(current, location.strip())
            # A permanent hop after a temporary one does not move the feed: the temporary
            # hop may point elsewhere tomorrow.
            permanent = permanent and status in _PERMANENT
            if permanent:
                stored = current
        raise FetchFailed(f"more than {self._policy.max_redirects} redirects")

    async def _hop(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        await check_url(url, allow_private=self._policy.allow_private, resolver=self._resolver)
        async with (
            self._hosts.slot(urlsplit(url).hostname or ""),
            self._client.stream("GET", url, headers=headers) as response,
        ):
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code != 200:
                return response.status_code, response_headers, b""
            body = await _read_capped(response, self._policy.body_cap)
            return response.status_code, response_headers, body


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _result(stored: str, status: int, headers: dict[str, str], body: bytes) -> FetchResult:
    if status == 200:
        return FetchResult("fetched", stored, status, body, headers)
    if status == 304:
        return FetchResult("not_modified", stored, status, b"", headers)
    if status == 410:
        return FetchResult("gone", stored, status, headers=headers)
    retry_after = None
    if status in _BACK_OFF:
        retry_after = parse_retry_after(headers.get("retry-after"), datetime.now(UTC))
    raise FetchFailed(f"HTTP {status}", status, retry_after)


def _failed(
    url: str, reason: str, status: int | None = None, retry_after_s: float | None = None
) -> FetchResult:
    return FetchResult("failed", url, status, error=reason, retry_after_s=retry_after_s)


def _describe(exc: httpx.HTTPError) -> str:
    kinds: dict[type[httpx.HTTPError], str] = {
        httpx.ConnectTimeout: "connect timed out",
        httpx.ReadTimeout: "read timed out",
        httpx.PoolTimeout: "timed out waiting for a connection",
        httpx.ConnectError: "could not connect",
    }
    kind = kinds.get(type(exc), type(exc).__name__)
    return f"{kind}: {exc}" if str(exc) else kind


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
    """The decoded body, refused as soon as it passes `cap`, compressed or not."""
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if declared.isdigit() and encoding == "identity" and int(declared) > cap:
        raise FetchFailed(f"body of {int(declared)} bytes exceeds the {cap} byte cap", 200)
    decoder = CappedDecoder(encoding, cap)
    async for chunk in response.aiter_raw():
        decoder.feed(chunk)
    return decoder.finish()


class CappedDecoder:
    """gzip/deflate/identity decoding that never holds more than `cap` decoded bytes.

    httpx's own decoder inflates a whole network chunk at once, so a small chunk of a gzip
    bomb can expand a thousandfold before any check runs; `max_length` bounds each step.
    """

    def __init__(self, encoding: str, cap: int) -> None:
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise FetchFailed(f"unsupported Content-Encoding {encoding!r}", 200)
        self._compressed = encoding != "identity"
        self._cap = cap
        self._inflate: Any = None
        self._head = b""
        self._parts: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        if not self._compressed:
            self._append(chunk)
        elif self._inflate is None and len(self._head + chunk) < 2:
            self._head += chunk
        else:
            self._inflate = self._inflate or _sniff(self._head + chunk)
            data, self._head = self._head + chunk, b""
            self._inflate_chunk(data)

    def finish(self) -> bytes:
        if self._head:
            self._append(self._head)
        if self._inflate is not None:
            self._append(self._inflate.flush())
        return b"".join(self._parts)

    def _inflate_chunk(self, data: bytes) -> None:
        try:
            while data:
                self._append(self._inflate.decompress(data, self._cap - self._size + 1))
                data = self._inflate.unconsumed_tail
        except zlib.error as exc:
            raise FetchFailed(f"corrupt compressed body: {exc}", 200) from exc

    def _append(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._cap:
            raise FetchFailed(f"decoded body exceeds the {self._cap} byte cap", 200)
        self._parts.append(data)


class _Identity:
    """A decompressor that passes bytes through (a body labelled compressed that is not)."""

    unconsumed_tail = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


def _sniff(head: bytes) -> Any:
    """The decompressor the first bytes call for: servers label raw deflate, and even plain
    XML, as "gzip" or "deflate"; the bytes say what they are."""
    if head.lstrip()[:1] == b"<":
        return _Identity()
    if head[:2] == b"\x1f\x8b":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0:
        return zlib.decompressobj(zlib.MAX_WBITS)
    return zlib.decompressobj(-zlib.MAX_WBITS)
