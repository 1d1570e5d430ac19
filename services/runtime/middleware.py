"""One middleware for every stage: per-message log context, retries and dead letters."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any, cast

import structlog
from faststream import BaseMiddleware, ContextRepo
from faststream.message import StreamMessage
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from schemas import DeadLettered
from services.runtime.errors import EntriesRejected, PermanentError, TransientError
from services.runtime.messages import (
    batch_ids,
    channel,
    first_entry_id,
    is_batch,
    payloads,
)
from services.runtime.settings import Settings

log = structlog.get_logger("newsdesk.runtime")

#: Errors that retrying cannot fix: the payload itself is wrong.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    PermanentError,
    ValidationError,
    json.JSONDecodeError,
    UnicodeDecodeError,
)

#: Errors that may pass: the network, a server, a limit.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientError,
    ConnectionError,
    TimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
)

DeadLetterSink = Callable[[DeadLettered], Awaitable[None]]


def backoff_delay(attempt: int, settings: Settings, retry_after: float | None = None) -> float:
    """Capped exponential backoff; a server's Retry-After wins when it is within the cap."""
    delay = min(settings.retry_max_s, settings.retry_base_s * 2.0 ** (attempt - 1))
    if retry_after is not None:
        delay = min(settings.retry_max_s, max(delay, retry_after))
    return delay


async def _message_context(msg: StreamMessage[Any]) -> dict[str, Any]:
    if is_batch(msg):
        return {"stream": channel(msg), "entries": len(batch_ids(msg))}
    context: dict[str, Any] = {"stream": channel(msg), "entry_id": first_entry_id(msg)}
    try:
        body = await msg.decode()  # cached: the handler's own decoding reuses it
    except (ValueError, TypeError):
        return context
    return context | _body_context(body)


def _body_context(body: Any) -> dict[str, Any]:
    """What a log line says of the event it is about: its type, ids and episode."""
    if not isinstance(body, dict):
        return {}
    context = {key: body.get(key) for key in ("event_type", "event_id", "correlation_id")}
    episode = body.get("episode")
    if isinstance(episode, dict):
        context["episode_id"] = episode.get("episode_id")
    return context


async def delivery_count(msg: StreamMessage[Any], entry: str | None = None) -> int:
    """How often Redis has handed this entry (by default the message's first) out: 1 on
    first delivery."""
    client, group = getattr(msg, "consumer", None), getattr(msg, "group", None)
    entry = entry or first_entry_id(msg)
    if client is None or group is None or not entry:
        return 1
    pending = await client.xpending_range(channel(msg), group, min=entry, max=entry, count=1)
    return int(pending[0]["times_delivered"]) if pending else 1


async def _log_handled(
    msg: StreamMessage[Any], attempts: int, started: float, skip: Collection[str] = ()
) -> None:
    """The line per handled entry: for a batch, one per entry, with its own ids."""
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    if not is_batch(msg):
        log.info("message_handled", outcome="ok", attempts=attempts, duration_ms=duration_ms)
        return
    bodies = await msg.decode()  # cached: a list, one body per entry
    for entry_id, body in zip(batch_ids(msg), cast(list[Any], bodies), strict=True):
        if entry_id not in skip:
            log.info("message_handled", outcome="ok", attempts=attempts,
                     duration_ms=duration_ms, entry_id=entry_id, **_body_context(body))  # fmt: skip


def _claimed(context: ContextRepo) -> bool:
    """Whether the subscriber handling this message is a claimer (XAUTOCLAIM)."""
    return getattr(context.get("handler_"), "min_idle_time", None) is not None


def build_error_middleware(
    stage: str, settings: Settings, dead_letter: DeadLetterSink
) -> type[BaseMiddleware]:
    """The middleware class for one stage, closed over its settings and dead-letter sink."""

    class StageMiddleware(BaseMiddleware):
        async def publish_scope(self, call_next: Callable[[Any], Awaitable[Any]], cmd: Any) -> Any:
            # A handler that dead-lettered its input (or emits nothing) returns None:
            # FastStream would publish that as an empty entry.
            if getattr(cmd, "body", None) is None:
                return None
            return await call_next(cmd)

        async def consume_scope(
            self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]
        ) -> Any:
            context = await _message_context(msg)
            structlog.contextvars.bind_contextvars(stage=stage, **context)
            try:
                # Only an entry the claiming subscriber took can have been delivered before,
                # so only then is Redis asked how often (a round trip saved on the rest).
                if _claimed(self.context):
                    deliveries = await delivery_count(msg)
                    if deliveries > settings.max_deliveries:
                        reason = f"delivered {deliveries} times without completing"
                        return await self._give_up(msg, "DeliveryLimitExceeded", reason)
                result = await self._run_with_retries(call_next, msg, time.perf_counter())
                if is_batch(msg) and context["entries"] < settings.sink_batch_size:
                    # A short read (handled and logged): the next waits for company.
                    await asyncio.sleep(settings.sink_linger_ms / 1000)
                return result
            finally:
                structlog.contextvars.unbind_contextvars("stage", *context)

        async def _run_with_retries(
            self,
            call_next: Callable[[Any], Awaitable[Any]],
            msg: StreamMessage[Any],
            started: float,
        ) -> Any:
            attempt = 0
            while True:
                attempt += 1
                try:
                    result = await call_next(msg)
                except EntriesRejected as exc:
                    # A batch's bad entries go alone; a single message's one entry was it.
                    entries = payloads(msg)
                    for i, error in exc.rejected.items():
                        await self._dead_letter(msg, entries[i], type(error).__name__, str(error))
                    await msg.ack()
                    if is_batch(msg):
                        skip = {entries[i][0] for i in exc.rejected}
                        await _log_handled(msg, attempt, started, skip)
                    return None
                except PERMANENT_ERRORS as exc:
                    return await self._give_up(msg, type(exc).__name__, str(exc))
                except TRANSIENT_ERRORS as exc:
                    if attempt > settings.retry_attempts:
                        reason = f"still failing after {attempt} attempts: {exc}"
                        return await self._give_up(msg, type(exc).__name__, reason)
                    hint = exc.retry_after if isinstance(exc, TransientError) else None
                    delay = backoff_delay(attempt, settings, hint)
                    log.warning("message_retry", attempt=attempt, delay_s=delay, error=str(exc))
                    await asyncio.sleep(delay)
                    continue
                except Exception as exc:
                    # A bug, not a bad payload: leave the entry pending so a consumer with a
                    # fix claims it; the delivery cap dead-letters it if it keeps failing.
                    log.exception("message_failed", outcome="error", error=str(exc))
                    raise
                await _log_handled(msg, attempt, started)
                return result

        async def _give_up(self, msg: StreamMessage[Any], error_type: str, reason: str) -> None:
            """Every entry of the message to the dead letters, and the message acknowledged."""
            for entry in payloads(msg):
                await self._dead_letter(msg, entry, error_type, reason)
            await msg.ack()

        async def _dead_letter(
            self, msg: StreamMessage[Any], entry: tuple[str, bytes], error_type: str, reason: str
        ) -> None:
            entry_id, payload = entry
            deliveries = await delivery_count(msg, entry_id)
            letter = DeadLettered(
                stage=stage,
                reason=reason[:2000],
                error_type=error_type,
                delivery_count=deliveries,
                original_stream=channel(msg),
                original_entry_id=entry_id,
                original_payload=payload.decode("utf-8", "replace"),
                producer=stage,
            )
            await dead_letter(letter)
            log.error(
                "message_dead_lettered",
                outcome="dead_letter",
                entry_id=entry_id,
                error_type=error_type,
                reason=reason[:300],
                deliveries=deliveries,
            )

    return StageMiddleware
