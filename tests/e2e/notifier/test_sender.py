"""The Sender on the guarded transport, against real sockets on loopback: what goes out on
the wire, what is kept of the reply, and the timeout it sends with."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable

import pytest

from services.notifier.channels import BODY_KEPT, USER_AGENT, Sender
from services.runtime.ssrf import guarded_transport
from tests.e2e.notifier.receivers import Receiver, Reply

pytestmark = pytest.mark.e2e


@pytest.fixture
async def sender() -> AsyncIterator[Sender]:
    transport = guarded_transport(allow_private=True)
    yield Sender(transport, timeout_s=0.5, allow_private=True)
    await transport.aclose()


async def test_a_signed_post_carries_our_headers_and_keeps_the_reply_short(
    sender: Sender, receivers: Callable[..., Receiver]
) -> None:
    hook = receivers(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").then(Reply(500, "x" * 5000))
    answer = await sender.send(
        "webhook", hook.url, {"n": 1}, message_id="msg_1", secret=hook.secret
    )
    assert (answer.status_code, answer.body, answer.error) == (500, "x" * BODY_KEPT, None)
    (seen,) = hook.requests
    assert seen.headers["user-agent"] == USER_AGENT
    assert seen.headers["webhook-id"] == "msg_1" and seen.json() == {"n": 1}


async def test_a_receiver_that_never_answers_times_out_into_an_error(sender: Sender) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # connects by backlog, never replies
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        answer = await sender.send("slack", url, {}, message_id="m", secret=None)
    assert answer.status_code is None and answer.error == "ReadTimeout"
