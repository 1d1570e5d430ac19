"""Entities: canonical names, versions, misspellings and everyday words in context."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.classifier.entities import EntityMatcher
from services.classifier.gazetteer import Entry, Gazetteer
from services.classifier.words import english_words


@pytest.fixture(scope="module")
def matcher(gazetteer: Gazetteer) -> EntityMatcher:
    return EntityMatcher(gazetteer, known_words=english_words())


def names(matcher: EntityMatcher, text: str) -> set[str]:
    return {e.name for e in matcher.find(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anthropik announced a new model", {"Anthropic"}),
        ("Antrhopic released a new model today.", {"Anthropic"}),  # not listed: fuzzy
        ("Shares of Nvidya rose after the earnings call.", {"Nvidia"}),
        ("Mark Zuckerburg said Meta will spend more.", {"Mark Zuckerberg", "Meta"}),
        ("Open AI and Deep Mind both replied.", {"OpenAI", "Google DeepMind"}),
        ("OpenAI released GPT-5.5 on Thursday.", {"OpenAI", "GPT-5.5"}),
        ("people say GPT 5.5 is better", {"GPT-5.5"}),
        ("so openai shipped gpt 5.5 and anthropic answered", {"OpenAI", "GPT-5.5", "Anthropic"}),
        ("First, we have DeepSeq v4.", {"DeepSeek V4"}),
        ("They have launched Grok Voice Think Fast 1.0.", {"Grok Voice Think Fast 1.0"}),
        ("Opus 4.7 beats Gemini 3.1 Pro.", {"Claude Opus 4.7", "Gemini 3.1 Pro"}),
        ("They compared it with Qwen3 and Kimi K2.6.", {"Qwen3", "Kimi K2.6"}),
        ("The DOJ appealed.", {"U.S. Department of Justice"}),
    ],
)
def test_names_and_versions(matcher: EntityMatcher, text: str, expected: set[str]) -> None:
    assert expected <= names(matcher, text)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("We moved our servers to the cloud last year.", "Claude"),
        ("Cloud providers raised their prices again.", "Claude"),
        ("The judge declared a mistrial on Monday.", "Mistral AI"),
        ("It works at a meta level, not a literal one.", "Meta"),
        ("DeepSeek raised 10 billion yuan.", "DeepSeek 10"),
    ],
)
def test_everyday_words_are_not_names(matcher: EntityMatcher, text: str, absent: str) -> None:
    assert absent not in names(matcher, text)


def test_homophone_counts_only_with_context(matcher: EntityMatcher) -> None:
    coding = "GPT 5.5 is now better than Cloud Code at coding, and Anthropic noticed."
    assert {"Claude Code", "Anthropic"} <= names(matcher, coding)
    plain = "Our team writes cloud code for the billing service."
    assert "Claude Code" not in names(matcher, plain)


def test_mentions_counts_and_shifted_offsets(matcher: EntityMatcher) -> None:
    text = "OpenAI said no. Then OpenAI said yes."
    (openai,) = [e for e in matcher.find(text, offset=100) if e.name == "OpenAI"]
    assert openai.mentions == 2
    assert openai.offsets == [(100, 106), (121, 127)]
    assert openai.type == "org"


def test_versioned_names_are_models(matcher: EntityMatcher) -> None:
    found = {e.name: e.type for e in matcher.find("DeepSeek released DeepSeek V4.")}
    assert found == {"DeepSeek": "org", "DeepSeek V4": "model"}


def test_unlisted_capitalised_names(matcher: EntityMatcher) -> None:
    text = "This is according to research by Harbor Youth Trust, a charity."
    found = {e.name: e.type for e in matcher.find(text)}
    assert found.get("Harbor Youth Trust") == "other"


def test_user_entries_extend_the_gazetteer() -> None:
    mine = Gazetteer(entries=[]).merged([Entry(name="Acme Robotics", type="org", aliases=["Acme"])])
    matcher = EntityMatcher(mine, unlisted=False)
    assert names(matcher, "acme robotics and Acme again") == {"Acme Robotics"}


@settings(deadline=None)  # a shared two-core machine makes single runs slow now and then
@given(st.text(max_size=300), st.integers(min_value=0, max_value=10_000))
def test_offsets_stay_inside_the_text(matcher: EntityMatcher, text: str, offset: int) -> None:
    for entity in matcher.find(text, offset=offset):
        assert entity.mentions == len(entity.offsets) >= 1
        for start, end in entity.offsets:
            assert offset <= start < end <= offset + len(text)
