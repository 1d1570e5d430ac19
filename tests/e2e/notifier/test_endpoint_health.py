"""Broken endpoints: retried on a schedule, disabled with a reason, never redirected, never
private unless allowed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.runtime.settings import Settings
from services.storage.outbox import Outbox, utcnow
from services.storage.subscriptions import SubscriptionRepository
from tests.e2e.notifier.conftest import Running
from tests.e2e.notifier.receivers import Receiver, Reply
from tests.e2e.notifier.stories import story, subscribe
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e


async def _disabled(repo: SubscriptionRepository) -> bool:
    return not all(s.enabled for s in await repo.all())


async def test_consecutive_failures_disable_the_endpoint_with_the_reason(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
    notifier: Running,
) -> None:
    hook = receivers().then(*[Reply(503, "maintenance")] * 10)
    await subscribe(repo, name="flaky", channel="webhook", url=hook.url)
    settings = fast.model_copy(update={"delivery_disable_after": 3})
    async with notifier(settings) as publish:
        await publish(story(1), story(2))
        await wait_for(lambda: _disabled(repo))
    (sub,) = await repo.all()
    assert sub.disabled_reason == "3 failed attempts in a row; last: HTTP 503: maintenance"
    assert hook.answered() == [503, 503, 503], "one attempt per round, not one per story"
    assert all(d.status == "pending" for d, _ in await Outbox(db).deliveries())


async def test_gives_up_after_the_schedule_and_retry_sends_again(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
    notifier: Running,
) -> None:
    hook = receivers().then(*[Reply(500, "boom")] * 3)
    await subscribe(repo, name="down", channel="webhook", url=hook.url)
    outbox = Outbox(db)
    settings = fast.model_copy(update={"delivery_retry_schedule_s": [0.2, 0.2]})
    async with notifier(settings) as publish:
        await publish(story(1))
        await wait_for(lambda: _status(outbox, "failed"))
        ((delivery, _),) = await outbox.deliveries()
        assert (delivery.attempts, delivery.last_error) == (3, "HTTP 500: boom")
        assert await outbox.retry([delivery.delivery_id], utcnow()) == 1
        await wait_for(lambda: _status(outbox, "delivered"))
    assert hook.answered() == [500, 500, 500, 200]


async def _status(outbox: Outbox, status: str) -> bool:
    rows = await outbox.deliveries()
    return bool(rows) and all(d.status == status for d, _ in rows)


async def test_gone_disables_and_redirects_are_not_followed(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
    notifier: Running,
) -> None:
    target = receivers()
    moved = receivers().then(*[Reply(302, "", (("Location", target.url),))] * 10)
    gone = receivers().then(Reply(410, "endpoint removed"))
    await subscribe(repo, name="moved", channel="webhook", url=moved.url)
    await subscribe(repo, name="gone", channel="webhook", url=gone.url)
    async with notifier(fast) as publish:
        await publish(story(1))
        await wait_for(lambda: _disabled(repo))
        await wait_for(lambda: len(moved.requests) >= 2)
    subs = {s.name: s for s in await repo.all()}
    assert subs["gone"].disabled_reason == "gone: HTTP 410: endpoint removed"
    assert subs["moved"].enabled
    assert subs["moved"].last_error == f"HTTP 302: redirect to {target.url} not followed"
    assert target.requests == []


async def test_private_addresses_are_refused_unless_allowed(
    fast: Settings,
    repo: SubscriptionRepository,
    receivers: Callable[..., Receiver],
    notifier: Running,
) -> None:
    hook = receivers()
    await subscribe(repo, name="internal", channel="webhook", url=hook.url)
    async with notifier(fast.model_copy(update={"allow_private_urls": False})) as publish:
        await publish(story(1))
        await wait_for(lambda: _disabled(repo))
    (sub,) = await repo.all()
    assert sub.disabled_reason is not None
    assert sub.disabled_reason.startswith("refused: refusing 'http://127.0.0.1:")
    assert "loopback" in sub.disabled_reason
    assert hook.requests == []
