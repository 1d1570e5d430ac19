"""Versioned names: a model family and what follows it → "GPT-5.5", "Grok Voice Fast 1.0"."""

from __future__ import annotations

import re

from services.classifier.gazetteer import Entry
from services.classifier.text import squash

# "5.5", "4o", "v4", "K2.6", "R1"; never a year, a share or an amount ("2026", "5%", "10 billion").
_VERSION = (
    r"(?:[vkr]?\d{1,2}(?:\.\d{1,2})?[a-z]?)(?![\w.%]\d|\w|%)"
    r"(?![ \t]+(?:billion|million|trillion|thousand|percent|per|times|years?|months?|weeks?"
    r"|days?|hours?|minutes?|people|users|gigawatts?|gw)\b)"
)


class VersionPattern:
    """Optional variant words, a version, optional variant words, right after a family name."""

    def __init__(self, entry: Entry) -> None:
        if entry.versions is None:
            raise ValueError(f"{entry.name} has no versions")
        self._entry = entry
        self._joiner = entry.versions.joiner
        self._display = {squash(v): v for v in entry.versions.variants}
        forms = sorted(entry.versions.variants, key=len, reverse=True)
        words = [re.escape(v).replace(r"\-", "[ \t-]?").replace(r"\ ", "[ \t]+") for v in forms]
        variant = "(?:" + "|".join(words) + ")" if words else "(?!)"
        self._variant = re.compile(variant, re.IGNORECASE)
        self._pattern = re.compile(
            rf"[ \t-]?(?P<pre>(?:{variant}[ \t-]+){{0,3}})(?P<ver>{_VERSION})"
            rf"(?P<post>(?:[ \t-]+{variant}(?!\w)){{0,3}})",
            re.IGNORECASE,
        )

    def parse(self, text: str, at: int) -> tuple[str, int] | None:
        """The versioned name starting at `at` (just after the family name) and where it ends."""
        match = self._pattern.match(text, at)
        if match is None:
            return None
        pre, post = self._variants(match.group("pre")), self._variants(match.group("post"))
        version = match.group("ver")
        if version[0].isalpha():
            version = version[0].upper() + version[1:]
        name = self._entry.name
        head = f"{name} {' '.join(pre)} {version}" if pre else f"{name}{self._joiner}{version}"
        return " ".join([head, *post]), match.end()

    def _variants(self, span: str) -> list[str]:
        return [self._display[squash(m.group())] for m in self._variant.finditer(span)]
