"""OPML import and export: nesting, duplicates, bad files, and the bundled seed list."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.fetcher.opml import OpmlError, Subscription, read_opml, write_opml

SEEDS = Path(__file__).parents[3] / "seeds" / "feeds.opml"


def test_nested_outlines_are_read_once_each_in_order() -> None:
    opml = b"""<?xml version="1.0"?><opml version="1.0"><head/><body>
      <outline text="News"><outline text="A" xmlUrl="https://a.example/rss"/>
        <outline text="Deeper">
          <outline title="B" text="b" xmlUrl=" https://b.example/rss "/></outline>
      </outline>
      <outline text="A again" xmlUrl="https://a.example/rss"/>
      <outline text="folder without a feed"/>
    </body></opml>"""
    assert read_opml(opml) == [
        Subscription("https://a.example/rss", "A"),
        Subscription("https://b.example/rss", "B"),
    ]


def test_export_then_import_round_trips() -> None:
    subscriptions = [
        Subscription("https://a.example/rss?x=1&y=2", 'Quotes " & <angles>', "general-news"),
        Subscription("https://b.example/feed"),
    ]
    assert read_opml(write_opml(subscriptions).encode()) == [
        subscriptions[0],
        Subscription("https://b.example/feed", "https://b.example/feed"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml at all", "not well-formed"),
        (b"<rss version='2.0'><channel/></rss>", "not an OPML document"),
    ],
)
def test_bad_files_say_why(data: bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        read_opml(data)


def test_external_entities_are_refused_not_read() -> None:
    opml = b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
      <opml><body><outline text="&x;" xmlUrl="https://a.example/rss"/></body></opml>"""
    with pytest.raises(OpmlError, match="external entity"):
        read_opml(opml)


def test_the_seed_list_holds_real_https_feeds_with_taxonomies() -> None:
    subscriptions = read_opml(SEEDS.read_bytes())
    assert len(subscriptions) >= 10
    assert all(s.url.startswith("https://") for s in subscriptions)
    assert {s.taxonomy for s in subscriptions} == {"general-news", "ai-news"}
