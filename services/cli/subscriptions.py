"""`newsdesk subscribe` and `newsdesk subscriptions …`: who gets which stories, where, when."""

from __future__ import annotations

import asyncio
import json
import os
import re
import string
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.api.views import StoryOut, SubscriptionOut
from services.cli.app import app
from services.cli.runtime import load_settings
from services.notifier.core import Rule
from services.notifier.preview import preview
from services.notifier.spec import SubscriptionSpec, changed
from services.storage.db import create_engine, migrate, sessions
from services.storage.models import Subscription
from services.storage.search import StorySearch
from services.storage.subscriptions import SubscriptionRepository

subscriptions_app = typer.Typer(help="Subscriptions: list, show, pause, resume, remove, preview.")
app.add_typer(subscriptions_app, name="subscriptions")
console = Console()
T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Many = Annotated[list[str] | None, typer.Option()]
SHOWN = ("subscription_id", "channel", "url", "state", "disabled_reason", "cadence",
         "digest_time", "timezone", "last_delivered_at", "last_error", "secret")  # fmt: skip
COUNTED = ("delivered", "pending", "failed")


def with_store(work: Callable[[Sessions], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(load_settings().effective_database_url)
        try:
            await migrate(engine)
            return await work(sessions(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def echo_json(value: BaseModel | Sequence[BaseModel]) -> None:
    """What `--json` prints: one model, or a list of them, as indented JSON."""
    if isinstance(value, BaseModel):
        typer.echo(json.dumps(value.model_dump(mode="json"), indent=2))
    else:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in value], indent=2))


def reasons(exc: ValidationError) -> str:
    """pydantic's errors as one line a user can act on."""
    parts = []
    for e in exc.errors():
        where = ".".join(map(str, e["loc"])) or "subscription"
        parts.append(f"{where}: {e['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def _validated(fields: dict[str, Any], hint: str | None = None) -> SubscriptionSpec:
    try:
        return SubscriptionSpec.model_validate(fields)
    except ValidationError as exc:
        raise typer.BadParameter(reasons(exc), param_hint=hint) from exc


def rule_text(filters: dict[str, Any]) -> str:
    parts = []
    for key, value in filters.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}={shown}")
    return "; ".join(parts) or "every story"


def default_name(channel: str, rule: Rule) -> str:
    first = [*rule.entities, *rule.sections, *rule.topics, *rule.podcasts, *rule.keywords]
    slug = re.sub(r"[^a-z0-9]+", "-", (first[0] if first else "all").casefold()).strip("-")
    return f"{channel}-{slug or 'rule'}"[:60]


async def _free_name(repo: SubscriptionRepository, spec: SubscriptionSpec) -> tuple[str, bool]:
    """A name for an unnamed subscription, and whether that exact one exists already."""
    base = spec.name
    for n in range(1, 100):
        name = base if n == 1 else f"{base}-{n}"
        row = await repo.get(name)
        if row is None:
            return name, False
        if (row.channel, row.url, row.filters) == (spec.channel, spec.url, spec.row()["filters"]):
            return name, True
    raise typer.BadParameter("too many subscriptions like this one; give it a --name")


async def _feed_ids(repo: SubscriptionRepository, refs: list[str]) -> list[str]:
    ids = []
    for ref in refs:
        found = await repo.feed_id(ref)
        if found is None:
            raise typer.BadParameter(
                f"no feed {ref!r}; see `newsdesk feeds list`", param_hint="--feed"
            )
        ids.append(found)
    return ids


def print_subscription(out: SubscriptionOut, as_json: bool) -> None:
    if as_json:
        echo_json(out)
        return
    table = Table(show_header=False, title=f"subscription {out.name}")
    for key in SHOWN:
        value = getattr(out, key)
        if value is not None:
            table.add_row(key, str(value))
    table.add_row("rule", rule_text(out.rule))
    table.add_row("deliveries", ", ".join(f"{k}={v}" for k, v in out.deliveries.items()) or "none")
    console.print(table)


@app.command()
def subscribe(
    slack: Annotated[str | None, typer.Option(help="A Slack incoming-webhook URL.")] = None,
    webhook: Annotated[str | None, typer.Option(help="Your endpoint, sent signed JSON.")] = None,
    name: Annotated[str | None, typer.Option(help="Default: from the channel and rule.")] = None,
    secret: Annotated[str | None, typer.Option(help="Webhook signing secret (whsec_…).")] = None,
    section: Many = None,
    topic: Many = None,
    entity: Many = None,
    keyword: Annotated[
        list[str] | None, typer.Option(help='Query: words, "phrases", prefix*, AND OR NOT ( ).')
    ] = None,
    fuzzy: Annotated[
        bool, typer.Option(help="Keywords and entities also match ASR misspellings.")
    ] = False,
    podcast: Many = None,
    feed: Annotated[list[str] | None, typer.Option(help="A feed's id or URL.")] = None,
    min_score: Annotated[
        float | None, typer.Option(help="Minimum section/topic score, 0-1.")
    ] = None,
    min_mentions: Annotated[
        int, typer.Option(min=1, help="An entity counts when mentioned at least this often.")
    ] = 1,
    digest: Annotated[
        str | None, typer.Option(help="Send a daily digest at HH:MM instead.")
    ] = None,
    tz: Annotated[str, typer.Option(help="Time zone of --digest, e.g. Europe/Berlin.")] = "UTC",
    paused: Annotated[bool, typer.Option(help="Create it paused.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Subscribe a Slack channel or a webhook to the stories a rule matches.

    Filters of different kinds must all match; several values of one kind mean any of them.
    Example: newsdesk subscribe --webhook https://example.com/hook --entity Anthropic
    """
    if (slack is None) == (webhook is None):
        raise typer.BadParameter("give exactly one of --slack URL or --webhook URL")
    rule = {"sections": section, "topics": topic, "entities": entity, "keywords": keyword,
            "fuzzy": fuzzy, "podcasts": podcast, "min_score": min_score,
            "min_mentions": min_mentions if min_mentions > 1 else None}  # fmt: skip
    fields = {
        "channel": "slack" if slack else "webhook", "url": slack or webhook, "secret": secret,
        "rule": {k: v for k, v in rule.items() if v}, "enabled": not paused,
        "cadence": "digest" if digest else "realtime", "digest_time": digest, "timezone": tz,
    }  # fmt: skip
    try:
        parsed = Rule.model_validate(fields["rule"])
    except ValidationError as exc:
        raise typer.BadParameter(reasons(exc), param_hint="the rule") from exc
    fields["name"] = name or default_name(str(fields["channel"]), parsed)
    out = with_store(lambda s: _subscribe(s, _validated(fields), feed or [], named=bool(name)))
    print_subscription(out, as_json)
    if out.secret and not as_json:
        console.print("Verify each delivery's webhook-signature with this secret "
                      f"(Standard Webhooks): [bold]{out.secret}[/]")  # fmt: skip


async def _subscribe(
    store: Sessions, spec: SubscriptionSpec, feeds: list[str], *, named: bool
) -> SubscriptionOut:
    repo = SubscriptionRepository(store)
    if feeds:
        rule = spec.rule.model_copy(update={"feeds": await _feed_ids(repo, feeds)})
        spec = spec.model_copy(update={"rule": rule})
    if named and await repo.get(spec.name) is not None:
        raise typer.BadParameter(f"a subscription named {spec.name!r} exists", param_hint="--name")
    name, exists = await _free_name(repo, spec)
    if exists:
        row = await repo.get(name)
        console.print(f"already subscribed as {name!r}; nothing changed")
        return SubscriptionOut.of(row, with_secret=True)  # type: ignore[arg-type]
    row = await repo.create(spec.model_copy(update={"name": name}).row())
    return SubscriptionOut.of(row, with_secret=True)


async def _found(store: Sessions, ref: str) -> tuple[SubscriptionRepository, Subscription]:
    repo = SubscriptionRepository(store)
    row = await repo.get(ref)
    if row is None:
        raise typer.BadParameter(f"no subscription {ref!r}; see `newsdesk subscriptions list`")
    return repo, row


@subscriptions_app.command("list")
def list_subscriptions(as_json: JsonOption = False) -> None:
    """Every subscription with its state and its deliveries so far."""

    async def fetch(store: Sessions) -> list[SubscriptionOut]:
        repo = SubscriptionRepository(store)
        counts = await repo.delivery_counts()
        return [SubscriptionOut.of(s, counts.get(s.subscription_id)) for s in await repo.all()]

    rows = with_store(fetch)
    if as_json:
        echo_json(rows)
        return
    table = Table(title=f"{len(rows)} subscriptions")
    for column in ("name", "channel", "state", "rule", "cadence", "delivered", "pending", "failed"):
        table.add_column(column, overflow="fold")
    for r in rows:
        cadence = f"daily {r.digest_time} {r.timezone}" if r.cadence == "digest" else r.cadence
        state = f"{r.state}: {r.disabled_reason}" if r.disabled_reason else r.state
        counts = [str(r.deliveries.get(k, 0)) for k in COUNTED]
        table.add_row(r.name, r.channel, state, rule_text(r.rule), cadence, *counts)
    console.print(table)


@subscriptions_app.command("show")
def show_subscription(
    name: str,
    as_json: JsonOption = False,
    secret: Annotated[bool, typer.Option("--secret", help="Include the signing secret.")] = False,
) -> None:
    """One subscription: its rule, channel, state and delivery counts."""

    async def fetch(store: Sessions) -> SubscriptionOut:
        repo, row = await _found(store, name)
        counts = await repo.delivery_counts()
        return SubscriptionOut.of(row, counts.get(row.subscription_id), with_secret=secret)

    print_subscription(with_store(fetch), as_json)


def _set_enabled(name: str, enabled: bool) -> None:
    async def change(store: Sessions) -> Subscription | None:
        repo, row = await _found(store, name)
        return await repo.set_enabled(row.subscription_id, enabled)

    row = with_store(change)
    assert row is not None
    console.print(f"{row.name}: {'active' if enabled else 'paused'}")


@subscriptions_app.command("pause")
def pause(name: str) -> None:
    """Stop alerting; stories matched while paused are not sent later."""
    _set_enabled(name, False)


@subscriptions_app.command("resume")
def resume(name: str) -> None:
    """Alert again (also re-enables one disabled by failures; its pending deliveries go out)."""
    _set_enabled(name, True)


@subscriptions_app.command("remove")
def remove(
    name: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False
) -> None:
    """Delete a subscription with its delivery log."""
    if not yes:
        typer.confirm(f"remove {name!r} and its delivery log?", abort=True)

    async def delete(store: Sessions) -> None:
        repo, row = await _found(store, name)
        await repo.remove(row.subscription_id)

    with_store(delete)
    console.print(f"removed {name}")


@subscriptions_app.command("preview")
def preview_subscription(
    name: str,
    days: Annotated[int, typer.Option(min=1, help="Look back this many days.")] = 7,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonOption = False,
) -> None:
    """The stored stories this subscription's rule would have matched."""

    async def fetch(store: Sessions) -> list[StoryOut]:
        _, row = await _found(store, name)
        since = datetime.now(UTC) - timedelta(days=days)
        found = await preview(StorySearch(store), Rule.model_validate(row.filters), since=since,
                              limit=limit)  # fmt: skip
        return [StoryOut.of(s, e) for s, e in found]

    stories = with_store(fetch)
    if as_json:
        echo_json(stories)
        return
    table = Table(title=f"{name}: {len(stories)} stories in the last {days} days")
    for column in ("podcast", "episode", "#", "section", "headline"):
        table.add_column(column, overflow="fold")
    for s in stories:
        table.add_row(s.podcast, s.episode_title, str(s.index), s.section or "", s.headline)
    console.print(table)


def _expand(value: Any) -> Any:
    """`${NAME}` in a string comes from the environment (Slack URLs and secrets are secrets)."""
    if not isinstance(value, str):
        return value
    try:
        return string.Template(value).substitute(os.environ)
    except KeyError as exc:
        raise typer.BadParameter(f"environment variable {exc.args[0]} is not set") from exc


@subscriptions_app.command("apply")
def apply(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Create or update the subscriptions a YAML file lists (seeds/subscriptions.example.yaml)."""
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise typer.BadParameter(f"{file}: {exc}") from exc
    entries = document.get("subscriptions") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise typer.BadParameter(f"{file}: expected a `subscriptions:` list")
    for entry in entries:
        fields = {k: _expand(v) for k, v in dict(entry).items()}
        result = with_store(lambda s, f=fields: _apply_one(s, f))  # type: ignore[misc]
        console.print(result)


async def _apply_one(store: Sessions, fields: dict[str, Any]) -> str:
    repo = SubscriptionRepository(store)
    existing = await repo.get(str(fields.get("name")))
    if existing is None:
        row = await repo.create(_validated(fields, fields.get("name")).row())
        return f"created {row.name}" + (f" (secret {row.secret})" if row.secret else "")
    try:
        spec = changed(existing, fields)
    except (ValidationError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint=existing.name) from exc
    await repo.update(existing.subscription_id, spec.row())
    return f"updated {existing.name}"
