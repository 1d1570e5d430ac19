"""Issue targets with the real MiniLM embedder: held-out headlines and the sample's gold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.classifier.core import Classifier
from services.classifier.evaluation import EntityRecall, gold_segments, section_report
from services.classifier.gazetteer import Gazetteer
from services.nlp.embeddings import shared_embedder
from services.nlp.taxonomy import Taxonomy
from services.transcriber.core import parse_transcript

ROOT = Path(__file__).resolve().parents[3]
HEADLINES = ROOT / "tests" / "fixtures" / "classifier"
SAMPLE_GOLD = ROOT / "tests" / "fixtures" / "gold" / "sample.gold.json"


@pytest.fixture(scope="module")
def real(ai_news: Taxonomy, gazetteer: Gazetteer) -> Classifier:
    return Classifier(ai_news, gazetteer, embed=shared_embedder())


@pytest.mark.parametrize("name", ["headlines.dev.jsonl", "headlines.test.jsonl"])
def test_headline_accuracy(real: Classifier, name: str) -> None:
    rows = [json.loads(line) for line in (HEADLINES / name).read_text().splitlines()]
    pairs = [(r["section"], real.classify(r["text"]).section or "") for r in rows]
    assert len(rows) >= 120
    assert section_report(pairs, real.taxonomy.slugs).accuracy >= 0.8


def test_sample_sections_and_entities(real: Classifier) -> None:
    gold = json.loads(SAMPLE_GOLD.read_text())
    transcript = parse_transcript((ROOT / gold["transcript"]).read_bytes(), name="sample.txt")
    pairs, recall, carried = [], EntityRecall(), None
    for story in gold_segments(gold, transcript.text, transcript.first_line):
        if story.kind != "story":
            continue
        carried = real.announced(story.text) or carried
        result = real.classify(story.text, announced_section=carried)
        pairs.append((story.section or "", result.section or ""))
        recall.add(story.entities, [e.name for e in result.entities], real.canonical)
    assert section_report(pairs, real.taxonomy.slugs).accuracy >= 0.95
    assert recall.recall >= 0.9, recall.missed
