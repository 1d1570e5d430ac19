"""Fetcher: FeedPollRequested → EpisodeDiscovered for each new episode (FeedFailing on a streak)."""

from __future__ import annotations

from faststream.redis import RedisRouter

from schemas import EpisodeDiscovered, Event, FeedFailing, FeedPollRequested
from services.fetcher.leases import Leases, holding, polling_key, queued_key
from services.fetcher.poller import Fetch, PollConfig, Poller, Publish
from services.runtime.broker import consume, publisher_for
from services.runtime.settings import Settings
from services.storage.feeds import FeedRegistry

STAGE = "fetcher"


def publish_to(router: RedisRouter, settings: Settings, *events: type[Event]) -> Publish:
    """One publish for several event types, each to its own stream."""
    publishers = {event: publisher_for(router, event, settings) for event in events}

    async def publish(event: Event) -> None:
        await publishers[type(event)].publish(event)

    return publish


def build_router(
    settings: Settings,
    registry: FeedRegistry,
    fetch: Fetch,
    leases: Leases,
    config: PollConfig,
) -> RedisRouter:
    router = RedisRouter()
    publish = publish_to(router, settings, EpisodeDiscovered, FeedFailing)
    poller = Poller(registry, fetch, publish, config)

    @consume(
        router, FeedPollRequested, group=STAGE, settings=settings,
        max_workers=settings.fetch_concurrency,
    )  # fmt: skip
    async def on_feed_poll_requested(e: FeedPollRequested) -> None:
        # A replica that finds the feed already being polled leaves it to that one.
        async with holding(leases, polling_key(e.feed_id), config.lease_s) as ours:
            if ours:
                await poller.poll(e)
        await leases.release(queued_key(e.feed_id))

    return router
