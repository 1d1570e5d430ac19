"""Whether the whole pipeline's cost grows linearly with transcript length: the arithmetic."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LengthRun:
    """One batch of episodes, each `multiple` times the sample's length, through every worker."""

    multiple: int
    episodes: int
    cpu_s: float  # all workers together, from the first publish until every story is delivered
    stories: int
    seconds: float

    @property
    def hours(self) -> float:
        """Transcript hours: the sample counts as one hour, as everywhere in the benchmarks."""
        return float(self.multiple * self.episodes)

    @property
    def cpu_per_hour_s(self) -> float:
        return self.cpu_s / self.hours

    def as_json(self) -> dict[str, object]:
        return {
            "multiple": self.multiple,
            "episodes": self.episodes,
            "transcript_hours": self.hours,
            "cpu_s": round(self.cpu_s, 2),
            "cpu_s_per_hour": round(self.cpu_per_hour_s, 3),
            "stories": self.stories,
            "seconds": round(self.seconds, 2),
        }


@dataclass(frozen=True)
class Linearity:
    """CPU seconds against transcript hours: a least-squares line and how straight it is."""

    slope_s_per_hour: float
    intercept_s: float
    r_squared: float
    #: CPU per hour at the longest episodes over CPU per hour at the shortest: 1.0 is linear,
    #: above 1 the cost grows faster than the length, below 1 a fixed cost is being spread.
    cpu_per_hour_ratio: float

    def as_json(self) -> dict[str, float]:
        return {
            "cpu_s_per_hour": round(self.slope_s_per_hour, 3),
            "intercept_cpu_s": round(self.intercept_s, 3),
            "r_squared": round(self.r_squared, 4),
            "cpu_per_hour_ratio": round(self.cpu_per_hour_ratio, 3),
        }


def linearity(runs: Sequence[LengthRun]) -> Linearity:
    """Fit cpu_s = slope * hours + intercept over the runs (at least two lengths)."""
    if len({run.multiple for run in runs}) < 2:
        raise ValueError("linearity needs runs at two lengths at least")
    hours = [run.hours for run in runs]
    cpu = [run.cpu_s for run in runs]
    slope, intercept = statistics.linear_regression(hours, cpu)
    residual = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(hours, cpu, strict=True))
    spread = sum((y - statistics.fmean(cpu)) ** 2 for y in cpu)
    shortest = min(runs, key=lambda run: run.multiple)
    longest = max(runs, key=lambda run: run.multiple)
    return Linearity(
        slope_s_per_hour=slope,
        intercept_s=intercept,
        r_squared=1.0 - residual / spread if spread else 1.0,
        cpu_per_hour_ratio=longest.cpu_per_hour_s / shortest.cpu_per_hour_s,
    )


def parse_lengths(text: str) -> list[int]:
    """`1,2,4` → [1, 2, 4]: distinct positive multiples, two at least, in the order given."""
    try:
        multiples = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise ValueError(f"lengths must be integers like 1,2,4, not {text!r}") from exc
    if min(multiples, default=0) < 1 or len(set(multiples)) != len(multiples):
        raise ValueError(f"lengths must be distinct positive integers like 1,2,4, not {text!r}")
    if len(multiples) < 2:
        raise ValueError("lengths needs two multiples at least, like 1,4")
    return multiples
