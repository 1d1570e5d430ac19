"""Subscription and delivery routes: CRUD, preview, the delivery log, retry (writes need a key)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, ValidationError

from services.api.deps import Sessions, Writer
from services.api.views import DeliveryOut, StoryOut, SubscriptionOut
from services.notifier.core import Rule
from services.notifier.preview import preview
from services.notifier.spec import Cadence, Channel, SubscriptionSpec, changed
from services.storage.models import Subscription
from services.storage.outbox import Outbox, utcnow
from services.storage.search import StorySearch
from services.storage.subscriptions import SubscriptionExistsError, SubscriptionRepository

router = APIRouter(tags=["subscriptions"])
Days = Annotated[int, Query(ge=1, le=365, description="Look back this many days.")]


class SubscriptionPatch(BaseModel):
    """Fields to change; those left out stay as they are."""

    channel: Channel | None = None
    url: str | None = None
    secret: str | None = None
    rule: Rule | None = None
    cadence: Cadence | None = None
    digest_time: str | None = None
    timezone: str | None = None
    enabled: bool | None = None


class PreviewRequest(BaseModel):
    rule: Rule = Field(default_factory=Rule)
    days: int = Field(default=7, ge=1, le=365)


def _unprocessable(exc: Exception) -> HTTPException:
    detail: Any = exc.errors(include_url=False) if isinstance(exc, ValidationError) else str(exc)
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


async def _found(repo: SubscriptionRepository, ref: str) -> Subscription:
    row = await repo.get(ref)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no subscription {ref!r}")
    return row


@router.get("/subscriptions", response_model=list[SubscriptionOut])
async def list_subscriptions(sessions: Sessions) -> list[SubscriptionOut]:
    repo = SubscriptionRepository(sessions)
    counts = await repo.delivery_counts()
    return [SubscriptionOut.of(s, counts.get(s.subscription_id)) for s in await repo.all()]


@router.post(
    "/subscriptions", response_model=SubscriptionOut, status_code=201, dependencies=[Writer]
)
async def create_subscription(spec: SubscriptionSpec, sessions: Sessions) -> SubscriptionOut:
    """Create a subscription; a webhook's signing secret is generated when not given, and
    returned here (keep it: other reads leave it out)."""
    try:
        row = await SubscriptionRepository(sessions).create(spec.row())
    except SubscriptionExistsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return SubscriptionOut.of(row, with_secret=True)


@router.get("/subscriptions/{ref}", response_model=SubscriptionOut)
async def get_subscription(ref: str, sessions: Sessions) -> SubscriptionOut:
    repo = SubscriptionRepository(sessions)
    row = await _found(repo, ref)
    counts = await repo.delivery_counts()
    return SubscriptionOut.of(row, counts.get(row.subscription_id))


@router.patch("/subscriptions/{ref}", response_model=SubscriptionOut, dependencies=[Writer])
async def update_subscription(
    ref: str, patch: SubscriptionPatch, sessions: Sessions
) -> SubscriptionOut:
    """Change some fields; setting `enabled` to true resumes a paused or disabled one."""
    repo = SubscriptionRepository(sessions)
    row = await _found(repo, ref)
    changes = patch.model_dump(exclude_unset=True)
    try:
        spec = changed(row, changes)
    except (ValidationError, ValueError) as exc:
        raise _unprocessable(exc) from exc
    updated = await repo.update(row.subscription_id, spec.row())
    assert updated is not None
    return SubscriptionOut.of(updated, with_secret="secret" in changes or "channel" in changes)


@router.delete("/subscriptions/{ref}", status_code=204, dependencies=[Writer])
async def delete_subscription(ref: str, sessions: Sessions) -> Response:
    if not await SubscriptionRepository(sessions).remove(ref):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no subscription {ref!r}")
    return Response(status_code=204)


@router.get("/subscriptions/{ref}/preview", response_model=list[StoryOut])
async def preview_subscription(ref: str, sessions: Sessions, days: Days = 7) -> list[StoryOut]:
    """The stored stories of the last `days` days that this subscription's rule matches."""
    row = await _found(SubscriptionRepository(sessions), ref)
    return await _preview(sessions, Rule.model_validate(row.filters), days)


@router.post("/subscriptions/preview", response_model=list[StoryOut])
async def preview_rule(
    sessions: Sessions, request: Annotated[PreviewRequest, Body()]
) -> list[StoryOut]:
    """Try a rule before subscribing: the stored stories it would have matched."""
    return await _preview(sessions, request.rule, request.days)


async def _preview(sessions: Sessions, rule: Rule, days: int) -> list[StoryOut]:
    since = datetime.now(UTC) - timedelta(days=days)
    rows = await preview(StorySearch(sessions), rule, since=since)
    return [StoryOut.of(s, e) for s, e in rows]


@router.get("/deliveries", response_model=list[DeliveryOut], tags=["deliveries"])
async def list_deliveries(
    sessions: Sessions,
    status_: Annotated[str | None, Query(alias="status")] = None,
    subscription: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    sid = None
    if subscription:
        sid = (await _found(SubscriptionRepository(sessions), subscription)).subscription_id
    rows = await Outbox(sessions).deliveries(status=status_, subscription_id=sid, limit=limit)
    return [DeliveryOut.of(d, s) for d, s in rows]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryOut, tags=["deliveries"])
async def get_delivery(delivery_id: str, sessions: Sessions) -> DeliveryOut:
    """A delivery with its log: every attempt and what the endpoint answered."""
    outbox = Outbox(sessions)
    found = await outbox.delivery(delivery_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no delivery {delivery_id!r}")
    delivery, subscription = found
    return DeliveryOut.of(delivery, subscription, list(await outbox.attempts(delivery.delivery_id)))


@router.post(
    "/deliveries/{delivery_id}/retry",
    response_model=DeliveryOut,
    tags=["deliveries"],
    dependencies=[Writer],
)
async def retry_delivery(delivery_id: str, sessions: Sessions) -> DeliveryOut:
    """Send it again on the notifier's next pass, with a fresh retry schedule."""
    outbox = Outbox(sessions)
    found = await outbox.delivery(delivery_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no delivery {delivery_id!r}")
    await outbox.retry([found[0].delivery_id], utcnow())
    again = await outbox.delivery(found[0].delivery_id)
    assert again is not None
    return DeliveryOut.of(*again)
