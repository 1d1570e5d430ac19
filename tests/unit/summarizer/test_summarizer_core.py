"""The extractive summarizer: headlines from spoken leads, limits, labels, digest, faithfulness."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import EntityMention, Segment, SegmentKind
from services.cli.summaries import load_gold
from services.summarizer.config import load_config
from services.summarizer.core import build_digest, summarize_segment, trace
from services.summarizer.faithful import unsupported

ROOT = Path(__file__).resolve().parents[3]
GOLDS = sorted((ROOT / "tests" / "fixtures" / "gold").glob("*.gold.json"))


def story(text: str, kind: SegmentKind = "story", start: int = 0) -> Segment:
    return Segment(
        segment_id="s",
        index=0,
        count=1,
        kind=kind,
        start_line=1,
        end_line=text.count("\n") + 1,
        start_char=start,
        end_char=start + len(text),
        text=text,
    )


FILLER = (
    "It is a big deal for the whole industry.\n"
    "Analysts expect more deals like this one soon.\n"
    "The companies did not share further details.\n"
)


@pytest.mark.parametrize(
    ("lead", "headline"),
    [
        ("Next up, Acme has launched a new robot.\n", "Acme has launched a new robot"),
        (
            "And speaking of chips, the next story, Initech agreed to buy Globex for $3 billion.\n",
            "Initech agreed to buy Globex for $3 billion",
        ),
        (
            "On to business, starting off with a funding round, Acme raised $50 million.\n",
            "Acme raised $50 million",
        ),
        (
            "Next up, a new release from Acme.\nThey have launched Widget Pro 2.\n",
            "Acme have launched Widget Pro 2",
        ),
        (
            "One more story about robots.\nUh, Acme has has recalled 500 robots.\n",
            "Acme has recalled 500 robots",
        ),
        (
            "Onto policy.\nA court has blocked the merger of Acme and Globex.\n"
            "This is from Reuters.\n",
            "Reuters: A court has blocked the merger of Acme and Globex",
        ),
    ],
)
def test_headline_is_the_news_without_the_hosts_cue(lead: str, headline: str) -> None:
    assert summarize_segment(story(lead + FILLER)).headline == headline


def test_entities_spell_names_and_pick_the_subject() -> None:
    text = "so next up openai has released gpt 5.5 to everyone.\n" + FILLER
    entities = [
        EntityMention(name="OpenAI", type="org"),
        EntityMention(name="GPT-5.5", type="model"),
    ]
    assert summarize_segment(story(text), entities=entities).headline == (
        "OpenAI has released GPT-5.5 to everyone"
    )


def test_long_leads_are_cut_at_a_clause_not_mid_number() -> None:
    lead = (
        "Regulators in Brussels have fined the social network Chatterly two hundred and ten "
        "million euros over ads that were targeted using children's data.\n"
    )
    headline = summarize_segment(story(lead + FILLER)).headline
    assert len(headline) <= 90
    assert not headline.endswith(("two", "hundred", "and", "ten"))


@pytest.mark.parametrize(
    ("text", "entities", "headline"),
    [
        (
            "This episode is brought to you by Acme Cloud. Try it today.",
            [],
            "Sponsor read: Acme Cloud",
        ),
        ("Support for this podcast comes from Ledgerly. Books done.", [], "Sponsor read: Ledgerly"),
        (
            "Try our app today. It is great.",
            [EntityMention(name="Zorp", type="org")],
            "Sponsor read: Zorp",
        ),
        ("Try our app today. It is great.", [], "Sponsor read"),
    ],
)
def test_ads_are_labelled_with_their_sponsor(
    text: str, entities: list[EntityMention], headline: str
) -> None:
    assert summarize_segment(story(text, "ad"), entities=entities).headline == headline


def test_intro_and_outro_get_a_short_label_and_gist() -> None:
    intro = summarize_segment(
        story("Good morning.\nThis is the Harbor Briefing for Monday.\n", "intro")
    )
    outro = summarize_segment(story("That's all for today. Thanks for listening.", "outro"))
    assert intro.headline == "Intro: This is the Harbor Briefing for Monday"
    assert outro.headline == "Outro: That's all for today"


@pytest.mark.parametrize("gold", GOLDS, ids=lambda p: p.stem)
def test_fixture_summaries_keep_the_limits_and_say_only_what_the_source_says(gold: Path) -> None:
    for item in load_gold(gold):
        entities = [EntityMention(name=n, type="other") for n in item.entities]
        summary = summarize_segment(item.segment, entities=entities)
        assert 0 < len(summary.headline) <= 90
        assert len(summary.summary) <= 600
        assert len(summary.key_points) <= 5
        if item.segment.kind == "story":
            sentences = [p for p in summary.provenance[1:] if p.text not in summary.key_points]
            assert 1 <= len(sentences) <= 4
            claimed = " ".join([summary.headline, summary.summary, *summary.key_points])
            assert unsupported(claimed, item.segment.text) == []


def test_config_is_read_from_yaml(tmp_path: Path) -> None:
    custom = tmp_path / "summarizer.yaml"
    custom.write_text("limits:\n  headline_max_chars: 40\n", encoding="utf-8")
    config = load_config(custom)
    text = "Acme Robotics has agreed to buy Initech Systems for two billion dollars in cash.\n"
    assert len(summarize_segment(story(text + FILLER), config=config).headline) <= 40
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "missing.yaml")


def test_trace_links_written_sentences_to_their_source() -> None:
    text = "Acme bought Initech on Monday.\nThe weather was fine.\nInitech makes robot arms.\n"
    segment = story(text, start=100)
    [bought, arms] = trace(segment, ["Initech was bought by Acme.", "It makes arms for robots."])
    assert bought.spans == [(100, 100 + len("Acme bought Initech on Monday."))]
    assert text[arms.spans[0][0] - 100 : arms.spans[0][1] - 100] == "Initech makes robot arms."


def test_digest_groups_headlines_by_section_in_order() -> None:
    digest = build_digest(
        [
            ("tools-and-apps", "Acme ships a robot"),
            (None, "Sponsor read: Zorp"),
            ("policy", "Court blocks merger"),
            ("tools-and-apps", "Globex ships a drone"),
            ("tools-and-apps", "Acme ships a robot"),
        ]
    )
    assert digest == (
        "Tools and apps\n- Acme ships a robot\n- Globex ships a drone\n\n"
        "Other stories\n- Sponsor read: Zorp\n\n"
        "Policy\n- Court blocks merger"
    )
    assert build_digest([]) == ""
