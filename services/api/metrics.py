"""Prometheus metrics: request counts and latencies, plus the store's state at scrape time."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.storage.models import Delivery, SegmentRow, Subscription


class Metrics:
    """One registry per app, so that several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "newsdesk_http_requests", "HTTP requests served.", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "newsdesk_http_request_duration_seconds", "Time to serve a request.", ["route"],
            registry=self.registry,
        )  # fmt: skip
        self.deliveries = Gauge(
            "newsdesk_deliveries", "Deliveries by status.", ["status"], registry=self.registry
        )
        self.subscriptions = Gauge(
            "newsdesk_subscriptions", "Subscriptions by state.", ["state"], registry=self.registry
        )
        self.stories = Gauge("newsdesk_stories", "Stories stored.", registry=self.registry)

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        self.requests.labels(request.method, route, str(response.status_code)).inc()
        self.latency.labels(route).observe(time.perf_counter() - started)
        return response

    async def scrape(self, sessions: async_sessionmaker[AsyncSession]) -> Response:
        async with sessions() as session:
            by_status = await session.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            )
            for status, n in by_status.all():
                self.deliveries.labels(status).set(n)
            states = await session.execute(
                select(Subscription.enabled, Subscription.disabled_reason.is_(None), func.count())
                .group_by(Subscription.enabled, Subscription.disabled_reason.is_(None))
            )  # fmt: skip
            for state in ("active", "paused", "disabled"):
                self.subscriptions.labels(state).set(0)
            for enabled, no_reason, n in states.all():
                state = "active" if enabled else ("paused" if no_reason else "disabled")
                self.subscriptions.labels(state).inc(n)
            stories = await session.scalar(
                select(func.count()).select_from(SegmentRow).where(SegmentRow.kind == "story")
            )
            self.stories.set(stories or 0)
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
