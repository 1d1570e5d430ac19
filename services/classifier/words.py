"""Known English words: a misheard name that spells a real word is not fuzzy-matched."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Container, Iterable
from functools import cache

import numpy as np
import numpy.typing as npt

# Webster's lists base forms only; these endings turn "things" or "zooming" back into them.
_ENDINGS = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("es", ""), ("ed", ""),
            ("ed", "e"), ("s", ""))  # fmt: skip


class WordSet(Container[str]):
    """A read-only set of words in ~2 MB, where a frozenset of the same words takes ~50 MB.

    It keeps only a sorted array of each word's 64-bit hash and looks one up by binary
    search: a word that is not in the set hashes onto one that is with a chance of
    263k / 2**64 ≈ 1e-14, so the answers are the set's. The hash is Python's own, salted per
    process: the set is built in the process that asks it, so it never has to be stable, and
    building it takes a tenth of what a cryptographic digest would (0.1 s against 1.3 s).
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._keys = _keys(np.fromiter(map(hash, words), dtype=np.int64))

    @classmethod
    def union(cls, sets: Iterable[WordSet]) -> WordSet:
        """The words in any of `sets`."""
        merged = cls()
        arrays = [np.frombuffer(s._keys, dtype=np.int64) for s in sets]  # views: no copies
        merged._keys = _keys(np.concatenate(arrays)) if arrays else merged._keys
        return merged

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        key = hash(word)
        i = bisect_left(self._keys, key)
        return i < len(self._keys) and self._keys[i] == key

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def nbytes(self) -> int:
        return len(self._keys) * self._keys.itemsize


def _keys(unsorted: npt.NDArray[np.int64]) -> array[int]:
    """Sorted and unique, in an array.array: `bisect` searches that in C, not a numpy array."""
    ordered = np.sort(unsorted)  # then dedup by hand: np.unique's hashing took 0.5 s here
    unique = (
        ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered
    )
    keys = array("q")
    keys.frombytes(unique.tobytes())
    return keys


@cache
def english_words() -> WordSet:
    """Lower-case words of Webster's 2nd and GCIDE (~263k; under a second to build, once).

    One list at a time, so that only one of them is ever held as a Python set (~30 MB, briefly).
    """
    from english_words import get_english_words_set

    return WordSet.union(
        WordSet(get_english_words_set([source], alpha=True, lower=True))
        for source in ("web2", "gcide")
    )


def is_known(word: str, known: Container[str]) -> bool:
    """Whether a lower-case word, or its base form, is in `known`."""
    if word in known:
        return True
    return any(
        word.endswith(end) and len(word) - len(end) >= 3 and word[: -len(end)] + base in known
        for end, base in _ENDINGS
    )
