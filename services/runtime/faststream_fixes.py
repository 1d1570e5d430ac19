"""A fix to FastStream 0.7 that every broker here relies on, applied on import.

`StreamSub.add_prefix` deep-copies the subscription, and FastStream calls it on every
read, message and publish (its `stream_sub` and `stream` properties add the broker's
prefix each time). With no prefix, which is how newsdesk runs, the copy is the same
subscription: measured at about a quarter of the store's CPU per message, and a large
part of what the bus costs every stage. Without a prefix the subscription itself is
returned; FastStream never changes what it gets back.
"""

from __future__ import annotations

from typing import Any

from faststream.redis import StreamSub

_copying_add_prefix = StreamSub.add_prefix


def _add_prefix(self: StreamSub[Any], prefix: str) -> StreamSub[Any]:
    return self if not prefix else _copying_add_prefix(self, prefix)


StreamSub.add_prefix = _add_prefix  # type: ignore[method-assign,assignment]
