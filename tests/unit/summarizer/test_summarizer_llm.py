"""The LLM backend against a real chat-completions server on loopback: retries, cache, fallback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from schemas import EntityMention, Segment
from services.runtime.errors import PermanentError, TransientError
from services.summarizer.cache import FileCache
from services.summarizer.llm import LLMConfig, LLMSummarizer

STORY = (
    "Next up, a deal in the chip world.\n"
    "Acme Robotics has agreed to buy Initech for $2 billion.\n"
    "The deal values Initech at twice its revenue, and Acme says it will close in June.\n"
    "Initech makes sensors for warehouse robots, a market that grew 40% last year.\n"
)
PREFIX = "Intro words before the story.\n"
SEGMENT = Segment(
    segment_id="s1",
    index=1,
    count=3,
    kind="story",
    start_line=2,
    end_line=5,
    start_char=len(PREFIX),
    end_char=len(PREFIX) + len(STORY),
    text=STORY,
)
ENTITIES = [EntityMention(name="Acme Robotics", type="org", mentions=2)]
GOOD = {
    "headline": "Acme Robotics agrees to buy Initech for $2 billion",
    "summary": (
        "Acme Robotics has agreed to buy Initech for $2 billion. The deal will close in June."
    ),
    "key_points": ["Initech makes sensors for warehouse robots."],
}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def completion(content: str) -> dict[str, Any]:
    return {
        "choices": [{"message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30},
    }


class ChatServer:
    """/v1/chat/completions answering from a script, one reply per request; records requests."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                server.requests.append(json.loads(self.rfile.read(length)))
                if self.path != "/v1/chat/completions":
                    self.send_error(404)
                    return
                reply = server.script.pop(0) if server.script else Reply(500, {"error": "empty"})
                time.sleep(reply.delay_s)
                raw = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body)
                data = raw if isinstance(raw, bytes) else raw.encode()
                try:
                    self.send_response(reply.status)
                    for name, value in {
                        "content-type": "application/json",
                        **reply.headers,
                    }.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout case)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ChatServer:
        serve = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        serve.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as chat:
        yield chat


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def summarizer(
    server: ChatServer,
    client: httpx.AsyncClient,
    *,
    sleep: Sleeps | None = None,
    cache: FileCache | None = None,
    **overrides: Any,
) -> LLMSummarizer:
    config = LLMConfig(
        **{
            "base_url": server.url,
            "model": "test-model",
            "api_key": "sk-test",
            "timeout_s": 2.0,
            "max_attempts": 3,
            "backoff_base_s": 0.01,
            "usd_per_million_input": 1.0,
            "usd_per_million_output": 2.0,
            **overrides,
        }
    )
    return LLMSummarizer(config, client, sleep=sleep or Sleeps(), cache=cache)


async def test_success_gives_structured_summary_with_usage_cost_and_provenance(
    server: ChatServer,
) -> None:
    server.script = [Reply(body=completion(json.dumps(GOOD)))]
    async with httpx.AsyncClient() as client:
        summary = await summarizer(server, client).summarize(SEGMENT, ENTITIES)
    assert summary.headline == GOOD["headline"]
    assert summary.backend == "llm:test-model"
    assert (summary.tokens_in, summary.tokens_out) == (120, 30)
    assert summary.cost_usd == pytest.approx((120 * 1.0 + 30 * 2.0) / 1e6)
    assert len(summary.provenance) == 1 + 2 + 1
    for trace in summary.provenance:
        assert trace.spans
        assert all(SEGMENT.start_char <= a < b <= SEGMENT.end_char for a, b in trace.spans)
    request = server.requests[0]
    assert request["model"] == "test-model"
    assert request["response_format"]["type"] == "json_schema"
    assert "Acme Robotics" in request["messages"][1]["content"]


async def test_429_waits_as_long_as_retry_after_says(server: ChatServer) -> None:
    server.script = [
        Reply(429, {"error": "slow down"}, {"Retry-After": "2"}),
        Reply(body=completion(json.dumps(GOOD))),
    ]
    sleeps = Sleeps()
    async with httpx.AsyncClient() as client:
        summary = await summarizer(server, client, sleep=sleeps).summarize(SEGMENT, ENTITIES)
    assert sleeps.waits == [2.0]
    assert summary.backend == "llm:test-model"
    assert len(server.requests) == 2


async def test_500_is_retried_with_backoff(server: ChatServer) -> None:
    server.script = [Reply(500, {"error": "boom"}), Reply(body=completion(json.dumps(GOOD)))]
    sleeps = Sleeps()
    async with httpx.AsyncClient() as client:
        summary = await summarizer(server, client, sleep=sleeps).summarize(SEGMENT, ENTITIES)
    assert summary.backend == "llm:test-model"
    assert len(sleeps.waits) == 1 and 0 < sleeps.waits[0] <= 0.01


async def test_persistent_500_falls_back_to_the_extractive_summary(server: ChatServer) -> None:
    server.script = [Reply(503, {"error": "down"}) for _ in range(3)]
    async with httpx.AsyncClient() as client:
        summary = await summarizer(server, client).summarize(SEGMENT, ENTITIES)
    assert summary.backend == "extractive"
    assert "Initech" in summary.headline
    assert len(server.requests) == 3


async def test_malformed_json_falls_back_without_retrying_and_keeps_the_cost(
    server: ChatServer,
) -> None:
    server.script = [Reply(body=completion("{'headline': not json"))]
    async with httpx.AsyncClient() as client:
        summary = await summarizer(server, client).summarize(SEGMENT, ENTITIES)
    assert summary.backend == "extractive"
    assert len(server.requests) == 1
    assert summary.tokens_in == 120  # the failed completion was still paid for


async def test_a_body_that_is_not_json_falls_back(server: ChatServer) -> None:
    server.script = [Reply(body=b"<html>gateway</html>")]
    async with httpx.AsyncClient() as client:
        summary = await summarizer(server, client).summarize(SEGMENT, ENTITIES)
    assert summary.backend == "extractive"


async def test_timeout_is_retried_then_falls_back(server: ChatServer) -> None:
    slow = Reply(body=completion(json.dumps(GOOD)), delay_s=0.6)
    server.script = [slow, slow]
    async with httpx.AsyncClient() as client:
        llm = summarizer(server, client, timeout_s=0.2, max_attempts=2)
        summary = await llm.summarize(SEGMENT, ENTITIES)
    assert summary.backend == "extractive"
    assert len(server.requests) == 2


async def test_output_naming_what_the_story_never_says_is_rejected(server: ChatServer) -> None:
    invented = {**GOOD, "headline": "Globex buys Initech for $9 billion"}
    server.script = [Reply(body=completion(json.dumps(invented)))]
    async with httpx.AsyncClient() as client:
        summary = await summarizer(server, client).summarize(SEGMENT, ENTITIES)
    assert summary.backend == "extractive"


async def test_without_fallback_failures_are_raised_for_the_retry_middleware(
    server: ChatServer,
) -> None:
    server.script = [Reply(429, {}, {"Retry-After": "120"}), Reply(400, {"error": "bad"})]
    async with httpx.AsyncClient() as client:
        llm = summarizer(server, client, fallback=False, backoff_max_s=30.0)
        with pytest.raises(TransientError) as transient:
            await llm.summarize(SEGMENT, ENTITIES)
        assert transient.value.retry_after == 120.0  # past the cap: left to the middleware
        with pytest.raises(PermanentError):
            await llm.summarize(SEGMENT, ENTITIES)


async def test_replays_read_the_cache_instead_of_paying_twice(
    server: ChatServer, tmp_path: Any
) -> None:
    server.script = [Reply(body=completion(json.dumps(GOOD)))]
    cache = FileCache(tmp_path / "cache")
    async with httpx.AsyncClient() as client:
        first = await summarizer(server, client, cache=cache).summarize(SEGMENT, ENTITIES)
        again = await summarizer(server, client, cache=cache).summarize(SEGMENT, ENTITIES)
    assert again == first
    assert len(server.requests) == 1


async def test_non_story_segments_never_reach_the_endpoint(server: ChatServer) -> None:
    ad = SEGMENT.model_copy(
        update={"kind": "ad", "text": "This episode is brought to you by Acme."}
    )
    async with httpx.AsyncClient() as client:
        summary = await summarizer(server, client).summarize(ad, [])
    assert summary.headline == "Sponsor read: Acme"
    assert server.requests == []
