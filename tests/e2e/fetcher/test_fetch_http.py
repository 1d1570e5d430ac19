"""The fetcher's HTTP against a real server on loopback: validators, redirects, limits."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from services.fetcher.core import parse_feed
from services.fetcher.http import MIB, FeedFetcher, FetchPolicy, build_client
from tests.e2e.fetcher.loopback_server import Loopback, reply

pytestmark = pytest.mark.e2e

FEED = (Path(__file__).parents[2] / "fixtures" / "fetcher" / "podcast20.xml").read_bytes()
POLICY = FetchPolicy(
    user_agent="newsdesk/test (+loopback)",
    allow_private=True,
    connect_timeout_s=2,
    read_timeout_s=0.5,
    total_timeout_s=3,
)
MakeFetcher = Callable[..., FeedFetcher]


@pytest.fixture
async def make_fetcher() -> AsyncIterator[MakeFetcher]:
    clients: list[httpx.AsyncClient] = []

    def make(**changes: object) -> FeedFetcher:
        policy = replace(POLICY, **changes)  # type: ignore[arg-type]
        clients.append(build_client(policy))
        return FeedFetcher(clients[-1], policy)

    yield make
    for client in clients:
        await client.aclose()


def validated(etag: str | None = None, last_modified: str | None = None) -> Callable[..., None]:
    def route(h: BaseHTTPRequestHandler) -> None:
        if (etag and h.headers.get("If-None-Match") == etag) or (
            last_modified and h.headers.get("If-Modified-Since") == last_modified
        ):
            reply(h, 304)
            return
        headers = {"Content-Type": "application/rss+xml"}
        headers |= {"ETag": etag} if etag else {"Last-Modified": last_modified or ""}
        reply(h, 200, FEED, headers)

    return route


def redirect(status: int, to: str) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda h: reply(h, status, headers={"Location": to})


@pytest.mark.parametrize(
    ("etag", "last_modified"), [('"v1"', None), (None, "Wed, 06 May 2026 10:00:00 GMT")]
)
async def test_200_then_304_with_the_stored_validator(
    loopback: Loopback, make_fetcher: MakeFetcher, etag: str | None, last_modified: str | None
) -> None:
    loopback.routes["/feed"] = validated(etag, last_modified)
    fetcher = make_fetcher()
    first = await fetcher.fetch(loopback.url("/feed"))
    assert first.outcome == "fetched" and first.body == FEED
    assert first.headers.get("etag") == etag
    assert first.headers.get("last-modified") == last_modified
    second = await fetcher.fetch(
        loopback.url("/feed"), etag=first.headers.get("etag"),
        last_modified=first.headers.get("last-modified"),
    )  # fmt: skip
    assert second.outcome == "not_modified" and second.body == b""
    assert loopback.hits[0][1]["user-agent"] == "newsdesk/test (+loopback)"


@pytest.mark.parametrize(
    ("status", "moves"), [(301, True), (308, True), (302, False), (307, False)]
)
async def test_only_permanent_redirects_move_the_feed(
    loopback: Loopback, make_fetcher: MakeFetcher, status: int, moves: bool
) -> None:
    loopback.routes["/old"] = redirect(status, "/new")
    loopback.routes["/new"] = validated('"v1"')
    result = await make_fetcher().fetch(loopback.url("/old"))
    assert result.outcome == "fetched" and result.body == FEED
    assert result.url == loopback.url("/new" if moves else "/old")


async def test_a_permanent_hop_behind_a_temporary_one_keeps_the_last_permanent_url(
    loopback: Loopback, make_fetcher: MakeFetcher
) -> None:
    loopback.routes["/a"] = redirect(301, "/b")
    loopback.routes["/b"] = redirect(302, "/c")
    loopback.routes["/c"] = redirect(301, "/d")
    loopback.routes["/d"] = validated('"v1"')
    result = await make_fetcher().fetch(loopback.url("/a"))
    assert result.outcome == "fetched"
    assert result.url == loopback.url("/b")


async def test_redirect_loops_stop(loopback: Loopback, make_fetcher: MakeFetcher) -> None:
    loopback.routes["/loop"] = redirect(302, "/loop")
    result = await make_fetcher(max_redirects=3).fetch(loopback.url("/loop"))
    assert result.outcome == "failed" and result.error == "more than 3 redirects"
    assert len(loopback.hits) == 4


async def test_410_means_gone(loopback: Loopback, make_fetcher: MakeFetcher) -> None:
    loopback.routes["/gone"] = lambda h: reply(h, 410, b"gone")
    assert (await make_fetcher().fetch(loopback.url("/gone"))).outcome == "gone"


@pytest.mark.parametrize(
    ("status", "retry_after", "low", "high"),
    [
        (429, "120", 120, 120),
        (503, "{date}", 290, 301),
    ],
)
async def test_retry_after_in_seconds_and_as_a_date(
    loopback: Loopback,
    make_fetcher: MakeFetcher,
    status: int,
    retry_after: str,
    low: float,
    high: float,
) -> None:
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 300))
    loopback.routes["/busy"] = lambda h: reply(
        h, status, b"slow down", {"Retry-After": retry_after.format(date=date)}
    )
    result = await make_fetcher().fetch(loopback.url("/busy"))
    assert result.outcome == "failed" and result.status == status
    assert result.error == f"HTTP {status}"
    assert result.retry_after_s is not None and low <= result.retry_after_s <= high


async def test_a_stalled_server_times_out(loopback: Loopback, make_fetcher: MakeFetcher) -> None:
    def stall(h: BaseHTTPRequestHandler) -> None:
        loopback.release.wait(10)

    loopback.routes["/stall"] = stall
    started = time.monotonic()
    result = await make_fetcher().fetch(loopback.url("/stall"))
    assert result.outcome == "failed" and result.error is not None
    assert result.error.startswith("read timed out")
    assert time.monotonic() - started < 2


async def test_a_trickling_server_hits_the_total_timeout(
    loopback: Loopback, make_fetcher: MakeFetcher
) -> None:
    def trickle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        for _ in range(1000):
            if loopback.release.wait(0.2):
                return
            h.wfile.write(b" ")
            h.wfile.flush()

    loopback.routes["/trickle"] = trickle
    started = time.monotonic()
    result = await make_fetcher(total_timeout_s=1.0).fetch(loopback.url("/trickle"))
    assert result.outcome == "failed" and result.error == "timed out after 1s in total"
    assert time.monotonic() - started < 2


async def test_a_gzip_bomb_is_stopped_at_the_cap(
    loopback: Loopback, make_fetcher: MakeFetcher
) -> None:
    bomb = gzip.compress(b"\0" * (200 * MIB), compresslevel=9)
    assert len(bomb) < MIB
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
    loopback.routes["/bomb"] = lambda h: reply(h, 200, bomb, headers)
    result = await make_fetcher(body_cap=15 * MIB).fetch(loopback.url("/bomb"))
    assert result.outcome == "failed"
    assert result.error == f"decoded body exceeds the {15 * MIB} byte cap"


async def test_a_gzipped_feed_is_decoded(loopback: Loopback, make_fetcher: MakeFetcher) -> None:
    headers = {"Content-Encoding": "gzip"}
    loopback.routes["/gz"] = lambda h: reply(h, 200, gzip.compress(FEED), headers)
    result = await make_fetcher().fetch(loopback.url("/gz"))
    assert result.outcome == "fetched" and result.body == FEED


@pytest.mark.parametrize("declared", [True, False])
async def test_an_oversized_body_is_refused(
    loopback: Loopback, make_fetcher: MakeFetcher, declared: bool
) -> None:
    def big(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        if declared:
            h.send_header("Content-Length", str(3 * MIB))
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(3 * 16):
            h.wfile.write(b"x" * (MIB // 16))

    loopback.routes["/big"] = big
    result = await make_fetcher(body_cap=MIB).fetch(loopback.url("/big"))
    assert result.outcome == "failed" and result.error is not None
    assert "exceeds the 1048576 byte cap" in result.error


async def test_a_wrong_declared_charset_still_parses(
    loopback: Loopback, make_fetcher: MakeFetcher
) -> None:
    latin = FEED.replace(b"Morning Wire Example", "Café Wire".encode("latin-1")).replace(
        b'encoding="UTF-8"', b'encoding="iso-8859-1"'
    )
    loopback.routes["/charset"] = lambda h: reply(
        h, 200, latin, {"Content-Type": "application/rss+xml; charset=utf-8"}
    )
    result = await make_fetcher().fetch(loopback.url("/charset"))
    feed = parse_feed(result.body, result.headers, "feed")
    assert feed.failure is None and len(feed.episodes) == 3
    assert feed.title.startswith("Caf") and feed.title.endswith(" Wire")
    assert feed.warnings and "not well-formed" in feed.warnings[0]


async def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    loopback: Loopback,
) -> None:
    async def pretend_loopback_ip_is_public(host: str, port: int) -> list[str]:
        return ["93.184.216.34"] if host == "127.0.0.1" else ["127.0.0.1"]

    # The transport guard is off here so that the first hop reaches the server.
    client = build_client(POLICY)
    fetcher = FeedFetcher(
        client, replace(POLICY, allow_private=False), resolver=pretend_loopback_ip_is_public
    )
    loopback.routes["/hop"] = redirect(302, loopback.url("/secret", host="localhost"))
    loopback.routes["/secret"] = validated('"v1"')
    result = await fetcher.fetch(loopback.url("/hop"))
    await client.aclose()
    assert result.outcome == "failed" and result.error is not None
    assert "resolves to loopback address 127.0.0.1" in result.error
    assert "NEWSDESK_ALLOW_PRIVATE_URLS" in result.error
    assert loopback.paths() == ["/hop"]


async def test_the_connection_guard_refuses_what_dns_rebinding_slips_past(
    loopback: Loopback,
) -> None:
    async def lies(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    policy = replace(POLICY, allow_private=False)
    client = build_client(policy)
    loopback.routes["/feed"] = validated('"v1"')
    result = await FeedFetcher(client, policy, resolver=lies).fetch(loopback.url("/feed"))
    await client.aclose()
    assert result.outcome == "failed" and result.error is not None
    assert "loopback address 127.0.0.1" in result.error
    assert loopback.hits == []


async def test_requests_to_one_host_are_limited(
    loopback: Loopback, make_fetcher: MakeFetcher
) -> None:
    def slow(h: BaseHTTPRequestHandler) -> None:
        loopback.release.wait(0.2)
        reply(h, 200, FEED)

    loopback.routes["/slow"] = slow
    fetcher = make_fetcher(per_host=2)
    results = await asyncio.gather(*(fetcher.fetch(loopback.url("/slow")) for _ in range(6)))
    assert all(r.outcome == "fetched" for r in results)
    assert loopback.peak == 2
