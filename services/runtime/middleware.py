"""One middleware for every stage: per-message log context, retries and dead letters."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from faststream import BaseMiddleware, ContextRepo
from faststream.message import StreamMessage
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from schemas import DeadLettered
from services.runtime.entries import as_text
from services.runtime.errors import PermanentError, TransientError
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
    context: dict[str, Any] = {"stream": _channel(msg), "entry_id": _entry_id(msg)}
    try:
        body = await msg.decode()  # cached: the handler's own decoding reuses it
    except (ValueError, TypeError):
        return context
    if isinstance(body, dict):
        context["event_type"] = body.get("event_type")
        context["event_id"] = body.get("event_id")
        context["correlation_id"] = body.get("correlation_id")
        episode = body.get("episode")
        if isinstance(episode, dict):
            context["episode_id"] = episode.get("episode_id")
    return context


def _channel(msg: StreamMessage[Any]) -> str:
    raw = msg.raw_message
    return str(raw.get("channel", "")) if isinstance(raw, dict) else ""


def _entry_id(msg: StreamMessage[Any]) -> str:
    raw = msg.raw_message
    ids = raw.get("message_ids") if isinstance(raw, dict) else None
    if not ids:
        return ""
    return as_text(ids[0])


async def delivery_count(msg: StreamMessage[Any]) -> int:
    """How often Redis has handed this entry out (1 on first delivery)."""
    client, group = getattr(msg, "consumer", None), getattr(msg, "group", None)
    entry = _entry_id(msg)
    if client is None or group is None or not entry:
        return 1
    pending = await client.xpending_range(_channel(msg), group, min=entry, max=entry, count=1)
    return int(pending[0]["times_delivered"]) if pending else 1


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
                return await self._run_with_retries(call_next, msg, time.perf_counter())
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
                log.info(
                    "message_handled",
                    outcome="ok",
                    attempts=attempt,
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                )
                return result

        async def _give_up(self, msg: StreamMessage[Any], error_type: str, reason: str) -> None:
            deliveries = await delivery_count(msg)
            body = msg.body.decode("utf-8", "replace") if isinstance(msg.body, bytes) else ""
            letter = DeadLettered(
                stage=stage,
                reason=reason[:2000],
                error_type=error_type,
                delivery_count=deliveries,
                original_stream=_channel(msg),
                original_entry_id=_entry_id(msg),
                original_payload=body,
                producer=stage,
            )
            await dead_letter(letter)
            await msg.ack()
            log.error(
                "message_dead_lettered",
                outcome="dead_letter",
                error_type=error_type,
                reason=reason[:300],
                deliveries=deliveries,
            )

    return StageMiddleware
