"""Wiring for the fetcher: database, HTTP client, Redis leases, the poll handler and scheduler."""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

from schemas import FeedPollRequested
from services.fetcher.http import FeedFetcher, FetchPolicy, build_client
from services.fetcher.leases import RedisLeases
from services.fetcher.poller import PollConfig
from services.fetcher.schedule import Bounds
from services.fetcher.scheduler import Scheduler
from services.fetcher.worker import STAGE, build_router, publish_to
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from services.storage.db import create_engine, migrate, sessions
from services.storage.feeds import FeedRegistry


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        user_agent=settings.fetch_user_agent,
        body_cap=settings.fetch_body_cap_bytes,
        connect_timeout_s=settings.fetch_connect_timeout_s,
        read_timeout_s=settings.fetch_read_timeout_s,
        total_timeout_s=settings.fetch_total_timeout_s,
        per_host=settings.fetch_per_host,
        allow_private=settings.allow_private_urls,
    )


def poll_config(settings: Settings) -> PollConfig:
    bounds = Bounds(
        min_interval=timedelta(seconds=settings.fetch_min_interval_s),
        max_interval=timedelta(seconds=settings.fetch_max_interval_s),
        default_interval=timedelta(seconds=settings.fetch_default_interval_s),
    )
    # A poll's lease outlasts its own total timeout, with room for parsing and the database.
    lease_s = settings.fetch_total_timeout_s * 2 + 60
    return PollConfig(bounds, settings.fetch_failure_threshold, lease_s)


def build_stage(settings: Settings, redis_url: str) -> Stage:
    engine = create_engine(settings.effective_database_url)
    registry = FeedRegistry(sessions(engine))
    policy = fetch_policy(settings)
    client = build_client(policy, max_connections=settings.fetch_concurrency * 2)
    redis = Redis.from_url(redis_url)
    leases = RedisLeases(redis)
    config = poll_config(settings)
    router = build_router(settings, registry, FeedFetcher(client, policy).fetch, leases, config)
    scheduler = Scheduler(
        registry, leases, publish_to(router, settings, FeedPollRequested),
        request_ttl_s=config.lease_s * 3,
    )  # fmt: skip

    async def start() -> None:
        await migrate(engine)

    async def schedule() -> None:
        await scheduler.run(settings.fetch_schedule_every_s)

    return Stage(
        STAGE,
        router,
        (FeedPollRequested,),
        on_start=[start],
        on_stop=[client.aclose, redis.aclose, engine.dispose],
        loops=[schedule],
    )
