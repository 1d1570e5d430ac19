"""What a scenario injected and what came through: faults survived, inputs handled, losses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.faults.tally import Count


@dataclass
class Outcome:
    """One scenario's figures; `notes` say what happened, in words, for the table and for CI."""

    scenario: str
    faults_injected: int = 0
    faults_survived: int = 0
    bad_inputs_tried: int = 0
    bad_inputs_handled: int = 0
    events_lost: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.faults_survived == self.faults_injected
            and self.bad_inputs_handled == self.bad_inputs_tried
            and self.events_lost == 0
            and self.duplicates == 0
        )

    def fault(self, survived: bool, note: str) -> None:
        self.faults_injected += 1
        self.faults_survived += survived
        self.notes.append(("" if survived else "NOT SURVIVED: ") + note)

    def bad_input(self, handled: bool, note: str = "") -> None:
        """One input tried; `note` says how it ended (kept when handled only if given)."""
        self.bad_inputs_tried += 1
        self.bad_inputs_handled += handled
        if not handled or note:
            self.notes.append(("" if handled else "NOT HANDLED: ") + note)

    def counted(self, count: Count) -> bool:
        """Add a run's lost and doubled stories; True when there were none."""
        self.events_lost += count.lost
        self.duplicates += count.duplicates
        return count.lost == 0 and count.duplicates == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "faults_injected": self.faults_injected,
            "faults_survived": self.faults_survived,
            "bad_inputs_tried": self.bad_inputs_tried,
            "bad_inputs_handled": self.bad_inputs_handled,
            "events_lost": self.events_lost,
            "duplicates": self.duplicates,
            "seconds": round(self.seconds, 1),
            "passed": self.passed,
            "notes": self.notes,
        }


TOTAL_KEYS = (
    "faults_injected",
    "faults_survived",
    "bad_inputs_tried",
    "bad_inputs_handled",
    "events_lost",
    "duplicates",
)


def totals(outcomes: Iterable[Outcome]) -> dict[str, int]:
    """The bench's headline figures, summed over scenarios."""
    rows = list(outcomes)
    return {key: sum(getattr(o, key) for o in rows) for key in TOTAL_KEYS}
