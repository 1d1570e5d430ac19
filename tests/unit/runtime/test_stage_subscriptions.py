"""How a stage subscribes: a reader and a claimer, read without FastStream's per-message copy."""

from __future__ import annotations

from faststream.redis import RedisRouter, StreamSub

from schemas import StorySummarized
from services.runtime.broker import consume
from services.runtime.settings import Settings


def test_without_a_prefix_the_subscription_itself_is_used() -> None:
    sub = StreamSub("newsdesk.x.v1", group="g", consumer="c")
    assert sub.add_prefix("") is sub


def test_with_a_prefix_a_renamed_copy_is_made_as_before() -> None:
    sub = StreamSub("x", group="g", consumer="c")
    prefixed = sub.add_prefix("tenant.")
    assert (prefixed.name, sub.name) == ("tenant.x", "x")
    assert prefixed is not sub and prefixed.group == "g"


def test_a_stage_subscriber_reads_its_subscription_without_copying_it(settings: Settings) -> None:
    router = RedisRouter()

    @consume(router, StorySummarized, group="store", settings=settings)
    async def handler(e: StorySummarized) -> None:
        return None

    reader = router.subscribers[0]
    assert reader.stream_sub is reader.stream_sub  # type: ignore[attr-defined]
    assert reader.stream_sub.name == StorySummarized.stream  # type: ignore[attr-defined]


def test_the_claimer_polls_a_tenth_as_often_as_entries_wait_to_be_claimed(
    settings: Settings,
) -> None:
    slow = settings.model_copy(update={"claim_idle_ms": 60_000, "poll_interval_ms": 100})
    router = RedisRouter()

    @consume(router, StorySummarized, group="store", settings=slow, max_workers=8)
    async def handler(e: StorySummarized) -> None:
        return None

    subs = {s.stream_sub.min_idle_time: s.stream_sub for s in router.subscribers}  # type: ignore[attr-defined]
    reader, claimer = subs[None], subs[60_000]
    assert (reader.polling_interval, claimer.polling_interval) == (100, 6_000)
    assert reader.max_records == 8, "a consumer handling 8 at once reads 8 at a time"
