"""Sentences, clips and rendering: the offset-keeping text layer under the summarizer."""

from __future__ import annotations

import pytest

from services.summarizer.core import default_config
from services.summarizer.spoken import clean, strip_cues
from services.summarizer.text import Clip, Names, find_name, recase, render, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Dr. Smith arrived. He left.", ["Dr. Smith arrived.", "He left."]),
        ("GPT 5.5 is out. It is fast!", ["GPT 5.5 is out.", "It is fast!"]),
        ("We talked about...\nthe deal today.", ["We talked about...\nthe deal today."]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ("The U.S. Army said so. Then it left.", ["The U.S. Army said so.", "Then it left."]),
        ('He said "no." Then left.', ['He said "no."', "Then left."]),
        ("  \n\n  ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert [text[s.start : s.end] for s in split_sentences(text)] == sentences


def test_clip_edits_only_remove_and_keep_offsets() -> None:
    source = "Intro. Well, uh, Acme bought Initech, you know, for $5 million."
    clip = Clip.of(source, 7, len(source))
    cleaned = clean(clip, default_config())
    assert render(cleaned) == "Acme bought Initech for $5 million."
    joined = " ".join(source[a:b] for a, b in cleaned.spans())
    assert joined.split() == ["Acme", "bought", "Initech", "for", "$5", "million."]
    assert all(7 <= a < b <= len(source) for a, b in cleaned.spans(0))
    assert cleaned.spans(100)[0][0] == cleaned.spans()[0][0] + 100


@pytest.mark.parametrize(
    ("spoken", "told"),
    [
        ("Next up, Acme has launched a robot.", "Acme has launched a robot."),
        ("And speaking of chips, the next story, Initech sold a fab.", "Initech sold a fab."),
        ("On to business, starting off with a deal, Acme bought Globex.", "Acme bought Globex."),
        ("So, uh, the the court has, you know, ruled.", "The court has ruled."),
        (
            "Onto another legal case, a judge has rejected the appeal.",
            "A judge has rejected the appeal.",
        ),
        ("The article is titled, Robots Are Coming.", "Robots Are Coming."),
        ("On Monday, they announced a merger of equals.", "They announced a merger of equals."),
    ],
)
def test_cues_and_disfluencies_leave_the_news(spoken: str, told: str) -> None:
    config = default_config()
    clip = strip_cues(clean(Clip.of(spoken, 0, len(spoken)), config), config)
    assert render(clip) == told


def test_a_filler_after_a_determiner_is_a_noun() -> None:
    text = "It is a kind of chip that is sort of new."
    assert render(clean(Clip.of(text, 0, len(text)), default_config())) == (
        "It is a kind of chip that is new."
    )


def test_render_tidies_spacing_and_spells_names_as_given() -> None:
    source = "so openai , gpt 5.5 and i ... think"
    clip = Clip.of(source, 0, len(source))
    assert render(clip, names=["OpenAI", "GPT-5.5"]) == "So OpenAI, GPT-5.5 and I think."
    assert render(clip, sentence=False).endswith("think")


def test_names_match_across_hyphens_and_case() -> None:
    assert find_name("the delegate 52 benchmark", ["DELEGATE-52"]) == (4, 15)
    assert find_name("nothing here", ["Acme"]) is None
    assert recase("acme and ACME", ["Acme"]) == "Acme and Acme"


def test_story_names_are_words_the_story_mostly_capitalises() -> None:
    text = (
        "We met Acme today. Then Acme left. The safety team met. Safety first, said Safety Board."
    )
    names = Names.of(text, [], frozenset({"the", "then", "we"}))
    assert "acme" in names.tokens
    assert "board" in names.tokens
    assert "safety" not in names.tokens  # mostly lower case or opening a sentence
