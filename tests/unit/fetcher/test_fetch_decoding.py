"""Capped decoding of response bodies: the corpus's compression cases, bombs, odd encodings."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from services.fetcher.http import MIB, CappedDecoder, FetchFailed

COMPRESSION = Path(__file__).parents[2] / "fixtures" / "feed-corpus" / "compression"


def decode(encoding: str, body: bytes, cap: int = MIB, step: int = 7) -> bytes:
    decoder = CappedDecoder(encoding, cap)
    for i in range(0, len(body), step):
        decoder.feed(body[i : i + step])
    return decoder.finish()


@pytest.mark.parametrize("step", [1, 7, 65536])
@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("gzip.gz", b'<feed xmlns="http://www.w3.org/2005/Atom">'),
        ("deflate.z", b'<feed xmlns="http://www.w3.org/2005/Atom">'),
        ("deflate-no-headers.z", b'<feed xmlns="http://www.w3.org/2005/Atom">'),
        ("gzip-not-compressed.gz", b"<feed><title>gzip</title>"),
        ("deflate-not-compressed.z", b"<feed><title>deflate</title>"),
    ],
)
def test_labelled_bodies_decode_whatever_the_label_says(
    name: str, starts: bytes, step: int
) -> None:
    encoding = "gzip" if name.endswith(".gz") else "deflate"
    body = decode(encoding, (COMPRESSION / name).read_bytes(), step=step)
    assert body.startswith(starts)


def test_a_corrupt_gzip_body_fails_with_a_reason() -> None:
    with pytest.raises(FetchFailed, match="corrupt compressed body"):
        decode("gzip", (COMPRESSION / "gzip-struct-error.gz").read_bytes())


def test_a_gzip_bomb_stops_at_the_cap_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * (64 * MIB), compresslevel=9)
    decoder = CappedDecoder("gzip", MIB)
    with pytest.raises(FetchFailed, match="exceeds the 1048576 byte cap"):
        for i in range(0, len(bomb), 65536):
            decoder.feed(bomb[i : i + 65536])
    assert sum(len(p) for p in decoder._parts) <= MIB


def test_a_zlib_deflate_bomb_too() -> None:
    with pytest.raises(FetchFailed, match="byte cap"):
        decode("deflate", zlib.compress(b"a" * (8 * MIB)), cap=MIB, step=4096)


def test_identity_bodies_are_capped() -> None:
    assert decode("identity", b"x" * 100, cap=100) == b"x" * 100
    with pytest.raises(FetchFailed, match="byte cap"):
        decode("identity", b"x" * 101, cap=100)


def test_an_encoding_we_did_not_ask_for_is_refused() -> None:
    with pytest.raises(FetchFailed, match="unsupported Content-Encoding 'br'"):
        CappedDecoder("br", MIB)
