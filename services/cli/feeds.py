"""`newsdesk feeds …`, `newsdesk seed` and `newsdesk bench fetch`: the feed registry by hand."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.table import Table

from services.cli.app import app, bench_app
from services.cli.runtime import load_settings
from services.fetcher.bench import run_benchmark
from services.fetcher.opml import OpmlError, Subscription, read_opml, write_opml
from services.nlp.taxonomy import load_taxonomies
from services.storage.db import create_engine, migrate, sessions
from services.storage.feeds import FeedRegistry
from services.storage.models import Feed

feeds_app = typer.Typer(help="Feeds to poll: add, list, remove, import and export OPML.")
app.add_typer(feeds_app, name="feeds")
console = Console()
SEED_FILE = Path(__file__).resolve().parents[2] / "seeds" / "feeds.opml"
T = TypeVar("T")
# The fetch path's targets on a 2-core machine (issue: the fetcher at scale).
TARGET_RATIO, TARGET_PER_S = 0.8, 200

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TaxonomyOption = Annotated[
    str | None, typer.Option(help="Taxonomy for this feed's stories (see seeds/taxonomy.yaml).")
]


def _with_registry(work: Callable[[FeedRegistry], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(load_settings().effective_database_url)
        try:
            await migrate(engine)
            return await work(FeedRegistry(sessions(engine)))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _checked_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise typer.BadParameter(f"{url!r} is not an http(s) URL with a host", param_hint="URL")
    return url.strip()


def _checked_taxonomy(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        load_taxonomies().get(name)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--taxonomy") from exc
    return name


async def _add_all(
    registry: FeedRegistry, subscriptions: list[Subscription], backfill: int
) -> list[tuple[Feed, bool]]:
    now = datetime.now(UTC)
    return [
        await registry.add(s.url, now=now, name=s.title, taxonomy=s.taxonomy, backfill=backfill)
        for s in subscriptions
    ]


def _report_added(results: list[tuple[Feed, bool]]) -> None:
    for feed, added in results:
        verb = "added" if added else "already registered"
        console.print(f"{verb}: {feed.feed_id}  {feed.url}")
    fresh = sum(added for _, added in results)
    console.print(f"[bold]{fresh} added, {len(results) - fresh} already registered[/]")


@feeds_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
    name: Annotated[
        str | None, typer.Option(help="Display name (default: the feed's title).")
    ] = None,
    backfill: Annotated[
        int | None, typer.Option(min=0, help="Newest episodes to ingest on the first poll.")
    ] = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Register a feed; it is polled as soon as a fetcher (or `newsdesk run`) is running."""
    subscription = Subscription(_checked_url(url), name, _checked_taxonomy(taxonomy))
    count = load_settings().fetch_backfill if backfill is None else backfill
    _report_added(_with_registry(lambda r: _add_all(r, [subscription], count)))


def _feed_json(feed: Feed, episodes: int) -> dict[str, Any]:
    def when(moment: datetime | None) -> str | None:
        # SQLite returns naive datetimes; every stored time is UTC.
        return moment.replace(tzinfo=moment.tzinfo or UTC).isoformat() if moment else None

    return {"feed_id": feed.feed_id, "url": feed.url, "name": feed.name, "title": feed.title,
            "status": feed.status, "taxonomy": feed.taxonomy, "backfill": feed.backfill,
            "last_check": when(feed.last_check), "next_check": when(feed.next_check),
            "consecutive_errors": feed.consecutive_errors, "last_error": feed.last_error,
            "episodes": episodes}  # fmt: skip


async def _listing(registry: FeedRegistry) -> list[dict[str, Any]]:
    counts = await registry.episode_counts()
    return [_feed_json(f, counts.get(f.feed_id, 0)) for f in await registry.all()]


@feeds_app.command("list")
def list_feeds(as_json: JsonOption = False) -> None:
    """List feeds with their status, last and next check, and consecutive errors."""
    rows = _with_registry(_listing)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"{len(rows)} feeds")
    for column in ("feed", "title", "status", "last check", "next check", "errors", "last error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        title = row["name"] or row["title"] or ""
        table.add_row(f"{row['feed_id']}\n{row['url']}", title, row["status"],
                      _short(row["last_check"]), _short(row["next_check"]),
                      str(row["consecutive_errors"]), row["last_error"] or "")  # fmt: skip
    console.print(table)


def _short(moment: str | None) -> str:
    return moment[:19].replace("T", " ") if moment else "-"


@feeds_app.command("remove")
def remove(
    feed: Annotated[str, typer.Argument(help="The feed's URL or id (see `feeds list`).")],
) -> None:
    """Stop polling a feed and forget the episodes it produced (stored stories stay)."""
    removed = _with_registry(lambda r: r.remove(feed))
    if removed is None:
        console.print(f"[red]no feed with URL or id {feed!r}[/]")
        raise typer.Exit(1)
    console.print(f"removed: {removed.feed_id}  {removed.url}")


async def _due_now(registry: FeedRegistry, feed: str | None) -> list[Feed]:
    chosen = [await registry.find(feed)] if feed else list(await registry.all())
    found = [f for f in chosen if f is not None]
    for f in found:
        await registry.update(f.feed_id, next_check=datetime.now(UTC))
    return found


@feeds_app.command("refresh")
def refresh(
    feed: Annotated[str | None, typer.Argument(help="A feed's URL or id; default: all.")] = None,
) -> None:
    """Make feeds due now, so the next `newsdesk run` (or a running fetcher) polls them."""
    found = _with_registry(lambda r: _due_now(r, feed))
    if not found:
        console.print(f"[red]no feed with URL or id {feed!r}[/]")
        raise typer.Exit(1)
    console.print(f"{len(found)} feed(s) due now")


def _read_subscriptions(path: Path, taxonomy: str | None) -> list[Subscription]:
    try:
        subscriptions = read_opml(path.read_bytes())
    except (OSError, OpmlError) as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="FILE") from exc
    if not subscriptions:
        raise typer.BadParameter(f"{path}: no outlines with an xmlUrl", param_hint="FILE")
    for s in subscriptions:
        _checked_taxonomy(taxonomy or s.taxonomy)
    return [
        Subscription(_checked_url(s.url), s.title, taxonomy or s.taxonomy) for s in subscriptions
    ]


def _import(path: Path, taxonomy: str | None, backfill: int | None) -> None:
    subscriptions = _read_subscriptions(path, _checked_taxonomy(taxonomy))
    count = load_settings().fetch_backfill if backfill is None else backfill
    _report_added(_with_registry(lambda r: _add_all(r, subscriptions, count)))


@feeds_app.command("import")
def import_opml(
    file: Annotated[Path, typer.Argument(help="An OPML file (from any podcast or feed app).")],
    taxonomy: TaxonomyOption = None,
    backfill: Annotated[int | None, typer.Option(min=0, help="As for `feeds add`.")] = None,
) -> None:
    """Register every feed in an OPML file; feeds already registered are left as they are."""
    _import(file, taxonomy, backfill)


@feeds_app.command("export")
def export_opml(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print (or write) the registered feeds as OPML."""
    feeds = _with_registry(lambda r: r.all())
    text = write_opml(Subscription(f.url, f.name or f.title, f.taxonomy) for f in feeds)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {len(feeds)} feeds to {output}")


@app.command()
def seed(
    file: Annotated[Path, typer.Option(help="OPML file of feeds.")] = SEED_FILE,
    backfill: Annotated[int | None, typer.Option(min=0, help="As for `feeds add`.")] = None,
) -> None:
    """Register the bundled list of public news podcasts and news feeds (seeds/feeds.opml)."""
    _import(file, None, backfill)


@bench_app.command("fetch")
def bench_fetch(
    feeds: Annotated[int, typer.Option(min=1, help="Feeds to poll.")] = 1000,
    concurrency: Annotated[int, typer.Option(min=1, help="Polls in flight.")] = 50,
    hosts: Annotated[int, typer.Option(min=1, max=250, help="Loopback hosts to spread over.")] = 50,
    not_modified: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of polls answered 304.")
    ] = 0.5,
    rounds: Annotated[int, typer.Option(min=1, help="Best of this many runs each.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Poll N feeds on a loopback server (200s and 304s) with newsdesk's fetcher and with a
    bare httpx loop at the same concurrency; print feeds/s for each and the ratio."""
    runs = run_benchmark(feeds, concurrency, hosts, not_modified, rounds)
    by_name = {r.name: r for r in runs}
    bare, ours = by_name["bare httpx"], by_name["newsdesk fetch"]
    summary = {
        "feeds": feeds, "concurrency": concurrency, "hosts": hosts, "rounds": rounds,
        "runs": [{"name": r.name, "seconds": round(r.seconds, 3),
                  "feeds_per_s": round(r.per_second, 1), "statuses": r.statuses} for r in runs],
        "ratio_fetch": round(ours.per_second / bare.per_second, 3),
        "ratio_fetch_parse": round(by_name["newsdesk fetch + parse"].per_second
                                   / bare.per_second, 3),
    }  # fmt: skip
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    _print_bench(summary)


def _print_bench(summary: dict[str, Any]) -> None:
    table = Table(title=f"{summary['feeds']} feeds, {summary['concurrency']} in flight, "
                        f"best of {summary['rounds']}")  # fmt: skip
    for column in ("client", "seconds", "feeds/s", "statuses"):
        table.add_column(column)
    for run in summary["runs"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(run["statuses"].items()))
        table.add_row(run["name"], f"{run['seconds']:.3f}", f"{run['feeds_per_s']:.0f}", statuses)
    console.print(table)
    console.print(f"ratio newsdesk fetch / bare httpx: [bold]{summary['ratio_fetch']:.2f}[/]"
                  f"  (with parsing: {summary['ratio_fetch_parse']:.2f})")  # fmt: skip
    ours = next(r for r in summary["runs"] if r["name"] == "newsdesk fetch")
    met = summary["ratio_fetch"] >= TARGET_RATIO and ours["feeds_per_s"] >= TARGET_PER_S
    verdict = "[green]met[/]" if met else "[red]missed[/]"
    console.print(f"target (ratio ≥ {TARGET_RATIO}, ≥ {TARGET_PER_S} feeds/s): {verdict}")
