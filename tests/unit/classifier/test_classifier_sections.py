"""Sections: announcements, keyword priors, calibrated topics, unknown, the LLM labeller."""

from __future__ import annotations

import math

import pytest

from services.classifier.announce import Announcements, resolve_section
from services.classifier.core import UNKNOWN, Classifier, ClassifierConfig
from services.classifier.gazetteer import Gazetteer
from services.classifier.keywords import KeywordPriors, parse_keyword
from services.nlp.taxonomy import Section, Taxonomy, load_taxonomies

from .conftest import hashed_embedder


@pytest.mark.parametrize(
    ("opening", "slug"),
    [
        ("On to applications and business, starting with a deal.", "applications-and-business"),
        ("And moving straight on to projects on open source, where we", "projects-and-open-source"),
        ("Onto policy and safety. We begin with", "policy-and-safety"),
        ("Next up, we do have one synthetic media and art story.", "synthetic-media-and-art"),
        ("And we'll just have one paper to cover this week.", "research-and-advancements"),
        ("so getting the news tools and apps we begin with gpt 5.5", "tools-and-apps"),
        ("Next, a slightly more practical safety concern of the paper.", None),
        ("Meta decided to open source Llama and people cheered.", None),
        ("Research shows that models plan ahead.", None),
    ],
)
def test_announcements(ai_news: Taxonomy, opening: str, slug: str | None) -> None:
    assert Announcements(ai_news).find(opening) == slug


@pytest.mark.parametrize(
    ("said", "slug"),
    [
        ("policy-and-safety", "policy-and-safety"),
        ("Policy & Safety", "policy-and-safety"),
        ("open source", "projects-and-open-source"),
        ("weather", None),
    ],
)
def test_resolve_section(ai_news: Taxonomy, said: str, slug: str | None) -> None:
    assert resolve_section(ai_news, said) == slug


@pytest.mark.parametrize(
    ("raw", "words", "prefix", "weight"),
    [
        ("acqui*:2", "acqui", True, 2.0),
        ("open-source:3", "open source", False, 3.0),
        ("data center*", "data center", True, 1.0),
        ("ai act:3", "ai act", False, 3.0),
    ],
)
def test_parse_keyword(raw: str, words: str, prefix: bool, weight: float) -> None:
    keyword = parse_keyword(raw)
    assert (keyword.words, keyword.prefix, keyword.weight) == (words, prefix, weight)


def test_keyword_priors_count_prefixes_and_phrases() -> None:
    taxonomy = Taxonomy(
        name="t",
        sections=[
            Section(slug="deals", name="Deals", keywords=["acqui*:2", "data center*"]),
            Section(slug="other", name="Other", keywords=["weather"]),
        ],
    )
    deals, other = KeywordPriors(taxonomy).scores(
        "It acquires a rival; the acquisition adds two data centers of note."
    )
    assert deals == pytest.approx(math.log1p(2 + 2 + 1))
    assert other == 0.0


def test_announced_section_wins(classifier: Classifier) -> None:
    story = "Researchers publish a paper on attention and sparse autoencoders."
    assert classifier.classify(story, announced_section="Policy and safety").section == (
        "policy-and-safety"
    )


def test_own_opening_beats_a_carried_section(classifier: Classifier) -> None:
    story = "And we'll just have one paper to cover this week. It flips sign bits."
    result = classifier.classify(story, announced_section="synthetic-media-and-art")
    assert result.section == "research-and-advancements"


def test_topics_are_ranked_probabilities(classifier: Classifier) -> None:
    result = classifier.classify("Startup raises $2 billion at a $20 billion valuation")
    scores = [t.score for t in result.topics]
    assert result.section == "applications-and-business" == result.topics[0].slug
    assert scores == sorted(scores, reverse=True)
    assert 0 < sum(scores) <= 1.0001 and len(scores) <= 3


def test_unknown_below_the_threshold(ai_news: Taxonomy, gazetteer: Gazetteer) -> None:
    keywords_only = Classifier(ai_news, gazetteer, config=ClassifierConfig(min_confidence=0.5))
    result = keywords_only.classify("Hello there, nice to meet you all.")
    assert result.section == UNKNOWN
    assert keywords_only.classify("").topics == []


def test_labeller_decides_without_announcement(ai_news: Taxonomy, gazetteer: Gazetteer) -> None:
    asked: list[str] = []

    def labeller(text: str, taxonomy: Taxonomy) -> str | None:
        asked.append(text)
        return "synthetic-media-and-art"

    clf = Classifier(ai_news, gazetteer, embed=hashed_embedder, labeller=labeller)
    assert clf.classify("Startup raises money").section == "synthetic-media-and-art"
    assert clf.classify("x", announced_section="research").section == "research-and-advancements"
    assert asked == ["Startup raises money"]


def test_labeller_nonsense_falls_back_to_content(ai_news: Taxonomy, gazetteer: Gazetteer) -> None:
    clf = Classifier(ai_news, gazetteer, embed=hashed_embedder, labeller=lambda _t, _x: "sports")
    assert clf.classify("Startup raises $2 billion at a $20 billion valuation").section == (
        "applications-and-business"
    )


def test_general_news_taxonomy(gazetteer: Gazetteer) -> None:
    general = Classifier(load_taxonomies().get("general-news"), gazetteer, embed=hashed_embedder)
    result = general.classify("The striker scored twice as the home team won the cup final.")
    assert (result.section, result.taxonomy) == ("sports", "general-news")


def test_entities_point_into_the_transcript(classifier: Classifier) -> None:
    result = classifier.classify("Anthropik announced a new model.", offset=5000)
    (anthropic,) = [e for e in result.entities if e.name == "Anthropic"]
    assert anthropic.offsets == [(5000, 5009)]


def test_canonical_needs_the_whole_name(classifier: Classifier) -> None:
    assert classifier.canonical("Opus 4.7") == ["Claude Opus 4.7"]
    assert classifier.canonical("Pentagon") == ["U.S. Department of Defense"]
    assert "United Kingdom" not in classifier.canonical("Male Allies UK")
