"""Wiring for the notifier: the outbox, a guarded HTTP transport, the shared Slack pacer, the
sender, the drain loop."""

from __future__ import annotations

from schemas import StorySummarized
from services.notifier.channels import Sender
from services.notifier.dispatch import Dispatcher
from services.notifier.pacing import Pacer, pacing_client
from services.notifier.policy import RetryPolicy
from services.notifier.worker import STAGE, build_router
from services.runtime.settings import Settings
from services.runtime.ssrf import guarded_transport
from services.runtime.stage import Stage
from services.storage.db import create_engine, migrate, sessions
from services.storage.outbox import Outbox


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        schedule=tuple(settings.delivery_retry_schedule_s),
        disable_after=settings.delivery_disable_after,
    )


def build_stage(settings: Settings, redis_url: str) -> Stage:
    engine = create_engine(settings.effective_database_url)
    outbox = Outbox(sessions(engine))
    transport = guarded_transport(allow_private=settings.allow_private_urls)
    redis = pacing_client(redis_url)
    # httpx's timeout is per phase (pool, connect, write, read): a POST's turn ends within
    # about four of them, unless its notifier died, when the others wait out the lease.
    pacer = Pacer(redis, lease_s=4 * settings.http_timeout_s)
    sender = Sender(
        transport,
        timeout_s=settings.http_timeout_s,
        allow_private=settings.allow_private_urls,
        slack_interval_s=settings.slack_min_interval_s,
        pacer=pacer,
    )
    policy = retry_policy(settings)
    dispatcher = Dispatcher(
        outbox,
        sender,
        policy,
        lease_s=settings.delivery_lease_s,
        linger_s=settings.sink_linger_ms / 1000,
    )
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None

    async def start() -> None:
        await migrate(engine)
        await outbox.ensure_webhook_subscriptions(settings.webhook_urls, secret)

    async def stop() -> None:
        await transport.aclose()
        await redis.aclose()
        await engine.dispose()

    async def drain_loop() -> None:
        await dispatcher.run_forever(settings.delivery_poll_s)

    return Stage(
        STAGE,
        build_router(settings, outbox, dispatcher),
        (StorySummarized,),
        on_start=[start],
        on_stop=[stop],
        loops=[drain_loop],
        busy=dispatcher.busy,
    )
