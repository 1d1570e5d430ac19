"""LLM summaries: a story → OpenAI-compatible chat completion → Summary (or the extractive one)."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from schemas.model import EntityMention, Segment, Summary
from services.runtime.errors import PermanentError, TransientError
from services.runtime.retry_after import parse_retry_after
from services.summarizer.cache import MemoryCache, SummaryCache, content_key
from services.summarizer.core import entity_names, summarize_segment, trace
from services.summarizer.faithful import unsupported

log = structlog.get_logger("newsdesk.summarizer.llm")

PROMPT_VERSION = "story-summary/1"
SYSTEM_PROMPT = (
    "You turn one story from a news podcast transcript into a news summary. Use only facts "
    "the transcript states; copy every name and number exactly as the transcript has it. "
    'Reply with JSON only: {"headline": "who did what, at most 90 characters", '
    '"summary": "2 to 4 sentences, at most 600 characters", '
    '"key_points": ["at most 5 short facts"]}.'
)
_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "headline": {"type": "string"},
        "summary": {"type": "string"},
        "key_points": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["headline", "summary", "key_points"],
    "additionalProperties": False,
}
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class LLMConfig(BaseModel):
    """Where the endpoint is, how long to wait, what tokens cost, and what to do when it fails."""

    model_config = ConfigDict(frozen=True)

    base_url: str = Field(description="OpenAI-compatible API root, e.g. http://localhost:11434/v1")
    model: str
    api_key: SecretStr | None = None
    timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(4, ge=1)
    backoff_base_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(30.0, ge=0, description="Longest wait honoured between attempts.")
    response_format: Literal["json_schema", "json_object", "none"] = "json_schema"
    temperature: float = 0.0
    max_tokens: int = 600
    max_input_chars: int = Field(24_000, description="Longer stories are cut to this many chars.")
    usd_per_million_input: float = 0.0
    usd_per_million_output: float = 0.0
    fallback: bool = Field(True, description="On failure return the extractive summary, or raise.")
    verify: bool = Field(True, description="Reject output naming what the story never says.")


class _Output(BaseModel):
    headline: str = Field(min_length=1)
    summary: str = ""
    key_points: list[str] = Field(default_factory=list)


class LLMFailure(Exception):
    """A story the endpoint could not summarize; `transient`: whether trying later may help."""

    def __init__(
        self, reason: str, *, transient: bool, retry_after: float | None = None, usage: Usage
    ) -> None:
        super().__init__(reason)
        self.transient = transient
        self.retry_after = retry_after
        self.usage = usage


class Usage(BaseModel):
    tokens_in: int = 0
    tokens_out: int = 0

    def plus(self, other: Usage) -> Usage:
        return Usage(
            tokens_in=self.tokens_in + other.tokens_in,
            tokens_out=self.tokens_out + other.tokens_out,
        )


Sleep = Callable[[float], Awaitable[None]]
Extractive = Callable[[Segment, Sequence[EntityMention]], Summary]


def _extractive(segment: Segment, entities: Sequence[EntityMention]) -> Summary:
    return summarize_segment(segment, entities=entities)


class LLMSummarizer:
    """Summaries from a chat-completions endpoint, cached by content, extractive when it fails."""

    def __init__(
        self,
        config: LLMConfig,
        client: httpx.AsyncClient,
        *,
        cache: SummaryCache | None = None,
        sleep: Sleep = asyncio.sleep,
        extractive: Extractive = _extractive,
    ) -> None:
        self.config = config
        self._client = client
        self._cache = cache if cache is not None else MemoryCache()
        self._sleep = sleep
        self._extractive = extractive

    async def summarize(self, segment: Segment, entities: Sequence[EntityMention]) -> Summary:
        if segment.kind != "story":
            return await asyncio.to_thread(self._extractive, segment, entities)
        names = list(entity_names(entities))
        key = content_key(
            model=self.config.model,
            prompt_version=PROMPT_VERSION,
            text=segment.text,
            entities=names,
        )
        cached = self._cache.get(key)
        if cached is not None:
            log.info("llm_cache_hit", segment_id=segment.segment_id)
            return cached
        try:
            summary = await self._summarize(segment, names)
        except LLMFailure as failure:
            return await self._fall_back(segment, entities, failure)
        self._cache.put(key, summary)
        return summary

    async def _summarize(self, segment: Segment, names: Sequence[str]) -> Summary:
        data, spent = await self._complete(_messages(segment, names, self.config.max_input_chars))
        usage = spent.plus(_usage(data))
        output = _parse(data, usage)
        if self.config.verify:
            text = " ".join([output.headline, output.summary, *output.key_points])
            if claims := unsupported(text, segment.text):
                reason = f"unsupported: {', '.join(claims[:5])}"
                raise LLMFailure(reason, transient=False, usage=usage)
        return self._to_summary(segment, output, usage)

    async def _complete(self, messages: list[dict[str, str]]) -> tuple[dict[str, Any], Usage]:
        """POST with retries on 429, 5xx, timeouts and dropped connections."""
        spent = Usage()
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                return await self._post(messages), spent
            except LLMFailure as failure:
                spent = spent.plus(failure.usage)
                wait = self._wait(failure, attempt)
                if wait is None:
                    raise LLMFailure(
                        str(failure),
                        transient=failure.transient,
                        retry_after=failure.retry_after,
                        usage=spent,
                    ) from failure
                log.warning("llm_retry", attempt=attempt, reason=str(failure), wait_s=wait)
                await self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait(self, failure: LLMFailure, attempt: int) -> float | None:
        """Seconds before the next attempt, or None when there is none worth making."""
        if not failure.transient or attempt >= self.config.max_attempts:
            return None
        if failure.retry_after is not None:
            return None if failure.retry_after > self.config.backoff_max_s else failure.retry_after
        backoff = self.config.backoff_base_s * 2.0 ** (attempt - 1)
        return min(self.config.backoff_max_s, backoff) * random.uniform(0.5, 1.0)

    async def _post(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        try:
            response = await self._client.post(
                f"{self.config.base_url.rstrip('/')}/chat/completions",
                json=self._body(messages),
                headers=self._headers(),
                timeout=self.config.timeout_s,
            )
        except httpx.TimeoutException as exc:
            raise LLMFailure(f"timeout: {exc!r}", transient=True, usage=Usage()) from exc
        except httpx.TransportError as exc:
            raise LLMFailure(f"transport: {exc!r}", transient=True, usage=Usage()) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise LLMFailure(
                f"HTTP {response.status_code}",
                transient=True,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
                usage=Usage(),
            )
        if not response.is_success:
            reason = f"HTTP {response.status_code}: {response.text[:200]}"
            raise LLMFailure(reason, transient=False, usage=Usage())
        try:
            data: dict[str, Any] = response.json()
        except ValueError as exc:
            raise LLMFailure("response is not JSON", transient=False, usage=Usage()) from exc
        return data

    def _body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        }
        if self.config.response_format == "json_schema":
            schema = {"name": "story_summary", "schema": _OUTPUT_SCHEMA, "strict": True}
            body["response_format"] = {"type": "json_schema", "json_schema": schema}
        elif self.config.response_format == "json_object":
            body["response_format"] = {"type": "json_object"}
        return body

    def _headers(self) -> dict[str, str]:
        key = self.config.api_key
        return {"authorization": f"Bearer {key.get_secret_value()}"} if key else {}

    def _to_summary(self, segment: Segment, output: _Output, usage: Usage) -> Summary:
        headline = _shorten(output.headline.strip(), 90)
        sentences = [s for s in _SENTENCE_END.split(output.summary.strip()) if s][:4]
        while len(" ".join(sentences)) > 600 and len(sentences) > 1:
            sentences.pop()
        points = [p.strip() for p in output.key_points if p.strip()][:5]
        return Summary(
            headline=headline,
            summary=_shorten(" ".join(sentences), 600),
            key_points=points,
            provenance=trace(segment, [headline, *sentences, *points]),
            backend=f"llm:{self.config.model}",
            tokens_in=usage.tokens_in,
            tokens_out=usage.tokens_out,
            cost_usd=self._cost(usage),
        )

    def _cost(self, usage: Usage) -> float:
        return (
            usage.tokens_in * self.config.usd_per_million_input
            + usage.tokens_out * self.config.usd_per_million_output
        ) / 1_000_000

    async def _fall_back(
        self, segment: Segment, entities: Sequence[EntityMention], failure: LLMFailure
    ) -> Summary:
        log.warning(
            "llm_failed",
            segment_id=segment.segment_id,
            reason=str(failure),
            fallback=self.config.fallback,
        )
        if not self.config.fallback:
            if failure.transient:
                raise TransientError(str(failure), retry_after=failure.retry_after) from failure
            raise PermanentError(str(failure)) from failure
        summary = await asyncio.to_thread(self._extractive, segment, entities)
        # Tokens a failed completion used were still paid for.
        return summary.model_copy(
            update={
                "tokens_in": failure.usage.tokens_in,
                "tokens_out": failure.usage.tokens_out,
                "cost_usd": self._cost(failure.usage),
            }
        )


def _messages(segment: Segment, names: Sequence[str], max_chars: int) -> list[dict[str, str]]:
    known = f"Named in this story: {', '.join(names)}.\n\n" if names else ""
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"{known}Transcript:\n{segment.text[:max_chars]}"},
    ]


def _parse(data: dict[str, Any], usage: Usage) -> _Output:
    """The completion's JSON content; `usage` is what the story has cost so far."""
    try:
        content = data["choices"][0]["message"]["content"]
        return _Output.model_validate(json.loads(_FENCE.sub("", content)))
    except (KeyError, IndexError, TypeError, ValueError, ValidationError) as exc:
        reason = f"malformed completion: {exc!r}"[:300]
        raise LLMFailure(reason, transient=False, usage=usage) from exc


def _usage(data: dict[str, Any]) -> Usage:
    usage = data.get("usage") or {}
    return Usage(
        tokens_in=int(usage.get("prompt_tokens") or 0),
        tokens_out=int(usage.get("completion_tokens") or 0),
    )


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-")
