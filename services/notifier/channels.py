"""Channels a delivery goes out on: signed webhooks (Standard Webhooks)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status_code: int | None
    error: str | None


def _signing_key(secret: str) -> str:
    """Standard Webhooks keys are base64 (optionally `whsec_`-prefixed); accept plain text too."""
    raw = secret.removeprefix("whsec_")
    try:
        base64.b64decode(raw, validate=True)
    except ValueError:
        return base64.b64encode(secret.encode()).decode()
    return raw


async def post_webhook(
    client: httpx.AsyncClient,
    url: str,
    payload: dict[str, Any],
    *,
    message_id: str,
    secret: str | None,
) -> Attempt:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
    }
    if secret:
        headers["webhook-signature"] = Webhook(_signing_key(secret)).sign(message_id, now, body)
    try:
        response = await client.post(url, content=body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        return Attempt(ok=False, status_code=None, error=f"{type(exc).__name__}: {exc}")
    if response.is_success:
        return Attempt(ok=True, status_code=response.status_code, error=None)
    return Attempt(ok=False, status_code=response.status_code, error=response.text[:500])
