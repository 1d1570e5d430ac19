"""A webhook receiver that is down for its first few POSTs: the webhook-down scenario's fault."""

from __future__ import annotations

import threading

from services.cli.receiver import WebhookReceiver


class DownReceiver(WebhookReceiver):
    """Answers 503 to its first `refusals` POSTs, then `status` (200) to every one after.

    It counts the refusals itself, as each POST comes in, so the outage lasts that many
    attempts however fast or slow the notifier makes them. A harness that watched the outbox
    and set `status` back to 200 once it saw a few failures let more in while it looked: under
    load, enough to disable the endpoint.
    """

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.refused = 0
        self._counting = threading.Lock()
        super().__init__()

    @property
    def status(self) -> int:
        """The answer to the POST coming in now (WebhookReceiver asks once per POST)."""
        with self._counting:
            if self.refused < self.refusals:
                self.refused += 1
                return 503
        return self._up

    @status.setter
    def status(self, value: int) -> None:
        """What it answers once the refusals are used up."""
        self._up = value
