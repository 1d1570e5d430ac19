"""Properties of episode ids: stable under re-ordering and re-polling, distinct per item."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from hypothesis import given, settings
from hypothesis import strategies as st

from services.fetcher.core import parse_feed


@dataclass(frozen=True)
class Item:
    guid: str | None
    link: str | None
    audio: str | None
    title: str
    day: int | None
    summary: str

    def xml(self) -> str:
        parts = [f"<title>{escape(self.title)}</title>"]
        if self.guid:
            parts.append(f"<guid isPermaLink='false'>{escape(self.guid)}</guid>")
        if self.link:
            parts.append(f"<link>{escape(self.link)}</link>")
        if self.audio:
            parts.append(f"<enclosure url={quoteattr(self.audio)} type='audio/mpeg' length='1'/>")
        if self.day:
            parts.append(f"<pubDate>{self.day:02d} May 2026 06:00:00 GMT</pubDate>")
        if self.summary:
            parts.append(f"<description>{escape(self.summary)}</description>")
        return f"<item>{''.join(parts)}</item>"


# Small pools, so that repeated GUIDs, links and enclosures are common.
items = st.builds(
    Item,
    guid=st.none() | st.sampled_from(["g1", "g2", "g3", "tag:x,2026:4"]),
    link=st.none() | st.sampled_from(["https://e.org/a", "https://e.org/b", "https://e.org/"]),
    audio=st.none() | st.sampled_from(["https://cdn.e.org/1.mp3", "https://cdn.e.org/2.mp3"]),
    title=st.sampled_from(["", "Daily", "Weekly & more", "Ünïcode"]),
    day=st.none() | st.integers(1, 4),
    summary=st.sampled_from(["", "one", "two <b>bold</b>"]),
)


def render(feed_items: list[Item], channel_title: str = "Show", ttl: int = 60) -> bytes:
    body = "".join(i.xml() for i in feed_items)
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{escape(channel_title)}</title><ttl>{ttl}</ttl>{body}</channel></rss>"
    ).encode()


def identities(data: bytes) -> list[tuple[str, str, str | None, str | None, str | None]]:
    feed = parse_feed(data, {"content-type": "application/rss+xml"}, "feed-key")
    return sorted((e.episode_id, e.title, e.audio_url, e.link, e.text) for e in feed.episodes)


@settings(max_examples=150, deadline=None)
@given(st.lists(items, max_size=8).flatmap(lambda xs: st.tuples(st.just(xs), st.permutations(xs))))
def test_ids_do_not_depend_on_item_order(pair: tuple[list[Item], list[Item]]) -> None:
    original, reordered = pair
    assert identities(render(original)) == identities(render(reordered))


@settings(max_examples=100, deadline=None)
@given(st.lists(items, max_size=8), st.text(max_size=20), st.integers(1, 1440))
def test_ids_survive_a_re_poll_with_changed_channel_data(
    feed_items: list[Item], title: str, ttl: int
) -> None:
    assert identities(render(feed_items)) == identities(render(feed_items, title, ttl))


@settings(max_examples=150, deadline=None)
@given(st.lists(items, max_size=8))
def test_items_that_differ_get_different_ids(feed_items: list[Item]) -> None:
    feed = parse_feed(render(feed_items), {}, "feed-key")
    seen: dict[str, tuple[object, ...]] = {}
    for e in feed.episodes:
        fields = (e.title, e.published, e.audio_url, e.link, e.text)
        assert seen.setdefault(e.episode_id, fields) == fields
