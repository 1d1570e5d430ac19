"""Text → word tokens with character offsets, lookup keys, and story windows for embedding."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Token]:
    """Letters and digits only: "GPT-5.5" is GPT, 5, 5 and "OpenAI's" is OpenAI, s."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def key(text: str) -> str:
    """The spaced lookup key of a name: "Z.ai" → "z ai", "Claude  Code" → "claude code"."""
    return " ".join(t.lower for t in tokenize(text))


def squash(text: str) -> str:
    """The key with no separators, so "Open AI", "open-ai" and "OpenAI" meet."""
    return key(text).replace(" ", "")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def windows(text: str, *, words: int, count: int) -> list[str]:
    """Up to `count` passages of about `words` words: the opening, then evenly spread ones.

    The opening carries the headline; the others keep a long story from being judged
    by its first minute alone.
    """
    passages: list[str] = []
    current: list[str] = []
    for sentence in sentences(text):
        current.extend(sentence.split())
        cut = 0  # cut once per sentence: slicing per passage is quadratic in a long sentence
        while len(current) - cut >= words:
            passages.append(" ".join(current[cut : cut + words]))
            cut += words
        del current[:cut]
    if current and (len(current) >= words // 3 or not passages):
        passages.append(" ".join(current))
    if len(passages) <= count:
        return passages
    step = (len(passages) - 1) / (count - 1) if count > 1 else 0
    return [passages[round(i * step)] for i in range(count)]
