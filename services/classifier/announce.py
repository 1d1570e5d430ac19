"""Announced sections: what hosts say at a section's start ("onto policy and safety") → its slug."""

from __future__ import annotations

import re

from services.classifier.text import key
from services.nlp.taxonomy import Taxonomy

# Speech recognition hears the "and" of a section's name as "on", "in" or "n".
_AND = r"(?:and|&|n|on|in)"
_LEAD = r"(?:^|[.!?]\s+|\n)(?:[\w']+[ ,]+){0,4}?"
_CUE = r"(?:on ?to|onto|into|over to|back to|to|the news)"
_BOUNDARY = r"(?=\s*(?:[,.;:!?]|$|where|with|we|section|and we|first|starting|today|this week))"
_SUFFIX = r"(?:section|session|segment|portion|corner)"
_ONE_MORE = r"(?:one|a|another|last|final)\s+(?:more\s+|last\s+)?"


def _alias_pattern(alias: str) -> str:
    """ "tools and apps" → tools, a spoken "and", app, optional plural s."""
    words = [re.escape(w) if w not in {"and", "&"} else _AND for w in key(alias).split(" ")]
    last = words[-1]
    if last.endswith("s") and not last.endswith("ss"):
        words[-1] = last[:-1]
    return r"[\s-]+".join(words) + "s?"


class Announcements:
    """Finds a section named at the opening of a story, in the few forms hosts use.

    "On to applications and business, ...", "moving on to projects and open source",
    "the policy and safety section", "one synthetic media and art story", "one paper to
    cover". A bare section word in passing ("a safety concern") is not an announcement.
    """

    def __init__(self, taxonomy: Taxonomy, *, opening_chars: int = 240) -> None:
        self._opening_chars = opening_chars
        self._by_alias: list[tuple[str, re.Pattern[str]]] = []
        names = [(alias, s.slug) for s in taxonomy.sections for alias in (s.name, *s.aliases)]
        for alias, slug in sorted(names, key=lambda pair: len(pair[0]), reverse=True):
            name = _alias_pattern(alias)
            pattern = (
                rf"{_LEAD}{_CUE}\s+(?:the\s+)?(?:{name}){_BOUNDARY}"
                rf"|\b(?:{name})\s+{_SUFFIX}\b"
                rf"|\b{_ONE_MORE}(?:{name})\s+(?:story|stories|to cover|item)\b"
            )
            self._by_alias.append((slug, re.compile(pattern, re.IGNORECASE)))

    def find(self, text: str) -> str | None:
        """The section announced first in the opening; the longer name wins a tie."""
        opening = text[: self._opening_chars]
        found = [
            (m.start(), rank, slug)
            for rank, (slug, pattern) in enumerate(self._by_alias)
            if (m := pattern.search(opening))
        ]
        return min(found)[2] if found else None


def resolve_section(taxonomy: Taxonomy, announced: str) -> str | None:
    """The slug a segmenter's announced section stands for: a slug, a name or an alias."""
    wanted = key(announced)
    for section in taxonomy.sections:
        if wanted in {key(section.slug), *(key(a) for a in (section.name, *section.aliases))}:
            return section.slug
    return None
