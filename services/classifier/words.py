"""Known English words: a misheard name that spells a real word is not fuzzy-matched."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

# Webster's lists base forms only; these endings turn "things" or "zooming" back into them.
_ENDINGS = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("es", ""), ("ed", ""),
            ("ed", "e"), ("s", ""))  # fmt: skip


@cache
def english_words() -> frozenset[str]:
    """Lower-case words of Webster's 2nd and GCIDE (~270k, ~60 ms to load once)."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2", "gcide"], alpha=True, lower=True))


def is_known(word: str, known: Collection[str]) -> bool:
    """Whether a lower-case word, or its base form, is in `known`."""
    if word in known:
        return True
    return any(
        word.endswith(end) and len(word) - len(end) >= 3 and word[: -len(end)] + base in known
        for end, base in _ENDINGS
    )
