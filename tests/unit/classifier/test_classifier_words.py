"""The compact known-word set answers exactly as the frozenset of the same lists did."""

from __future__ import annotations

import random
from collections.abc import Container

import pytest
from english_words import get_english_words_set

from services.classifier.words import WordSet, english_words, is_known


@pytest.fixture(scope="module")
def as_set() -> frozenset[str]:
    return frozenset(get_english_words_set(["web2", "gcide"], alpha=True, lower=True))


def test_every_word_of_both_lists_is_in_it_and_nothing_more(as_set: frozenset[str]) -> None:
    words = english_words()
    assert len(words) == len(as_set)
    assert all(word in words for word in as_set)


def test_it_answers_as_the_set_does_for_words_and_near_misses(as_set: frozenset[str]) -> None:
    words = english_words()
    sample = random.Random(7).sample(sorted(as_set), 3000)
    probes = [w + ending for w in sample for ending in ("", "s", "ing", "ed", "x", "zq")]
    probes += ["", "a", "anthropik", "nvidya", "zuckerburg", "Apple", "naïve", "x" * 200]
    assert [p in words for p in probes] == [p in as_set for p in probes]
    assert [is_known(p, words) for p in probes] == [is_known(p, as_set) for p in probes]
    assert sum(p in words for p in probes) > 3000  # the sample is not all misses


def test_a_union_holds_the_words_of_each_part() -> None:
    both = WordSet.union([WordSet(["zoom", "thing"]), WordSet(["thing", "apple"]), WordSet()])
    assert len(both) == 3
    assert [w in both for w in ("zoom", "thing", "apple", "pear")] == [True, True, True, False]
    assert is_known("zooming", both)
    assert is_known("things", both)
    assert not is_known("pears", both)


def test_it_is_small() -> None:
    assert english_words().nbytes < 3_000_000  # 8 bytes a word; the frozenset took ~60 MB


def test_only_strings_are_members() -> None:
    words: Container[object] = WordSet(["one"])
    assert 1 not in words
    assert b"one" not in words
    assert "one" in words
