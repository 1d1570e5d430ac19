"""LLM labeller: an OpenAI-compatible chat endpoint, faked with httpx.MockTransport."""

from __future__ import annotations

import json

import httpx

from services.classifier.llm import ChatLabeller, parse_slug
from services.nlp.taxonomy import Taxonomy


def labeller(handler: httpx.MockTransport) -> ChatLabeller:
    client = httpx.Client(transport=handler)
    return ChatLabeller(base_url="http://llm.test/v1", model="m", api_key="k", client=client)


def test_asks_with_the_sections_and_reads_the_slug(ai_news: Taxonomy) -> None:
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        content = "Section: policy-and-safety."
        return httpx.Response(200, json={"choices": [{"message": {"content": content}}]})

    assert labeller(httpx.MockTransport(reply))("A new law.", ai_news) == "policy-and-safety"
    body = json.loads(seen[0].content)
    assert seen[0].url == "http://llm.test/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer k"
    assert body["temperature"] == 0 and "tools-and-apps" in body["messages"][1]["content"]


def test_abstains_when_the_endpoint_fails(ai_news: Taxonomy) -> None:
    failing = httpx.MockTransport(lambda _r: httpx.Response(503, text="busy"))
    assert labeller(failing)("A story.", ai_news) is None
    malformed = httpx.MockTransport(lambda _r: httpx.Response(200, json={"choices": []}))
    assert labeller(malformed)("A story.", ai_news) is None


def test_parse_slug(ai_news: Taxonomy) -> None:
    assert parse_slug("tools-and-apps", ai_news) == "tools-and-apps"
    assert parse_slug("I'd say research-and-advancements", ai_news) == "research-and-advancements"
    assert parse_slug("unknown", ai_news) is None
