"""Deterministic ids, so that every stage is idempotent under redelivery and replay."""

from __future__ import annotations

import hashlib


def stable_id(*parts: object, length: int = 16) -> str:
    """A short hex digest of the parts, joined unambiguously."""
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def episode_id_for_text(text: str) -> str:
    """A local transcript is the same episode whenever its content is the same."""
    return stable_id("text", hashlib.sha256(text.encode("utf-8")).hexdigest())


def segment_id(episode_id: str, index: int, start_char: int, end_char: int) -> str:
    return stable_id("segment", episode_id, index, start_char, end_char)


def delivery_id(story_id: str, subscription_id: str) -> str:
    return stable_id("delivery", story_id, subscription_id)
