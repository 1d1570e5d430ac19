"""Fetch benchmark: N feeds on a loopback server → feeds/s for newsdesk and for bare httpx."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

from services.fetcher.core import parse_feed
from services.fetcher.http import FeedFetcher, FetchPolicy, build_client

_IF_NONE_MATCH = re.compile(rb"(?im)^if-none-match:[ \t]*(.+?)\r$")


def sample_feed(items: int = 10) -> bytes:
    """A realistic small podcast feed, the same for every path."""
    entries = "".join(
        f"<item><title>Episode {i}: the day's news</title><guid>ep-{i}</guid>"
        f"<pubDate>Mon, {1 + i:02d} Jun 2026 06:00:00 GMT</pubDate>"
        f"<link>https://example.org/ep/{i}</link>"
        f"<description>Headlines, markets and weather for day {i}.</description>"
        f"<enclosure url='https://cdn.example.org/{i}.mp3' type='audio/mpeg' length='1'/></item>"
        for i in range(items)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Bench Show</title><link>https://example.org/</link>{entries}</channel></rss>"
    ).encode()


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> None:
    # Every feed's ETag is its path; a client that sends it back gets a 304.
    ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: %d\r\n"
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            etag = b'"' + head.split(b" ", 2)[1] + b'"'
            match = _IF_NONE_MATCH.search(head)
            if match and match.group(1) == etag:
                writer.write(b"HTTP/1.1 304 Not Modified\r\nETag: " + etag + b"\r\n\r\n")
            else:
                writer.write(ok % len(body) + b"ETag: " + etag + b"\r\n\r\n" + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve(hosts: int) -> None:
    body = sample_feed()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _handle(reader, writer, body)

    first = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    port = first.sockets[0].getsockname()[1]
    # Feeds live on many hosts in real life; loopback has 127.0.0.0/8 to play them.
    for i in range(2, hosts + 1):
        await asyncio.start_server(handle, f"127.0.0.{i}", port, backlog=4096)
    print(port, flush=True)
    await asyncio.Event().wait()


@dataclass(frozen=True)
class Run:
    name: str
    seconds: float
    statuses: dict[str, int]
    feeds: int

    @property
    def per_second(self) -> float:
        return self.feeds / self.seconds


@dataclass(frozen=True)
class Target:
    url: str
    etag: str | None


async def _timed(
    name: str, targets: Sequence[Target], concurrency: int, poll: Callable[[Target], Awaitable[str]]
) -> Run:
    queue: asyncio.Queue[Target] = asyncio.Queue()
    for target in targets:
        queue.put_nowait(target)
    statuses: Counter[str] = Counter()

    async def worker() -> None:
        while not queue.empty():
            statuses[await poll(queue.get_nowait())] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Run(name, time.perf_counter() - started, dict(statuses), len(targets))


async def bare_httpx(targets: Sequence[Target], concurrency: int) -> Run:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:

        async def poll(target: Target) -> str:
            headers = {"If-None-Match": target.etag} if target.etag else {}
            response = await client.get(target.url, headers=headers)
            return str(response.status_code)

        return await _timed("bare httpx", targets, concurrency, poll)


async def newsdesk_fetch(targets: Sequence[Target], concurrency: int, parse: bool) -> Run:
    policy = FetchPolicy(user_agent="newsdesk-bench", allow_private=True)
    async with build_client(policy, max_connections=concurrency) as client:
        fetcher = FeedFetcher(client, policy)

        async def poll(target: Target) -> str:
            result = await fetcher.fetch(target.url, etag=target.etag)
            if parse and result.outcome == "fetched":
                await asyncio.to_thread(parse_feed, result.body, result.headers, target.url)
            return result.outcome if result.outcome != "failed" else f"failed: {result.error}"

        name = "newsdesk fetch + parse" if parse else "newsdesk fetch"
        return await _timed(name, targets, concurrency, poll)


def targets_for(port: int, feeds: int, hosts: int, not_modified_share: float) -> list[Target]:
    """Feed i lives on host i mod `hosts`; an even spread of `not_modified_share` of the feeds
    send the ETag the server gave them, and get a 304."""
    targets = []
    for i in range(feeds):
        path = f"/feed/{i}.xml"
        cached = int((i + 1) * not_modified_share) > int(i * not_modified_share)
        host = f"127.0.0.{1 + i % hosts}"
        targets.append(Target(f"http://{host}:{port}{path}", f'"{path}"' if cached else None))
    return targets


async def _measure(
    targets: Sequence[Target], concurrency: int, rounds: int, parse: bool
) -> list[Run]:
    best: dict[str, Run] = {}
    for _ in range(rounds):
        # Alternate, so that drift on a shared machine hits both sides alike; keep the best.
        for run in (
            await bare_httpx(targets, concurrency),
            await newsdesk_fetch(targets, concurrency, parse=False),
            *([await newsdesk_fetch(targets, concurrency, parse=True)] if parse else []),
        ):
            if run.name not in best or run.seconds < best[run.name].seconds:
                best[run.name] = run
    return list(best.values())


def run_benchmark(
    feeds: int,
    concurrency: int,
    hosts: int = 50,
    not_modified_share: float = 0.5,
    rounds: int = 3,
    parse: bool = True,
) -> list[Run]:
    """Start the server in its own process (a core of its own), then time each client."""
    command = [sys.executable, "-m", "services.fetcher.bench", str(hosts)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            targets = targets_for(port, feeds, hosts, not_modified_share)
            return asyncio.run(_measure(targets, concurrency, rounds, parse))
        finally:
            server.terminate()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
