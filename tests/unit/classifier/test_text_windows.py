"""Passages for the section scorer: evenly spread, whatever the sentences look like."""

from __future__ import annotations

from services.classifier.text import windows


def test_passages_come_from_the_opening_and_evenly_after_it() -> None:
    text = " ".join(f"w{i}" for i in range(1000)) + "."
    passages = windows(text, words=100, count=4)
    assert [p.split()[0] for p in passages] == ["w0", "w300", "w600", "w900"]
    assert all(len(p.split()) == 100 for p in passages)


def test_short_sentences_are_gathered_into_passages() -> None:
    text = " ".join(f"Sentence number {i} ends here." for i in range(50))
    passages = windows(text, words=20, count=100)
    assert [len(p.split()) for p in passages] == [20] * 12 + [10], "250 words; a tail kept"
    assert " ".join(passages).split() == text.split()[: sum(len(p.split()) for p in passages)]


def test_one_endless_sentence_is_cut_in_one_pass() -> None:
    # 400k words with no full stop: slicing per passage took half a minute here.
    passages = windows("word " * 400_000, words=60, count=3)
    assert [len(p.split()) for p in passages] == [60, 60, 40], "6666 passages and a tail"
