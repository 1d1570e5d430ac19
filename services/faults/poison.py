"""Poison at every stage's stream: entries that crashed consumers, invalid and hostile ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from schemas import (
    Classification,
    Cue,
    EntityMention,
    EpisodeDiscovered,
    EpisodeInfo,
    Event,
    Segment,
    SegmentClassified,
    SegmentDetected,
    StorySummarized,
    Summary,
    TranscriptBlob,
    TranscriptLink,
    TranscriptReady,
)
from services.faults.cluster import GROUPS, Cluster
from services.faults.outcome import Outcome
from services.faults.tally import RUN_S, settle, short_episodes
from services.runtime.broker import publishing_broker
from services.runtime.entries import Entry, append, as_text
from services.runtime.groups import ensure_groups

MAXLEN = 100_000


async def crashed_entry(client: Redis, stream: str, group: str, deliveries: int) -> str:
    """An entry `group` has handed out `deliveries` times, each to a consumer that then died.

    Other groups on the same stream have it acknowledged, so it poisons `group` alone.
    """
    entry_id = await append(
        client, stream, {"poison": f"kills every {group} that reads it"}, MAXLEN
    )
    for other in (g for s, g in GROUPS if s == stream):
        read: Any = await client.xreadgroup(other, "crashed-1", {stream: ">"}, count=1)
        got = as_text(read[0][1][0][0])
        if got != entry_id:
            raise RuntimeError(f"{other} read {got}, not the poison {entry_id}: stream not fresh")
        if other != group:
            await client.xack(stream, other, entry_id)
    for n in range(2, deliveries + 1):
        await client.xclaim(stream, group, f"crashed-{n}", 0, [entry_id])
    return entry_id


async def invalid_entries(client: Redis, redis_url: str) -> list[tuple[str, str]]:
    """Per stream: JSON that is no event, bytes that are no JSON, fields FastStream never framed."""
    out = []
    async with publishing_broker(redis_url) as broker:
        for stream in dict.fromkeys(s for s, _ in GROUPS):
            out.append((stream, await append(client, stream, {"poison": "not an event"}, MAXLEN)))
            await broker.publish(b"\x00\xff\xfe not json", stream=stream)
            newest: Any = await client.xrevrange(stream, count=1)
            out.append((stream, as_text(newest[0][0])))
            out.append((stream, as_text(await client.xadd(stream, {"hello": "world"}))))
    return out


@dataclass(frozen=True)
class Hostile:
    """A valid event with content no stage should choke on; its episode id is its own."""

    stream: str
    entry_id: str
    episode_id: str
    what: str


def _story(n: int, text: str, *, backwards: bool = False) -> Segment:
    """A story segment; `backwards` gives it offsets and lines that run backwards, and an
    index past its episode's segment count."""
    start, end = (90, 10) if backwards else (0, len(text))
    return Segment(
        segment_id=f"hostile-segment-{n}", index=7 if backwards else 0, count=1, kind="story",
        start_line=9 if backwards else 1, end_line=1, start_char=start, end_char=end, text=text,
    )  # fmt: skip


def _hostile() -> list[tuple[str, Event]]:
    def episode(n: int, **more: object) -> EpisodeInfo:
        return EpisodeInfo(episode_id=f"hostile-{n}", source="fault suite", **more)

    odd = Classification(
        section="no-such-section",
        entities=[EntityMention(name="Nobody", type="org", offsets=[(900, 1000)])],
    )
    one = "Only one sentence here."
    return [
        ("no transcript, text or audio", EpisodeDiscovered(episode=episode(0))),
        ("transcript link to a closed port", EpisodeDiscovered(
            episode=episode(1), transcripts=[TranscriptLink(url="http://127.0.0.1:9/t.vtt")])),
        ("audio file that does not exist", EpisodeDiscovered(
            episode=episode(2), audio_url="file:///nonexistent/episode.mp3")),
        ("blob that was never stored", TranscriptReady(
            episode=episode(3), blob=TranscriptBlob(uri="redis:gone", sha256="0" * 64, size=9))),
        ("cues pointing past the text", TranscriptReady(
            episode=episode(4), text=one, cues=[Cue(start_char=500, end_char=20, start_s=-3)])),
        ("unknown taxonomy, one sentence", TranscriptReady(
            episode=episode(5, taxonomy="no-such-taxonomy"), text=one)),
        ("empty story segment", SegmentDetected(episode=episode(6), segment=_story(0, ""))),
        ("backwards offsets, index past count", SegmentDetected(
            episode=episode(7), segment=_story(1, one, backwards=True))),
        ("story of an unknown taxonomy", SegmentDetected(
            episode=episode(8, taxonomy="no-such-taxonomy"), segment=_story(2, one))),
        ("empty story, entities past its end", SegmentClassified(
            episode=episode(9), segment=_story(3, ""), classification=odd)),
        ("empty headline, backwards offsets", StorySummarized(
            episode=episode(10), segment=_story(4, one, backwards=True),
            classification=odd, summary=Summary(headline=""))),
    ]  # fmt: skip


async def hostile_events(client: Redis) -> list[Hostile]:
    out = []
    for what, event in _hostile():
        body = json.loads(event.model_dump_json())
        entry_id = await append(client, type(event).stream, body, MAXLEN)
        out.append(Hostile(type(event).stream, entry_id, body["episode"]["episode_id"], what))
    return out


def letter_episode(letter: Entry) -> str | None:
    """The episode a dead letter's original payload was about, if it says."""
    try:
        payload = json.loads(str(letter.get("original_payload") or ""))
    except ValueError:
        return None
    episode = payload.get("episode") if isinstance(payload, dict) else None
    return episode.get("episode_id") if isinstance(episode, dict) else None


async def poison(root: Path) -> Outcome:
    """At every stage: an entry that crashed its consumers, invalid payloads, hostile events.

    The crashed entry is dead-lettered once past the delivery cap, invalid payloads at once;
    hostile but valid events end processed or dead-lettered with a reason, never stuck or
    crashing; and a good episode published behind them all comes through whole.
    """
    outcome = Outcome("poison events at every stage")
    good = short_episodes()[:1]
    async with Cluster(root) as cluster:
        await ensure_groups(cluster.client, GROUPS)
        cap = cluster.settings.max_deliveries
        crashed = {pair: await crashed_entry(cluster.client, *pair, cap) for pair in GROUPS}
        invalid = await invalid_entries(cluster.client, cluster.redis.url)
        hostile = await hostile_events(cluster.client)
        await cluster.start("pipeline")
        await cluster.check_groups()
        await cluster.publish([e.event for e in good])
        count = await settle(cluster, good, RUN_S)
        letters = await cluster.dead_letters()
        stuck = await cluster.stuck_episodes()
    by_entry = {(x.get("stage"), x.get("original_entry_id")): x for x in letters}
    for (_stream, group), entry_id in crashed.items():
        letter = by_entry.get((group, entry_id))
        kind = letter.get("error_type") if letter else "nothing"
        outcome.fault(kind == "DeliveryLimitExceeded", f"{group}: crashed {cap}× → {kind}")
    for stream, entry_id in invalid:
        for group in _groups_of(stream):
            letter = by_entry.get((group, entry_id))
            at = letter.get("delivery_count") if letter else None
            outcome.fault(at == 1, f"{group}: invalid payload dead-lettered at delivery {at}")
    crashes = {letter_episode(x) for x in letters if x.get("error_type") == "DeliveryLimitExceeded"}
    reasons = {letter_episode(x): f"{x.get('stage')}: {x.get('error_type')}" for x in letters}
    for h in hostile:
        ended = reasons.get(h.episode_id, "processed")
        outcome.bad_input(
            h.episode_id not in stuck and h.episode_id not in crashes,
            f"{h.what} → " + ("still pending" if h.episode_id in stuck else ended),
        )
    flowing = outcome.counted(count)
    outcome.notes.append(
        f"a good episode behind the poison: {count}" + ("" if flowing else " LOST")
    )
    return outcome


def _groups_of(stream: str) -> list[str]:
    return [group for s, group in GROUPS if s == stream]
