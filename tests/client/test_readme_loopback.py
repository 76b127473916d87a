"""The README's Security section on the loopback listener: it drops a connection that stays idle
for 10 s, while the login it waits for is still pending."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from support import free_port

from looker_nb_auth.client.loopback import LoopbackReceiver
from looker_nb_auth.oauth.state import new_state


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackReceiver]:
    monkeypatch.delenv("LOOKER_NB_AUTH_SERVER_URL", raising=False)
    monkeypatch.delenv("LOOKER_NB_AUTH_SECRET", raising=False)
    receiver = LoopbackReceiver(f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback")
    yield receiver
    receiver.close()


def test_an_idle_connection_is_dropped_after_10_s_while_the_login_is_pending(
    receiver: LoopbackReceiver,
) -> None:
    """A bound, not a timing: never before 10 s (the idle limit), and well before 40 s."""
    receiver.register(new_state())
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=40) as idle:
        opened = time.monotonic()
        assert idle.recv(1) == b""  # closed by the listener, having sent nothing
        waited = time.monotonic() - opened
    assert 9.5 <= waited < 40
