"""Fetcher core: feed bytes + response headers → the feed and its episode candidates."""

from __future__ import annotations

import calendar
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import feedparser

from schemas.events import EpisodeDiscovered
from schemas.ids import stable_id
from schemas.model import EpisodeInfo, TranscriptLink
from services.fetcher.html_text import html_to_text, normalise_text
from services.fetcher.podcast_ns import ItemTags, PodcastTags, read_podcast_tags

_MEDIA_SUFFIXES = frozenset(
    {".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".mp4", ".m4v", ".webm"}
)


@dataclass(frozen=True)
class EpisodeCandidate:
    """One feed item that can be ingested: audio, publisher transcripts, or article text."""

    episode_id: str
    identity: str  # the rung of the fallback chain the id came from
    title: str
    published: datetime | None
    link: str | None
    audio_url: str | None = None
    audio_type: str | None = None
    transcripts: tuple[TranscriptLink, ...] = ()
    chapters_url: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: episodes newest first, or `failure` saying why nothing can be ingested."""

    title: str = ""
    link: str | None = None
    podcast_guid: str | None = None
    blocked: bool = False
    ttl_minutes: int | None = None
    episodes: tuple[EpisodeCandidate, ...] = ()
    warnings: tuple[str, ...] = ()
    failure: str | None = None

    @property
    def published_times(self) -> list[datetime]:
        return [e.published for e in self.episodes if e.published is not None]


def parse_feed(data: bytes, headers: Mapping[str, str], feed_key: str) -> ParsedFeed:
    """Parse one fetched document; `feed_key` scopes episode ids (stable across URL moves)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    # A BytesIO, never the bytes: feedparser treats bytes it is given as a path to open.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=lowered)
    tags = read_podcast_tags(data)
    channel = parsed.get("feed", {})
    feed = ParsedFeed(
        title=_plain(channel, "title"),
        link=_str(channel.get("link")),
        podcast_guid=tags.podcast_guid,
        blocked=tags.blocked,
        ttl_minutes=_ttl(channel.get("ttl")),
    )
    entries = list(parsed.get("entries", []))
    if feed.blocked:
        return replace(feed, failure="the feed opts out of ingestion (podcast:block yes)")
    if not entries:
        return replace(feed, failure=_empty_reason(parsed))
    return _with_episodes(feed, entries, tags, parsed, feed_key)


def _with_episodes(
    feed: ParsedFeed,
    entries: list[Any],
    tags: PodcastTags,
    parsed: Any,
    feed_key: str,
) -> ParsedFeed:
    items = [_item(entry, _tags_for(entry, i, entries, tags)) for i, entry in enumerate(entries)]
    episodes = _newest_first(_assign_ids(items, feed_key))
    warnings = []
    if parsed.get("bozo"):
        warnings.append(f"feed is not well-formed ({_reason(parsed)}); its items parsed anyway")
    skipped = len(items) - len(episodes)
    if skipped:
        warnings.append(f"{_items(skipped)} without audio, transcript or text skipped")
    failure = None if episodes else f"{_items(len(items))}, none with audio, transcript or text"
    return replace(feed, episodes=tuple(episodes), warnings=tuple(warnings), failure=failure)


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _empty_reason(parsed: Any) -> str:
    detail = f" ({_reason(parsed)})" if parsed.get("bozo") else ""
    if not parsed.get("version"):
        return f"not a feed: no RSS, RDF or Atom document found{detail}"
    if detail:
        return f"an unreadable feed with no items{detail}"
    return "the feed has no items"


def _reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc else "unknown parse error"


def _tags_for(entry: Any, index: int, entries: list[Any], tags: PodcastTags) -> ItemTags:
    # Both parsers walk items in document order, so the index matches when the counts do;
    # on a broken document they may disagree, and guid or link is the safer match.
    if len(tags.items) == len(entries):
        return tags.items[index]
    guid, link = _str(entry.get("id")), _str(entry.get("link"))
    for item in tags.items:
        if (guid and item.guid == guid) or (link and item.link == link):
            return item
    return ItemTags()


@dataclass(frozen=True)
class _Item:
    """An item before it has an id: its candidate fields and its identity keys."""

    candidate: EpisodeCandidate
    keys: tuple[tuple[str, str], ...]
    ingestible: bool


def _item(entry: Any, tags: ItemTags) -> _Item:
    audio_url, audio_type = _audio(entry)
    title = _plain(entry, "title")
    published = _published(entry)
    link = _str(entry.get("link"))
    text = None if audio_url or tags.transcripts else _article_text(entry)
    candidate = EpisodeCandidate(
        episode_id="",
        identity="",
        title=title,
        published=published,
        link=link,
        audio_url=audio_url,
        audio_type=audio_type,
        transcripts=tags.transcripts,
        chapters_url=tags.chapters_url,
        text=text,
    )
    keys = _identity_keys(entry, audio_url, link, title, published)
    return _Item(candidate, keys, bool(audio_url or tags.transcripts or text))


def _identity_keys(
    entry: Any, audio_url: str | None, link: str | None, title: str, published: datetime | None
) -> tuple[tuple[str, str], ...]:
    # The fallback chain, most to least trustworthy. A GUID is the publisher's promise of
    # identity; without one, the enclosure URL names the audio itself; a link names the
    # article page (and may be shared by several items on a show page); title + date is the
    # last resort, and changes if the publisher edits the title. The content digest only
    # separates items that have none of these.
    date = published.isoformat() if published else _str(entry.get("published")) or ""
    chain = (
        ("guid", _str(entry.get("id"))),
        ("enclosure", audio_url),
        ("link", link),
        ("title-date", f"{title}\x1f{date}" if title else None),
    )
    content = stable_id(title, date, _str(entry.get("summary")) or "", audio_url or "", link or "")
    return (*((kind, value) for kind, value in chain if value), ("content", content))


def _assign_ids(items: Sequence[_Item], feed_key: str) -> list[EpisodeCandidate]:
    """Ids for ingestible items: each takes the first key of its chain no other item shares.

    A key repeated within the feed (a template that stamps one GUID on every item, one link
    for a whole show page) identifies nothing, so it is skipped. Counting over the whole
    feed keeps the choice independent of item order.
    """
    counts = Counter(key for item in items for key in set(item.keys))
    episodes = []
    for item in items:
        if not item.ingestible:
            continue
        kind, value = next((k for k in item.keys if counts[k] == 1), item.keys[-1])
        episode_id = stable_id("episode", feed_key, kind, value)
        episodes.append(replace(item.candidate, episode_id=episode_id, identity=kind))
    return episodes


def _newest_first(episodes: Iterable[EpisodeCandidate]) -> list[EpisodeCandidate]:
    # Undated items keep document order after the dated ones; feeds list newest first.
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(episodes, key=lambda e: e.published or floor, reverse=True)


def _audio(entry: Any) -> tuple[str | None, str | None]:
    media = [*entry.get("enclosures", []), *entry.get("media_content", [])]
    for enclosure in media:
        url = _str(enclosure.get("href") or enclosure.get("url"))
        kind = _str(enclosure.get("type")) or ""
        if url and _is_media(url, kind, _str(enclosure.get("medium"))):
            return url, kind or None
    return None, None


def _is_media(url: str, kind: str, medium: str | None) -> bool:
    if kind.startswith(("audio/", "video/")) or medium in ("audio", "video"):
        return True
    return PurePosixPath(urlsplit(url).path).suffix.lower() in _MEDIA_SUFFIXES


def _article_text(entry: Any) -> str | None:
    bodies = [*entry.get("content", [])]
    if entry.get("summary_detail"):
        bodies.append(entry["summary_detail"])
    best = max(bodies, key=lambda b: len(str(b.get("value", ""))), default=None)
    if best is None:
        return None
    value = str(best.get("value", ""))
    text = html_to_text(value) if "html" in str(best.get("type", "")) else normalise_text(value)
    return text or None


def _published(entry: Any) -> datetime | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(stamp), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _ttl(value: Any) -> int | None:
    try:
        minutes = int(str(value).strip())
    except ValueError:
        return None
    return minutes if minutes > 0 else None


def _plain(node: Any, key: str) -> str:
    """A text construct (title) as plain text; Atom and some RSS titles carry HTML."""
    value = str(node.get(key, ""))
    detail = node.get(f"{key}_detail") or {}
    return html_to_text(value) if "html" in str(detail.get("type", "")) else normalise_text(value)


def _str(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def episode_discovered(
    candidate: EpisodeCandidate,
    *,
    podcast: str,
    feed_id: str,
    taxonomy: str | None,
    envelope: Mapping[str, Any],
) -> EpisodeDiscovered:
    """The event for one new episode; `envelope` carries correlation and producer fields."""
    info = EpisodeInfo(
        episode_id=candidate.episode_id,
        title=candidate.title,
        podcast=podcast,
        published=candidate.published.date() if candidate.published else None,
        source=candidate.link or candidate.audio_url or "",
        link=candidate.link,
        feed_id=feed_id,
        taxonomy=taxonomy,
    )
    return EpisodeDiscovered(
        episode=info,
        audio_url=candidate.audio_url,
        audio_type=candidate.audio_type,
        transcripts=list(candidate.transcripts),
        chapters_url=candidate.chapters_url,
        text=candidate.text,
        text_format="text/plain" if candidate.text else None,
        **envelope,
    )
