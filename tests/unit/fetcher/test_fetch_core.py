"""The pure feed parser on hand-written fixtures: tags, identity, text news, failures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.fetcher.core import ParsedFeed, episode_discovered, parse_feed
from services.fetcher.html_text import html_to_text

FIXTURES = Path(__file__).parents[2] / "fixtures" / "fetcher"


def parse(name: str, headers: dict[str, str] | None = None, key: str = "feed-1") -> ParsedFeed:
    return parse_feed((FIXTURES / name).read_bytes(), headers or {}, key)


def test_podcasting_2_tags_under_both_namespace_uris() -> None:
    feed = parse("podcast20.xml")
    newest = feed.episodes[0]
    assert feed.podcast_guid == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert feed.ttl_minutes == 60
    assert [(t.url, t.type, t.language, t.rel) for t in newest.transcripts] == [
        ("https://example.org/ep3.vtt", "text/vtt", "en", None),
        ("https://example.org/ep3.srt", "application/srt", None, "captions"),
        ("https://example.org/ep3.json", "application/json", "en", None),
    ]
    assert newest.chapters_url == "https://example.org/ep3.chapters.json"
    assert newest.audio_url == "https://cdn.example.org/ep3.mp3"
    assert newest.audio_type == "audio/mpeg"


def test_an_item_with_only_a_transcript_is_an_episode() -> None:
    oldest = parse("podcast20.xml").episodes[-1]
    assert oldest.audio_url is None
    assert [t.url for t in oldest.transcripts] == ["https://example.org/ep1.html"]
    assert oldest.text is None


def test_episodes_come_newest_first() -> None:
    published = [e.published for e in parse("podcast20.xml").episodes]
    assert published == [
        datetime(2026, 5, 5, 6, tzinfo=UTC),
        datetime(2026, 5, 4, 6, tzinfo=UTC),
        datetime(2026, 5, 3, 6, tzinfo=UTC),
    ]


def test_a_blocked_feed_is_not_ingested() -> None:
    feed = parse("blocked.xml")
    assert feed.blocked
    assert feed.episodes == ()
    assert feed.failure is not None and "podcast:block" in feed.failure


def test_a_block_for_one_platform_does_not_block_us() -> None:
    feed = parse("block-one-platform.xml")
    assert not feed.blocked
    assert [e.title for e in feed.episodes] == ["One"]


def test_text_news_items_carry_the_article_as_plain_text() -> None:
    feed = parse("news.xml")
    tram, library = feed.episodes
    assert tram.audio_url is None and tram.transcripts == ()
    assert tram.text == (
        "The city council voted 31 to 12 on Tuesday to build a new tram line across the river."
        "\n\nConstruction starts next spring.\nIt should take three years."
    )
    assert library.text == "The central library will open until 10 pm on weekdays."
    assert feed.warnings == ("1 item without audio, transcript or text skipped",)


def test_atom_entries_with_enclosure_links_and_html_titles() -> None:
    feed = parse("atom.xml")
    evening, morning = feed.episodes
    assert evening.audio_url == "https://atom.example.org/evening.m4a"
    assert [t.url for t in evening.transcripts] == ["https://atom.example.org/evening.vtt"]
    assert morning.title == "Morning bulletin"
    assert morning.text == "Rain later, clearing overnight."


def test_a_broken_feed_whose_items_parse_is_accepted_with_a_warning() -> None:
    feed = parse("broken.xml")
    assert feed.failure is None
    assert [e.title for e in feed.episodes] == ["Episode with a stray ampersand & no escaping"]
    assert [t.url for t in feed.episodes[0].transcripts] == ["https://example.org/s1.vtt"]
    assert "not well-formed" in feed.warnings[0]


def test_a_web_page_is_refused_with_a_reason() -> None:
    feed = parse("not-a-feed.html", {"Content-Type": "text/html"})
    assert feed.episodes == ()
    assert feed.failure is not None and feed.failure.startswith("not a feed")


def test_repeated_guids_and_links_fall_back_down_the_chain() -> None:
    by_title = {e.title: e.identity for e in parse("repeated-guids.xml").episodes}
    assert by_title == {
        "First": "enclosure",
        "Second": "enclosure",
        "No guid, shared link, shared audio": "title-date",
        "Another promo": "title-date",
    }


def test_ids_are_scoped_by_feed_and_stable_across_parses() -> None:
    first = [e.episode_id for e in parse("podcast20.xml", key="a").episodes]
    again = [e.episode_id for e in parse("podcast20.xml", key="a").episodes]
    other = [e.episode_id for e in parse("podcast20.xml", key="b").episodes]
    assert first == again
    assert len(set(first)) == 3
    assert not set(first) & set(other)


def test_the_event_carries_everything_the_transcriber_needs() -> None:
    feed = parse("podcast20.xml")
    event = episode_discovered(
        feed.episodes[0],
        podcast=feed.title,
        feed_id="feed-1",
        taxonomy="general-news",
        envelope={"producer": "fetcher"},
    )
    assert event.episode.podcast == "Morning Wire Example"
    assert event.episode.published is not None and event.episode.published.isoformat() == (
        "2026-05-05"
    )
    assert event.episode.feed_id == "feed-1"
    assert event.chapters_url == "https://example.org/ep3.chapters.json"
    assert len(event.transcripts) == 3
    assert event.text is None and event.text_format is None


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("a<br>b", "a\nb"),
        ("Hello\n   <b>bold</b>   world", "Hello bold world"),
        ("<style>p{}</style><p>kept</p><script>x()</script>", "kept"),
        ("<!-- hidden --><ul><li>a</li><li>b</li></ul>", "a\n\nb"),
        ("Fish &amp; chips&nbsp;today", "Fish & chips today"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text
