"""The linearity figure of `newsdesk bench pipeline --lengths`, on made-up points."""

from __future__ import annotations

import pytest

from services.bench.scaling import LengthRun, linearity, parse_lengths


def runs(*points: tuple[int, float], episodes: int = 3) -> list[LengthRun]:
    return [LengthRun(m, episodes, cpu, stories=20 * m, seconds=1.0) for m, cpu in points]


def test_hours_and_cpu_per_hour_count_the_sample_as_one_hour() -> None:
    run = LengthRun(multiple=4, episodes=3, cpu_s=36.0, stories=90, seconds=20.0)
    assert run.hours == 12.0
    assert run.cpu_per_hour_s == 3.0
    assert run.as_json()["transcript_hours"] == 12.0


def test_cost_proportional_to_length_is_a_straight_line_through_zero() -> None:
    fit = linearity(runs((1, 6.0), (2, 12.0), (4, 24.0)))
    assert fit.slope_s_per_hour == pytest.approx(2.0)
    assert fit.intercept_s == pytest.approx(0.0, abs=1e-9)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.cpu_per_hour_ratio == pytest.approx(1.0)


def test_a_fixed_cost_per_batch_is_the_intercept_and_lowers_the_ratio() -> None:
    # 1 s per batch whatever its length, then 2 s per transcript hour.
    fit = linearity(runs((1, 7.0), (2, 13.0), (4, 25.0)))
    assert fit.slope_s_per_hour == pytest.approx(2.0)
    assert fit.intercept_s == pytest.approx(1.0)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.cpu_per_hour_ratio == pytest.approx((25 / 12) / (7 / 3))
    assert fit.cpu_per_hour_ratio < 1


def test_quadratic_cost_shows_in_the_ratio_and_the_fit() -> None:
    # cpu = hours²: per hour it doubles with each doubling of length.
    fit = linearity(runs((1, 9.0), (2, 36.0), (4, 144.0)))
    assert fit.cpu_per_hour_ratio == pytest.approx(4.0)
    assert fit.r_squared < 0.99
    assert fit.as_json()["cpu_per_hour_ratio"] == 4.0


def test_the_ratio_compares_the_longest_with_the_shortest_in_any_order() -> None:
    fit = linearity(runs((4, 30.0), (1, 6.0), (2, 12.0)))
    assert fit.cpu_per_hour_ratio == pytest.approx(30 / 12 / 2)


def test_linearity_needs_two_lengths() -> None:
    with pytest.raises(ValueError, match="two lengths"):
        linearity(runs((2, 6.0), (2, 7.0)))


def test_parse_lengths_keeps_the_order_given() -> None:
    assert parse_lengths("1, 2,4") == [1, 2, 4]
    assert parse_lengths("4,1") == [4, 1]


@pytest.mark.parametrize("text", ["1,x", "0,2", "2,2", "3", "", "-1,2"])
def test_parse_lengths_rejects_what_cannot_be_measured(text: str) -> None:
    with pytest.raises(ValueError, match="lengths"):
        parse_lengths(text)


def test_idle_polling_is_costed_by_the_second_and_can_be_taken_out() -> None:
    # 2 s of work per transcript hour; the batches last 10 s plus 5 s per hour, while the
    # workers poll at 0.2 cores: polling adds 2 s plus 1 s per hour, a fixed cost in disguise.
    batches = [
        LengthRun(
            m,
            3,
            cpu_s=2.0 * 3 * m + 0.2 * (10 + 5 * 3 * m),
            stories=0,
            seconds=10 + 15 * m,
            idle_cores=0.2,
        )
        for m in (1, 2, 4)
    ]
    assert batches[0].idle_cpu_s == pytest.approx(5.0)
    assert batches[0].work_cpu_s == pytest.approx(6.0)
    assert batches[0].as_json()["work_cpu_s_per_hour"] == 2.0
    total = linearity(batches)
    assert total.intercept_s == pytest.approx(2.0)
    assert total.cpu_per_hour_ratio < 1
    net = linearity(batches, net_of_idle=True)
    assert net.slope_s_per_hour == pytest.approx(2.0)
    assert net.intercept_s == pytest.approx(0.0, abs=1e-9)
    assert net.cpu_per_hour_ratio == pytest.approx(1.0)
