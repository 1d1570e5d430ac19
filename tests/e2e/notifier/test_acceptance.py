"""Issue 8's acceptance on the sample episode: a signed webhook for an entity, a Slack channel
for a section; each gets exactly its stories, and running it all again sends nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.cli.sources import SAMPLE, discovered_from_file
from services.runtime.settings import Settings
from services.storage.repository import StoryRepository
from services.storage.subscriptions import SubscriptionRepository
from tests.e2e.notifier.receivers import Receiver
from tests.e2e.notifier.stories import signed_webhook, subscribe
from tests.e2e.pipeline.test_sample_episode import run_pipeline

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def test_sample_episode_alerts_each_subscription_exactly_once(
    redis_url: str,
    settings: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
) -> None:
    hook, slack = receivers(), receivers()
    await signed_webhook(repo, hook, name="anthropic", rule={"entities": ["Anthropic"]})
    await subscribe(repo, name="policy", channel="slack", url=slack.url,
                    rule={"sections": ["policy-and-safety"]})  # fmt: skip
    event = discovered_from_file(SAMPLE)
    await run_pipeline(settings, redis_url, [event])

    episode_id = event.episode.episode_id
    stories = await StoryRepository(db).segments(episode_id=episode_id, kinds=["story"])
    about = {s.segment_id for s in stories if any(e["name"] == "Anthropic" for e in s.entities)}
    policy = {s.headline for s in stories if s.section == "policy-and-safety"}
    assert about and policy
    assert set(hook.answered()) == {200}
    assert sorted(r.json()["data"]["story_id"] for r in hook.accepted()) == sorted(about)
    assert sorted(r.json()["blocks"][0]["text"]["text"] for r in slack.accepted()) == sorted(policy)

    await run_pipeline(settings, redis_url, [event.with_replay()])
    assert (len(hook.requests), len(slack.requests)) == (len(about), len(policy))
