"""Transcripts too big to travel inline live in Redis under their sha256, shared by all hosts."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from schemas import TranscriptBlob, TranscriptReady
from services.runtime.errors import PermanentError

PREFIX = "newsdesk:blob:"
#: Blobs outlive the stream entries that point at them by a wide margin.
TTL_S = 30 * 24 * 3600


async def put_blob(client: Redis, text: str) -> TranscriptBlob:
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    await client.set(PREFIX + digest, data, ex=TTL_S)
    return TranscriptBlob(uri=f"redis:{PREFIX}{digest}", sha256=digest, size=len(data))


async def get_blob(client: Redis, blob: TranscriptBlob) -> str:
    data = await client.get(PREFIX + blob.sha256)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data is None:
        raise PermanentError(f"transcript blob {blob.sha256} has expired or was never stored")
    if hashlib.sha256(data).hexdigest() != blob.sha256:
        raise PermanentError(f"transcript blob {blob.sha256} is corrupt")
    return data.decode("utf-8")


class TranscriptStore:
    """Inline below the cap, a Redis blob above it; readers don't care which."""

    def __init__(self, client: Redis, inline_max: int) -> None:
        self._client = client
        self._inline_max = inline_max

    async def stash(self, text: str) -> dict[str, object]:
        """The TranscriptReady fields that carry `text`."""
        if len(text.encode("utf-8")) <= self._inline_max:
            return {"text": text}
        return {"text": "", "blob": await put_blob(self._client, text)}

    async def text_of(self, event: TranscriptReady) -> str:
        return await get_blob(self._client, event.blob) if event.blob else event.text
