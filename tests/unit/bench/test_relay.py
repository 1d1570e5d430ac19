"""The bus baseline: both relays move every message, in alternating rounds, median kept."""

from __future__ import annotations

from services.bench.relay import (
    Relay,
    RelayComparison,
    RelayRun,
    bare_relay,
    compare_relays,
    faststream_relay,
    median_run,
    round_order,
)


def test_rounds_alternate_which_relay_goes_first() -> None:
    assert [round_order(i) for i in range(3)] == [
        ("faststream", "bare"),
        ("bare", "faststream"),
        ("faststream", "bare"),
    ]


def test_the_ratio_is_of_medians_so_a_disturbed_round_of_either_relay_does_not_move_it() -> None:
    comparison = RelayComparison(
        faststream=[RelayRun(600, 1.0, 0.1), RelayRun(100, 1.0, 0.1), RelayRun(650, 1.0, 0.1)],
        bare=[RelayRun(1000, 1.0, 0.1), RelayRun(1000, 1.0, 0.1), RelayRun(300, 1.0, 0.1)],
    )
    assert comparison.ratios == [0.6, 0.1, 650 / 300]
    assert comparison.median_faststream.per_second == 600
    assert comparison.median_bare.per_second == 1000
    assert comparison.ratio == 0.6


def test_median_run_takes_the_lower_middle_of_an_even_count() -> None:
    runs = [RelayRun(n, 1.0, 0.0) for n in (40, 10, 30, 20)]
    assert median_run(runs).per_second == 20


async def test_compare_relays_warms_both_up_then_alternates() -> None:
    calls: list[tuple[str, int]] = []

    def fake(name: str, rate: float) -> Relay:
        async def relay(url: str, count: int, size: int) -> RelayRun:
            calls.append((name, count))
            return RelayRun(count, count / rate, 0.0)

        return relay

    comparison = await compare_relays(
        "redis://unused",
        1000,
        10,
        rounds=3,
        warmup=50,
        relays={"faststream": fake("faststream", 500.0), "bare": fake("bare", 1000.0)},
    )
    assert calls == [
        ("faststream", 50),
        ("bare", 50),
        ("faststream", 1000),
        ("bare", 1000),
        ("bare", 1000),
        ("faststream", 1000),
        ("faststream", 1000),
        ("bare", 1000),
    ]
    assert comparison.ratios == [0.5, 0.5, 0.5] and comparison.ratio == 0.5
    assert len(comparison.faststream) == len(comparison.bare) == 3
    assert comparison.load_average >= 0


async def test_both_relays_run_their_rounds_on_a_real_redis(redis_url: str) -> None:
    fast = await faststream_relay(redis_url, 40, 100)
    bare = await bare_relay(redis_url, 40, 100)
    assert fast.messages == bare.messages == 40
    assert fast.per_second > 0 and bare.per_second > 0
    comparison = await compare_relays(redis_url, 20, 100, rounds=2, warmup=5)
    assert len(comparison.ratios) == 2 and comparison.ratio > 0
