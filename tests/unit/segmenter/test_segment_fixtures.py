"""segment_transcript on real fixtures: the issue's targets, and what every segment carries."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from schemas.ids import segment_id
from schemas.model import Cue, Segment
from services.nlp.embeddings import shared_embedder
from services.nlp.taxonomy import Taxonomy
from services.segmenter.config import SegmenterConfig
from services.segmenter.core import segment_transcript
from services.segmenter.evaluation import Scores, Span, load_gold, score
from services.transcriber.core import parse_transcript

from .conftest import GOLD, ROOT


def _run(
    gold_name: str, config: SegmenterConfig, taxonomy: Taxonomy | None, **kwargs: object
) -> tuple[list[Segment], Scores]:
    gold = load_gold(GOLD / gold_name)
    transcript = parse_transcript((ROOT / gold.transcript).read_bytes(), name=gold.transcript)
    found = segment_transcript(
        transcript.text,
        episode_id="ep",
        config=config,
        first_line=transcript.first_line,
        taxonomy=taxonomy,
        **kwargs,  # type: ignore[arg-type]
    )
    scores = score(
        [Span(s.start_line, s.kind, s.section) for s in gold.segments],
        [Span(s.start_line, s.kind, s.announced_section) for s in found],
        first_line=transcript.first_line,
        last_line=transcript.first_line + transcript.text.rstrip("\n").count("\n"),
    )
    return found, scores


def test_sample_meets_the_issue_targets(config: SegmenterConfig, taxonomy: Taxonomy) -> None:
    found, scores = _run("sample.gold.json", config, taxonomy)
    assert scores.pk <= 0.08
    assert scores.boundary_f1 >= 0.9
    assert scores.ads_found == scores.ads_gold == 2
    assert scores.intro_found and scores.outro_found
    assert scores.stories_found >= 15
    assert scores.section_accuracy is not None and scores.section_accuracy >= 0.9
    assert [s.kind for s in found][:3] == ["intro", "ad", "ad"]
    assert found[-1].kind == "outro"


@pytest.mark.parametrize("gold", ["harbor_briefing.gold.json", "circuit_daily.gold.json"])
def test_scripted_shows_without_embeddings(
    config: SegmenterConfig, taxonomy: Taxonomy, gold: str
) -> None:
    _, scores = _run(gold, config, taxonomy)
    assert scores.pk <= 0.25
    assert scores.ads_found == scores.ads_gold
    assert scores.intro_found and scores.outro_found


def test_scripted_shows_with_embeddings(config: SegmenterConfig, taxonomy: Taxonomy) -> None:
    with_embeddings = config.model_copy(update={"use_embeddings": True})
    for gold in ("harbor_briefing.gold.json", "circuit_daily.gold.json"):
        _, scores = _run(gold, with_embeddings, taxonomy, embed=shared_embedder())
        assert scores.pk <= 0.15
        assert scores.boundary_f1 >= 0.9


def test_segments_tile_the_text_with_file_lines_and_ids(
    config: SegmenterConfig, taxonomy: Taxonomy
) -> None:
    text = (ROOT / "seeds" / "000_3ec279d0775a14a8.txt").read_text(encoding="utf-8")
    body = text.split("## Transcript\n\n", 1)[1]
    found = segment_transcript(
        body, episode_id="ep", config=config, first_line=8, taxonomy=taxonomy
    )
    assert found[0].start_char == 0 and found[-1].end_char == len(body)
    assert all(a.end_char == b.start_char for a, b in itertools.pairwise(found))
    assert all(s.index == i and s.count == len(found) for i, s in enumerate(found))
    assert all(s.text == body[s.start_char : s.end_char] for s in found)
    assert all(s.segment_id == segment_id("ep", s.index, s.start_char, s.end_char) for s in found)
    lines = text.split("\n")
    for s in found:
        assert s.start_line <= s.end_line
        assert s.text.split("\n", 1)[0] in lines[s.start_line - 1]
        assert s.text.rstrip("\n").rsplit("\n", 1)[-1] in lines[s.end_line - 1]


def test_times_come_from_cues(config: SegmenterConfig) -> None:
    text = "Welcome to the show.\nFirst up, the floods.\nNext up, the bank.\nThanks for listening."
    starts = [0, *(i + 1 for i, c in enumerate(text) if c == "\n")]
    ends = [*(s - 1 for s in starts[1:]), len(text)]
    cues = [
        Cue(start_char=a, end_char=b, start_s=10.0 * i, end_s=10.0 * i + 9)
        for i, (a, b) in enumerate(zip(starts, ends, strict=True))
    ]
    found = segment_transcript(
        text, episode_id="ep", config=config.model_copy(update={"min_story_words": 1}), cues=cues
    )
    assert [(s.start_s, s.end_s) for s in found] == [
        (10.0 * i, 10.0 * i + 9) for i in range(len(found))
    ]
    assert [s.kind for s in found] == ["intro", "story", "story", "outro"]


def test_empty_and_blank_text(config: SegmenterConfig) -> None:
    assert segment_transcript("", episode_id="ep", config=config) == []
    (only,) = segment_transcript("\n  \n", episode_id="ep", config=config)
    assert (only.start_char, only.end_char, only.kind) == (0, 4, "story")


def test_sections_need_a_taxonomy(config: SegmenterConfig) -> None:
    text = "Welcome to the show.\nOnto policy and safety. The senate passed a bill on chips today."
    assert all(
        s.announced_section is None for s in segment_transcript(text, episode_id="e", config=config)
    )


def test_root_and_gold_paths_exist() -> None:
    assert all((ROOT / load_gold(p).transcript).exists() for p in Path(GOLD).glob("*.gold.json"))


def test_a_chatty_show_without_transitions_still_splits_roughly(
    config: SegmenterConfig, taxonomy: Taxonomy
) -> None:
    silent = config.cues.model_copy(update={"story_start": [], "story_phrase": []})
    _, scores = _run("sample.gold.json", config.model_copy(update={"cues": silent}), None)
    assert 10 <= scores.stories_found <= 40
    assert scores.pk <= 0.45
