"""The two kinds of failure a handler raises; one middleware decides retry or dead letter."""

from __future__ import annotations


class PermanentError(Exception):
    """Retrying will not help (bad input, unsupported media): dead-letter it."""


class TransientError(Exception):
    """Retrying may help (timeout, 5xx, 429); `retry_after` is the server's hint, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EntriesRejected(Exception):
    """Some entries of a batch cannot be handled (by position in it, with why); the others
    were. The middleware dead-letters these alone and acknowledges the batch."""

    def __init__(self, rejected: dict[int, BaseException]) -> None:
        super().__init__(f"{len(rejected)} entries rejected")
        self.rejected = rejected
