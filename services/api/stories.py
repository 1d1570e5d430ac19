"""Read routes: stories (filters and full-text search), episodes with segments, feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from services.api.deps import Sessions
from services.api.views import EpisodeDetail, EpisodeOut, FeedOut, Page, StoryOut
from services.nlp.query import QuerySyntaxError, parse
from services.storage.search import StoryFilter, StorySearch

router = APIRouter(tags=["stories"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/stories", response_model=Page)
async def list_stories(
    sessions: Sessions,
    q: Annotated[
        str | None, Query(description='Words, "phrases", prefix*, AND, OR, NOT, -word, ( ).')
    ] = None,
    section: Annotated[list[str] | None, Query(description="Any of these sections.")] = None,
    entity: str | None = None,
    podcast: str | None = None,
    episode_id: str | None = None,
    feed_id: str | None = None,
    days: Annotated[int | None, Query(ge=1, description="Stored in the last N days.")] = None,
    all_kinds: Annotated[bool, Query(description="Include ads, intros and outros.")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page:
    """Stories, newest first, or best match first when searching."""
    try:
        query = parse(q) if q else None
    except QuerySyntaxError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"q: {exc}") from exc
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    kinds = () if all_kinds else ("story",)
    wanted = StoryFilter(query=query, sections=section or (), entity=entity, podcast=podcast,
                         episode_id=episode_id, feed_id=feed_id, since=since, kinds=kinds,
                         limit=limit, offset=offset)  # fmt: skip
    total, rows = await StorySearch(sessions).find(wanted)
    return Page(total=total, limit=limit, offset=offset,
                items=[StoryOut.of(s, e) for s, e in rows])  # fmt: skip


@router.get("/stories/{story_id}", response_model=StoryOut)
async def get_story(story_id: str, sessions: Sessions) -> StoryOut:
    found = await StorySearch(sessions).story(story_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no story {story_id!r}")
    return StoryOut.of(*found, with_text=True)


@router.get("/episodes", response_model=list[EpisodeOut])
async def list_episodes(
    sessions: Sessions, limit: Limit = 50, offset: Offset = 0
) -> list[EpisodeOut]:
    _, rows = await StorySearch(sessions).episodes(limit=limit, offset=offset)
    return [EpisodeOut.of(e) for e in rows]


@router.get("/episodes/{episode_id}", response_model=EpisodeDetail)
async def get_episode(episode_id: str, sessions: Sessions) -> EpisodeDetail:
    """An episode with all its segments (stories, ads, intro, outro) in order."""
    found = await StorySearch(sessions).episode(episode_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no episode {episode_id!r}")
    episode, segments = found
    return EpisodeDetail(**EpisodeOut.of(episode).model_dump(),
                         segments=[StoryOut.of(s, episode) for s in segments])  # fmt: skip


@router.get("/feeds", response_model=list[FeedOut], tags=["feeds"])
async def list_feeds(sessions: Sessions) -> list[FeedOut]:
    return [FeedOut.of(f) for f in await StorySearch(sessions).feeds()]
