"""Which subscriptions a story matches, and the JSON document a webhook receives."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from schemas import StorySummarized

PAYLOAD_VERSION = 1
#: Retry schedule after a failed attempt: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h.
DEFAULT_RETRY_SCHEDULE_S: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000)


def story_payload(e: StorySummarized) -> dict[str, Any]:
    """The versioned document a webhook receives for one story."""
    seg, labels, summary = e.segment, e.classification, e.summary
    return {
        "type": "story.published",
        "version": PAYLOAD_VERSION,
        "story_id": seg.segment_id,
        "episode": e.episode.model_dump(mode="json"),
        "index": seg.index,
        "headline": summary.headline,
        "summary": summary.summary,
        "key_points": list(summary.key_points),
        "section": labels.section,
        "topics": [t.model_dump() for t in labels.topics],
        "entities": [{"name": x.name, "type": x.type, "mentions": x.mentions} for x in labels.entities],
        "start_s": seg.start_s,
        "end_s": seg.end_s,
        "start_line": seg.start_line,
        "end_line": seg.end_line,
    }


def matches(filters: dict[str, Any], e: StorySummarized) -> bool:
    """A story matches when every filter given is satisfied (an empty rule matches all)."""
    sections = filters.get("sections") or []
    if sections and e.classification.section not in sections:
        return False
    entities = {x.lower() for x in filters.get("entities") or []}
    names = {m.name.lower() for m in e.classification.entities}
    if entities and not entities & names:
        return False
    keywords = [k.lower() for k in filters.get("keywords") or []]
    text = f"{e.summary.headline}\n{e.segment.text}".lower()
    return not keywords or any(k in text for k in keywords)


def next_attempt(attempts: int, now: datetime, schedule: tuple[float, ...]) -> datetime | None:
    """When to try again after `attempts` failures; None once the schedule is used up."""
    if attempts > len(schedule):
        return None
    return now + timedelta(seconds=schedule[attempts - 1])
