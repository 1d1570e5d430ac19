"""Preview: a rule and a time window → the stored stories it would have matched."""

from __future__ import annotations

from datetime import datetime

from services.notifier.core import Rule, Story
from services.storage.models import Episode, SegmentRow
from services.storage.search import StoryFilter, StorySearch

PAGE = 500


def story_from_row(segment: SegmentRow, episode: Episode) -> Story:
    return Story(
        story_id=segment.segment_id,
        section=segment.section,
        topics={t["slug"]: float(t["score"]) for t in segment.topics},
        entities={e["name"]: int(e.get("mentions", 1)) for e in segment.entities},
        headline=segment.headline,
        summary=segment.summary,
        text=segment.text,
        podcast=episode.podcast,
        feed_id=episode.feed_id,
    )


async def preview(
    search: StorySearch, rule: Rule, *, since: datetime, limit: int = 200
) -> list[tuple[SegmentRow, Episode]]:
    """Newest first; the store narrows by section, the rule decides the rest."""
    found: list[tuple[SegmentRow, Episode]] = []
    offset = 0
    while len(found) < limit:
        wanted = StoryFilter(sections=rule.sections, since=since, limit=PAGE, offset=offset)
        _, page = await search.find(wanted)
        found += [(s, e) for s, e in page if rule.matches(story_from_row(s, e))]
        if len(page) < PAGE:
            break
        offset += PAGE
    return found[:limit]
