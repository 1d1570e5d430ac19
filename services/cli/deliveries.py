"""`newsdesk deliveries list|show|retry`: what was sent where, what the endpoint answered."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.api.views import DeliveryOut
from services.cli.app import app
from services.cli.subscriptions import JsonOption, Sessions, echo_json, with_store
from services.storage.outbox import Outbox, utcnow
from services.storage.subscriptions import SubscriptionRepository

deliveries_app = typer.Typer(help="Deliveries: one per story and subscription, with their log.")
app.add_typer(deliveries_app, name="deliveries")
console = Console()
STATUSES = ("pending", "delivered", "failed")


async def _subscription_id(store: Sessions, ref: str | None) -> str | None:
    if ref is None:
        return None
    row = await SubscriptionRepository(store).get(ref)
    if row is None:
        raise typer.BadParameter(f"no subscription {ref!r}", param_hint="--subscription")
    return row.subscription_id


def _checked_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"choose from {', '.join(STATUSES)}", param_hint="--status")
    return status


@deliveries_app.command("list")
def list_deliveries(
    status: Annotated[str | None, typer.Option(help="pending, delivered or failed.")] = None,
    subscription: Annotated[str | None, typer.Option(help="Only this subscription's.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: JsonOption = False,
) -> None:
    """Deliveries, newest first."""
    wanted = _checked_status(status)

    async def fetch(store: Sessions) -> list[DeliveryOut]:
        sid = await _subscription_id(store, subscription)
        rows = await Outbox(store).deliveries(status=wanted, subscription_id=sid, limit=limit)
        return [DeliveryOut.of(d, s) for d, s in rows]

    rows = with_store(fetch)
    if as_json:
        echo_json(rows)
        return
    table = Table(title=f"{len(rows)} deliveries")
    for column in ("id", "subscription", "status", "tries", "last answer", "headline"):
        table.add_column(column, overflow="fold")
    for r in rows:
        answer = r.last_error or (str(r.last_status_code) if r.last_status_code else "")
        table.add_row(r.delivery_id[:10], r.subscription, r.status, str(r.attempts), answer,
                      r.headline)  # fmt: skip
    console.print(table)


@deliveries_app.command("show")
def show_delivery(
    delivery_id: Annotated[str, typer.Argument(help="An id, or its first characters.")],
    as_json: JsonOption = False,
) -> None:
    """One delivery and every attempt: when, the outcome, the status and the error body."""

    async def fetch(store: Sessions) -> DeliveryOut:
        outbox = Outbox(store)
        found = await outbox.delivery(delivery_id)
        if found is None:
            raise typer.BadParameter(f"no delivery {delivery_id!r} (or the prefix is ambiguous)")
        return DeliveryOut.of(*found, list(await outbox.attempts(found[0].delivery_id)))

    out = with_store(fetch)
    if as_json:
        echo_json(out)
        return
    console.print(f"[bold]{out.delivery_id}[/] {out.headline!r} → {out.subscription} "
                  f"({out.channel}): {out.status} after {out.attempts} attempt(s)")  # fmt: skip
    if out.status == "pending" and out.next_attempt_at:
        console.print(f"next attempt at {out.next_attempt_at.isoformat()}")
    table = Table(title="attempts")
    for column in ("at", "outcome", "status", "ms", "error"):
        table.add_column(column, overflow="fold")
    for a in out.log or []:
        when = a.attempted_at.isoformat() if a.attempted_at else ""
        table.add_row(when, a.outcome, str(a.status_code or ""), f"{a.duration_ms:.0f}",
                      a.error or "")  # fmt: skip
    console.print(table)


@deliveries_app.command("retry")
def retry(
    delivery_ids: Annotated[list[str] | None, typer.Argument(help="Ids or prefixes.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Every failed delivery.")] = False,
    subscription: Annotated[str | None, typer.Option(help="With --failed: only these.")] = None,
) -> None:
    """Send deliveries again on the notifier's next pass, with a fresh retry schedule."""
    if not delivery_ids and not failed:
        raise typer.BadParameter("give delivery ids, or --failed")

    async def again(store: Sessions) -> int:
        outbox = Outbox(store)
        ids = []
        for ref in delivery_ids or []:
            found = await outbox.delivery(ref)
            if found is None:
                raise typer.BadParameter(f"no delivery {ref!r} (or the prefix is ambiguous)")
            ids.append(found[0].delivery_id)
        if failed:
            sid = await _subscription_id(store, subscription)
            rows = await outbox.deliveries(status="failed", subscription_id=sid, limit=100_000)
            ids += [d.delivery_id for d, _ in rows]
        return await outbox.retry(ids, utcnow()) if ids else 0

    count = with_store(again)
    console.print(f"{count} deliveries queued again; a running notifier sends them shortly")
