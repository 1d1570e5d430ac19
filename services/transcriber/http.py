"""HTTP for transcripts and audio: size-capped streaming reads; failures → Permanent/Transient."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from services.runtime.errors import PermanentError, TransientError
from services.runtime.retry_after import parse_retry_after

_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


async def fetch_bytes(
    client: httpx.AsyncClient, url: str, *, max_bytes: int
) -> tuple[bytes, str | None]:
    """GET a URL into memory, refusing bodies above `max_bytes`; returns body and content type."""
    chunks: list[bytes] = []
    content_type = await _stream(client, url, max_bytes, chunks.append)
    return b"".join(chunks), content_type


async def download_to_file(
    client: httpx.AsyncClient, url: str, dest: Path, *, max_bytes: int
) -> str | None:
    """GET a URL straight to `dest` (audio can be large), refusing more than `max_bytes`."""
    with dest.open("wb") as sink:
        return await _stream(client, url, max_bytes, sink.write)


def error_for_response(response: httpx.Response, what: str) -> Exception | None:
    """The error an HTTP status stands for: 408/429/5xx may pass, other 4xx will not."""
    if response.is_success:
        return None
    reason = f"{what}: HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if response.status_code in _RETRYABLE or response.status_code >= 500:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return TransientError(reason, retry_after=retry_after)
    return PermanentError(reason)


def error_for_exception(exc: httpx.HTTPError, what: str) -> Exception:
    """Timeouts and dropped connections may pass; a malformed URL or protocol will not."""
    reason = f"{what}: {type(exc).__name__} {exc}".rstrip()
    if isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError):
        return TransientError(reason)
    return PermanentError(reason)


async def _stream(
    client: httpx.AsyncClient, url: str, max_bytes: int, sink: Callable[[bytes], object]
) -> str | None:
    async with _response(client, url) as response:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise PermanentError(f"{url}: {declared} bytes is over the {max_bytes}-byte cap")
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise PermanentError(f"{url}: body is over the {max_bytes}-byte cap")
            sink(chunk)
        content_type: str | None = response.headers.get("content-type")
        return content_type


@asynccontextmanager
async def _response(client: httpx.AsyncClient, url: str) -> AsyncIterator[httpx.Response]:
    try:
        async with client.stream("GET", url, follow_redirects=True) as response:
            if error := error_for_response(response, url):
                raise error
            yield response
    except httpx.HTTPError as exc:  # also those raised while the caller reads the body
        raise error_for_exception(exc, url) from exc
    except httpx.InvalidURL as exc:
        raise PermanentError(f"{url}: invalid URL ({exc})") from exc
