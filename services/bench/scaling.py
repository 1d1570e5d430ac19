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
    #: The same workers' CPU while idle just before, in cores: their polling, which costs by
    #: the second (and a busy machine stretches the seconds), not by the transcript hour.
    idle_cores: float = 0.0

    @property
    def hours(self) -> float:
        """Transcript hours: the sample counts as one hour, as everywhere in the benchmarks."""
        return float(self.multiple * self.episodes)

    @property
    def cpu_per_hour_s(self) -> float:
        return self.cpu_s / self.hours

    @property
    def idle_cpu_s(self) -> float:
        """What polling at the idle rate would have cost over the batch's seconds."""
        return self.idle_cores * self.seconds

    @property
    def work_cpu_s(self) -> float:
        """CPU net of the idle polling: an estimate, since busy workers poll less."""
        return self.cpu_s - self.idle_cpu_s

    def as_json(self) -> dict[str, object]:
        return {
            "multiple": self.multiple,
            "episodes": self.episodes,
            "transcript_hours": self.hours,
            "cpu_s": round(self.cpu_s, 2),
            "cpu_s_per_hour": round(self.cpu_per_hour_s, 3),
            "idle_cores": round(self.idle_cores, 3),
            "work_cpu_s_per_hour": round(self.work_cpu_s / self.hours, 3),
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


def linearity(runs: Sequence[LengthRun], *, net_of_idle: bool = False) -> Linearity:
    """Fit cpu = slope * hours + intercept over the runs (at least two lengths), where cpu is
    all the workers' CPU, or with `net_of_idle` that less their idle polling."""
    if len({run.multiple for run in runs}) < 2:
        raise ValueError("linearity needs runs at two lengths at least")
    hours = [run.hours for run in runs]
    cpu = [run.work_cpu_s if net_of_idle else run.cpu_s for run in runs]
    slope, intercept = statistics.linear_regression(hours, cpu)
    residual = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(hours, cpu, strict=True))
    spread = sum((y - statistics.fmean(cpu)) ** 2 for y in cpu)
    per_hour = {run.multiple: y / run.hours for run, y in zip(runs, cpu, strict=True)}
    return Linearity(
        slope_s_per_hour=slope,
        intercept_s=intercept,
        r_squared=1.0 - residual / spread if spread else 1.0,
        cpu_per_hour_ratio=per_hour[max(per_hour)] / per_hour[min(per_hour)],
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
