"""What the middleware and the batch reader read off FastStream's stream messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from faststream.message import StreamMessage

from services.runtime.entries import Entry, as_text, decode_entry


def is_batch(msg: StreamMessage[Any]) -> bool:
    """Whether the message is a batch of entries (`consume_batch`'s reader)."""
    raw = msg.raw_message
    return isinstance(raw, dict) and raw.get("type") == "bstream"


def channel(msg: StreamMessage[Any]) -> str:
    raw = msg.raw_message
    return str(raw.get("channel", "")) if isinstance(raw, dict) else ""


def entry_ids(msg: StreamMessage[Any]) -> list[str]:
    raw = msg.raw_message
    ids = raw.get("message_ids") if isinstance(raw, dict) else None
    return [as_text(i) for i in ids or []]


def first_entry_id(msg: StreamMessage[Any]) -> str:
    return next(iter(entry_ids(msg)), "")


def batch_ids(msg: StreamMessage[Any]) -> list[str]:
    """The id of each entry of a batch, in order ("" where there is none: the test broker's)."""
    ids, count = entry_ids(msg), len(msg.raw_message["data"])
    return ids[:count] + [""] * (count - len(ids))


def batch_entries(msg: StreamMessage[Any]) -> list[Entry]:
    """Each entry of a batch, unframed and its JSON decoded."""
    stream, fields = channel(msg), msg.raw_message["data"]
    return [decode_entry(stream, i, f) for i, f in zip(batch_ids(msg), fields, strict=True)]


def payloads(msg: StreamMessage[Any]) -> list[tuple[str, bytes]]:
    """Each entry of the message, as its id and its body (unframed)."""
    if not is_batch(msg):
        return [(first_entry_id(msg), msg.body if isinstance(msg.body, bytes) else b"")]
    return [(entry.entry_id, entry.raw) for entry in batch_entries(msg)]


Parser = Callable[[Mapping[str, Any]], Awaitable[StreamMessage[Any]]]


async def parse_batch(raw: Mapping[str, Any], original: Parser) -> StreamMessage[Any]:
    """FastStream's batch parser decodes every entry's JSON, encodes the list again and its
    decoder decodes that (a quarter of a sink's CPU, measured): this one leaves the entries
    to `decode_batch`, which decodes each once."""
    # Parsed with its first entry alone: the message's headers (correlation id) are its,
    # as FastStream's own batch message has them.
    message = await original({**raw, "data": raw["data"][:1]})
    message.raw_message = raw
    return message


async def decode_batch(msg: StreamMessage[Any]) -> list[Any]:
    """The body of each entry of a batch: its JSON object, else its bytes (which no event
    validates, so it is rejected alone). Async: FastStream runs a plain function in a thread."""
    return [entry.body if entry.body is not None else entry.raw for entry in batch_entries(msg)]
