"""One kernel's flood of logins refuses only that kernel: a real ``jupyter server`` process gives
each kernel it starts a secret of its own, and bounds the logins pending per kernel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from jupyter_process import JupyterServer, Kernel, jupyter_server

from looker_nb_auth._errors import ReceiverUnavailable
from looker_nb_auth._protocol import SECRET_ENV, SECRET_HEADER
from looker_nb_auth.client.pickup import ExtensionClient
from looker_nb_auth.oauth.state import new_state

PER_KERNEL = 4
TOTAL = 12


@pytest.fixture
def server(tmp_path: Path) -> Iterator[JupyterServer]:
    config = [
        f"--LookerNbAuth.max_pending={TOTAL}",
        f"--LookerNbAuth.max_pending_per_kernel={PER_KERNEL}",
    ]
    with jupyter_server(tmp_path, {}, {"envdump": Kernel()}, extra_args=config) as process:
        yield process


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=30.0) as client:
        yield client


def register(http: httpx.Client, server: JupyterServer, secret: str, state: str) -> httpx.Response:
    return http.post(
        f"{server.url}looker-nb-auth/pending",
        json={"state": state},
        headers={SECRET_HEADER: secret},
    )


def test_one_kernels_flood_refuses_only_that_kernel(
    server: JupyterServer, http: httpx.Client
) -> None:
    flooder = server.run("envdump")[SECRET_ENV]
    other = server.run("envdump")[SECRET_ENV]
    answers = [register(http, server, flooder, new_state()).status_code for _ in range(TOTAL + 1)]
    assert 429 in answers  # the flood was stopped, by the kernel's bound or the server's
    # The other kernel still starts a login, and picks its answer up.
    state = new_state()
    assert register(http, server, other, state).status_code == 201
    callback = http.get(
        f"{server.url}looker-nb-auth/callback",
        params={"code": "the-code", "state": state},
        headers={"Authorization": f"token {server.token}"},  # the user's browser
    )
    assert callback.status_code == 200
    picked = http.post(
        f"{server.url}looker-nb-auth/pickup",
        json={"state": state, "wait": 0},
        headers={SECRET_HEADER: other},
    )
    assert (picked.status_code, picked.json()) == (200, {"code": "the-code"})


def test_the_flooding_kernel_is_told_why_in_a_sentence(server: JupyterServer) -> None:
    flooder = ExtensionClient(server.url, server.run("envdump")[SECRET_ENV])
    try:
        for _ in range(PER_KERNEL):
            flooder.register(new_state())
        with pytest.raises(ReceiverUnavailable) as refused:
            flooder.register(new_state())
    finally:
        flooder.close()
    message = str(refused.value)
    assert f"This kernel already has {PER_KERNEL} Looker logins pending" in message
    assert message.endswith(".")


def test_a_kernel_cannot_pick_up_or_drop_another_kernels_login(
    server: JupyterServer, http: httpx.Client
) -> None:
    mine, theirs = (server.run("envdump")[SECRET_ENV] for _ in range(2))
    state = new_state()
    assert register(http, server, mine, state).status_code == 201
    url = f"{server.url}looker-nb-auth/"
    taken = http.post(
        url + "pickup", json={"state": state, "wait": 0}, headers={SECRET_HEADER: theirs}
    )
    assert taken.status_code == 404
    http.request("DELETE", url + "pending", json={"state": state}, headers={SECRET_HEADER: theirs})
    # still pending for its own kernel: a pickup parks (204) rather than finding it gone (404)
    own = http.post(url + "pickup", json={"state": state, "wait": 0}, headers={SECRET_HEADER: mine})
    assert own.status_code == 204
