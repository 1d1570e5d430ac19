"""Output and source → the numbers and names the output claims that the source never says."""

from __future__ import annotations

import re
from functools import cache

from nltk.stem.porter import PorterStemmer

from services.summarizer.text import words

_ALNUM = re.compile(r"[a-z0-9]+")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*\w|\b[A-Z]\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_STEMMER = PorterStemmer()


@cache
def stem(token: str) -> str:
    return str(_STEMMER.stem(token))


def unsupported(output: str, source: str) -> list[str]:
    """Numbers and capitalised words in `output` that `source` never says, in any casing.

    A capitalised word passes when the source has a word of the same stem ("Announces" after
    "announced"), so a title-cased headline is judged on its names, not its verbs.
    """
    said = {*words(source), *_ALNUM.findall(source.lower()), *_NUMBER.findall(source)}
    stems = {stem(w) for w in said}
    missing = [n for n in _NUMBER.findall(output) if n not in said]
    for claim in _CAPITALISED.findall(output):
        parts = [p for p in re.split(r"[-'’.]+", claim.lower()) if p and p != "s"]
        if not all(p in said or stem(p) in stems for p in parts):
            missing.append(claim)
    return list(dict.fromkeys(missing))
