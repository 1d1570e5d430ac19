"""feedparser's own robustness corpus: every file yields episodes or a clear reason, quickly."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from services.fetcher.core import parse_feed

CORPUS = Path(__file__).parents[2] / "fixtures" / "feed-corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")
# The corpus states the HTTP headers each file was served with in a leading comment.
HEADER = re.compile(rb"^Header:\s*([^:\r\n]+):\s*(.*?)\s*$", re.MULTILINE)
PER_FILE_S = 2.0


def served_headers(data: bytes) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in HEADER.findall(data[:4096])}


def test_the_corpus_is_here_with_its_license() -> None:
    assert "Redistribution and use" in (CORPUS / "LICENSE").read_text()
    assert len(FILES) > 2000


@pytest.mark.parametrize("group", sorted({p.relative_to(CORPUS).parts[0] for p in FILES}))
def test_every_file_yields_episodes_or_a_reason(group: str) -> None:
    for path in (p for p in FILES if p.relative_to(CORPUS).parts[0] == group):
        data = path.read_bytes()
        started = time.perf_counter()
        feed = parse_feed(data, served_headers(data), "corpus")
        assert time.perf_counter() - started < PER_FILE_S, path
        if feed.episodes:
            assert feed.failure is None, path
            assert all(e.episode_id for e in feed.episodes), path
        else:
            assert feed.failure, path


def test_the_corpus_holds_both_outcomes() -> None:
    outcomes = [bool(parse_feed(p.read_bytes(), {}, "corpus").episodes) for p in FILES[::20]]
    assert any(outcomes) and not all(outcomes)
