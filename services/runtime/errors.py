"""The two kinds of failure a handler raises; one middleware decides retry or dead letter."""

from __future__ import annotations


class PermanentError(Exception):
    """Retrying will not help (bad input, unsupported media): dead-letter it."""


class TransientError(Exception):
    """Retrying may help (timeout, 5xx, 429); `retry_after` is the server's hint, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
