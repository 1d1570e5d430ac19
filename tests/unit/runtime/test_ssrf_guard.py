"""The SSRF guard on addresses and URLs, with a fake resolver (no DNS)."""

from __future__ import annotations

import ipaddress

import pytest

from services.runtime.ssrf import Resolver, UnsafeUrlError, check_url, why_unsafe


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-global"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fc00::1", "private"),
        ("93.184.216.34", None),
        ("2606:4700::6810:84e5", None),
    ],
)
def test_why_unsafe(address: str, reason: str | None) -> None:
    assert why_unsafe(ipaddress.ip_address(address)) == reason


def resolver_to(*addresses: str) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


async def test_a_public_host_passes() -> None:
    await check_url(
        "https://feeds.example/rss", allow_private=False, resolver=resolver_to("93.184.216.34")
    )


async def test_any_private_address_among_several_refuses() -> None:
    resolver = resolver_to("93.184.216.34", "10.0.0.5")
    with pytest.raises(UnsafeUrlError, match=r"private address 10\.0\.0\.5"):
        await check_url("https://feeds.example/rss", allow_private=False, resolver=resolver)


async def test_private_addresses_pass_when_allowed() -> None:
    await check_url("http://127.0.0.1:8000/feed", allow_private=True, resolver=resolver_to())


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x.example/f", "http:///nohost"])
async def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(UnsafeUrlError, match="only http and https"):
        await check_url(url, allow_private=True)


async def test_literal_loopback_is_refused_without_dns() -> None:
    with pytest.raises(UnsafeUrlError, match="loopback"):
        await check_url("http://127.0.0.1:8000/feed", allow_private=False)


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    async def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeUrlError, match="does not resolve"):
        await check_url("https://nowhere.invalid/", allow_private=False, resolver=failing)
