"""The HTTP API on a real SQLite store: reads, search, subscriptions, deliveries, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from services.api.app import create_app
from services.notifier.core import story_payload
from services.runtime.settings import Settings
from services.storage.outbox import Outbox, Pending, utcnow
from services.storage.repository import StoryRepository
from tests.e2e.notifier.stories import story

pytestmark = pytest.mark.e2e

KEY = {"X-API-Key": "s3cret-key"}
STORIES = [
    story(0, section=None, kind="intro"),
    story(1, section="policy-and-safety", entities=("Anthropic",),
          text="Anthropic published new safety regulations for frontier models."),
    story(2, section="tools-and-apps", entities=("OpenAI",),
          text="OpenAI released a coding assistant; regulators took notice."),
    story(3, section="tools-and-apps", entities=("Google",), text="Gemini gets faster."),
]  # fmt: skip


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"api_key": SecretStr("s3cret-key")}))
    async with app.router.lifespan_context(app):
        repo = StoryRepository(app.state.sessions)
        for event in STORIES:
            await repo.save_many([event])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client


async def test_stories_filter_search_and_page(api: httpx.AsyncClient) -> None:
    page = (await api.get("/stories")).json()
    assert (page["total"], len(page["items"])) == (3, 3)
    found = (await api.get("/stories", params={"q": "regulat*"})).json()
    assert sorted(s["index"] for s in found["items"]) == [1, 2]
    found = (await api.get("/stories", params={"q": '"safety regulations" OR gemini'})).json()
    assert sorted(s["index"] for s in found["items"]) == [1, 3]
    found = (await api.get("/stories", params={"section": "tools-and-apps", "q": "-gemini"})).json()
    assert [s["index"] for s in found["items"]] == [2]
    found = (await api.get("/stories", params={"entity": "anthropic"})).json()
    assert [s["story_id"] for s in found["items"]] == [STORIES[1].segment.segment_id]
    paged = (await api.get("/stories", params={"limit": 2, "offset": 2})).json()
    assert (paged["total"], len(paged["items"])) == (3, 1)
    bad = await api.get("/stories", params={"q": '"unclosed'})
    assert bad.status_code == 422 and "unclosed quote" in bad.json()["detail"]


async def test_story_and_episode_detail(api: httpx.AsyncClient) -> None:
    sid = STORIES[1].segment.segment_id
    detail = (await api.get(f"/stories/{sid}")).json()
    assert detail["text"].startswith("Anthropic published")
    assert detail["url"] == "https://podcasts.example/ep/1#t=60"
    episode = (await api.get("/episodes/ep-notifier")).json()
    assert [s["kind"] for s in episode["segments"]] == ["intro", "story", "story", "story"]
    assert (await api.get("/episodes")).json()[0]["podcast"] == "AI News Hour"
    assert (await api.get("/stories/nope")).status_code == 404
    assert (await api.get("/feeds")).json() == []


async def test_writes_need_the_api_key(api: httpx.AsyncClient, settings: Settings) -> None:
    body = {"name": "a", "channel": "webhook", "url": "https://example.com/hook"}
    assert (await api.post("/subscriptions", json=body)).status_code == 401
    wrong = await api.post("/subscriptions", json=body, headers={"X-API-Key": "guess"})
    assert wrong.status_code == 401
    bearer = {"Authorization": "Bearer s3cret-key"}
    assert (await api.post("/subscriptions", json=body, headers=bearer)).status_code == 201
    read_only = create_app(settings)
    async with (
        read_only.router.lifespan_context(read_only),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=read_only), base_url="http://x") as c,
    ):
        refused = await c.post("/subscriptions", json=body | {"name": "b"}, headers=KEY)
    assert refused.status_code == 403
    assert "NEWSDESK_API_KEY" in refused.json()["detail"]


async def test_subscription_lifecycle_and_preview(api: httpx.AsyncClient) -> None:
    body: dict[str, Any] = {
        "name": "safety", "channel": "webhook", "url": "https://example.com/hook",
        "rule": {"sections": ["policy-and-safety"], "keywords": ["regulation*"]},
    }  # fmt: skip
    created = await api.post("/subscriptions", json=body, headers=KEY)
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    assert (await api.post("/subscriptions", json=body, headers=KEY)).status_code == 409
    listed = (await api.get("/subscriptions")).json()
    assert [(s["name"], s["state"], s["secret"]) for s in listed] == [("safety", "active", None)]
    preview = (await api.get("/subscriptions/safety/preview", params={"days": 1})).json()
    assert [s["index"] for s in preview] == [1]
    trial = {"rule": {"entities": ["OpenAI", "Google"]}, "days": 3}
    tried = (await api.post("/subscriptions/preview", json=trial)).json()
    assert sorted(s["index"] for s in tried) == [2, 3]
    patch = {"enabled": False, "rule": {"entities": ["anthropic"]}}
    changed = (await api.patch("/subscriptions/safety", json=patch, headers=KEY)).json()
    assert (changed["state"], changed["rule"]) == ("paused", {"entities": ["anthropic"]})
    bad = await api.patch("/subscriptions/safety", json={"rule": {"keywords": ["(a"]}}, headers=KEY)
    assert bad.status_code == 422
    assert "missing ')'" in str(bad.json()["detail"])
    no_time = body | {"name": "x", "cadence": "digest"}
    bad = await api.post("/subscriptions", json=no_time, headers=KEY)
    assert bad.status_code == 422
    assert (await api.delete("/subscriptions/safety", headers=KEY)).status_code == 204
    assert (await api.get("/subscriptions/safety")).status_code == 404


async def test_deliveries_list_show_and_retry(api: httpx.AsyncClient) -> None:
    body = {"name": "hook", "channel": "webhook", "url": "https://example.com/hook"}
    sid = (await api.post("/subscriptions", json=body, headers=KEY)).json()["subscription_id"]
    outbox = Outbox(api._transport.app.state.sessions)  # type: ignore[attr-defined]
    event = STORIES[1]
    due = {sid: utcnow()}
    await outbox.enqueue_many([Pending(event.segment.segment_id, due, story_payload(event))])
    (listed,) = (await api.get("/deliveries", params={"subscription": "hook"})).json()
    assert (listed["status"], listed["headline"], listed["subscription"]) == (
        "pending", "Headline 1", "hook"
    )  # fmt: skip
    shown = (await api.get(f"/deliveries/{listed['delivery_id'][:8]}")).json()
    assert shown["log"] == []
    assert (await api.post(f"/deliveries/{listed['delivery_id']}/retry")).status_code == 401
    retried = await api.post(f"/deliveries/{listed['delivery_id']}/retry", headers=KEY)
    assert retried.json()["status"] == "pending"
    assert (await api.get("/deliveries", params={"status": "failed"})).json() == []


async def test_health_readiness_metrics_and_openapi(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    assert (await api.get("/readyz")).json() == {"status": "ready", "database": "ok"}
    await api.get("/stories")
    metrics = (await api.get("/metrics")).text
    assert 'newsdesk_http_requests_total{method="GET",route="/stories",status="200"} 1.0' in metrics
    assert "newsdesk_stories 3.0" in metrics
    assert 'newsdesk_subscriptions{state="active"} 0.0' in metrics
    spec = (await api.get("/openapi.json")).json()
    assert {"/stories", "/subscriptions/{ref}/preview", "/deliveries/{delivery_id}/retry"} <= set(
        spec["paths"]
    )
    assert {"HTTPBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])
