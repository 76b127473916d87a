"""A login whose kernel restarted or stopped cannot finish: the kernel's process held its PKCE
verifier. The callback page says so and stays open, instead of taking the code and closing as
if the login had worked. A real ``jupyter server`` process; its kernels are restarted and shut
down through its REST API, as JupyterLab's Kernel menu does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from jupyter_process import JupyterServer, Kernel, jupyter_server

from looker_nb_auth._callback_page import KERNEL_GONE, LOGGED_IN
from looker_nb_auth._errors import UnknownState
from looker_nb_auth._protocol import SECRET_ENV, SECRET_HEADER
from looker_nb_auth.oauth.state import new_state
from looker_nb_auth.server.pending import ResultStore

from .helpers import ManualClock

#: The page's script tells the widget and closes the window only with this (js/callback.ts).
CLOSES = 'data-channel="looker-nb-auth"'
KERNEL = "4f1c2b1e-0000-4000-8000-00000000000a"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[JupyterServer]:
    with jupyter_server(tmp_path, {}, {"envdump": Kernel()}) as process:
        yield process


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=30.0) as client:
        yield client


class RunningKernel:
    """A kernel the server started, as the test sees it: its id and its secret."""

    def __init__(self, server: JupyterServer, http: httpx.Client) -> None:
        self.server, self.http = server, http
        self.secret: str = server.run("envdump")[SECRET_ENV]
        self.id = self.secret.split(".", 1)[0]  # the secret names its kernel

    def register(self, state: str) -> int:
        url = f"{self.server.url}looker-nb-auth/pending"
        response = self.http.post(url, json={"state": state}, headers={SECRET_HEADER: self.secret})
        return response.status_code

    def pickup(self, state: str) -> httpx.Response:
        url = f"{self.server.url}looker-nb-auth/pickup"
        body = {"state": state, "wait": 0}
        return self.http.post(url, json=body, headers={SECRET_HEADER: self.secret})

    def end(self, how: str) -> None:
        """``restart`` or ``shutdown``, as the user does from the notebook's Kernel menu."""
        url = f"{self.server.url}api/kernels/{self.id}"
        user = {"Authorization": f"token {self.server.token}"}
        if how == "restart":
            response = self.http.post(f"{url}/restart", headers=user)
            assert response.status_code == 200, response.text
        else:
            response = self.http.delete(url, headers=user)
            assert response.status_code == 204, response.text


def callback(server: JupyterServer, http: httpx.Client, state: str) -> httpx.Response:
    """Looker's redirect, followed in the user's (logged-in) browser."""
    return http.get(
        f"{server.url}looker-nb-auth/callback",
        params={"code": "the-code", "state": state},
        headers={"Authorization": f"token {server.token}"},
    )


@pytest.mark.parametrize("how", ["restart", "shutdown"])
def test_a_login_whose_kernel_ended_says_it_cannot_finish_and_stays_open(
    server: JupyterServer, http: httpx.Client, how: str
) -> None:
    kernel = RunningKernel(server, http)
    state = new_state()
    assert kernel.register(state) == 201
    kernel.end(how)
    page = callback(server, http, state)
    assert page.status_code == 410
    assert f"<h1>{KERNEL_GONE}</h1>" in page.text
    assert CLOSES not in page.text  # it neither tells a widget nor closes itself
    assert "the-code" not in page.text


def test_a_restarted_kernel_cannot_pick_up_its_old_login_but_starts_new_ones(
    server: JupyterServer, http: httpx.Client
) -> None:
    kernel = RunningKernel(server, http)
    old = new_state()
    assert kernel.register(old) == 201
    kernel.end("restart")
    callback(server, http, old)
    # Same id, same secret after a restart: the code was not kept for it.
    assert kernel.pickup(old).status_code == 404
    new = new_state()
    assert kernel.register(new) == 201
    page = callback(server, http, new)
    assert (page.status_code, LOGGED_IN in page.text, CLOSES in page.text) == (200, True, True)
    picked = kernel.pickup(new)
    assert (picked.status_code, picked.json()) == (200, {"code": "the-code"})


def test_another_kernels_login_is_unaffected_by_a_restart(
    server: JupyterServer, http: httpx.Client
) -> None:
    restarted, other = RunningKernel(server, http), RunningKernel(server, http)
    mine, theirs = new_state(), new_state()
    assert restarted.register(mine) == 201
    assert other.register(theirs) == 201
    restarted.end("restart")
    page = callback(server, http, theirs)
    assert page.status_code == 200
    assert LOGGED_IN in page.text and CLOSES in page.text
    picked = other.pickup(theirs)
    assert (picked.status_code, picked.json()) == (200, {"code": "the-code"})


# -- the store's side ---------------------------------------------------------------------------


async def test_an_answer_not_yet_picked_up_dies_with_its_kernel() -> None:
    store = ResultStore()
    state = new_state()
    store.register(state, KERNEL)
    store.result(state, {"code": "the-code"})
    assert store.kernel_ended(KERNEL) == 1
    assert store.is_gone(state)
    with pytest.raises(UnknownState):
        await store.wait(state, 0, KERNEL)


def test_ended_logins_are_remembered_until_they_would_have_expired() -> None:
    clock = ManualClock()
    store = ResultStore(ttl=60.0, clock=clock)
    state = new_state()
    store.register(state, KERNEL)
    store.kernel_ended(KERNEL)
    clock.advance(59.0)
    assert store.is_gone(state)
    clock.advance(2.0)
    assert not store.is_gone(state)  # now just unknown, like any expired login


def test_the_memory_of_ended_logins_stays_bounded() -> None:
    store = ResultStore(max_pending=3, max_per_owner=3)
    states = []
    for _ in range(5):  # a kernel restarted again and again, with logins pending each time
        for _ in range(3):
            states.append(new_state())
            store.register(states[-1], KERNEL)
        store.kernel_ended(KERNEL)
    assert [store.is_gone(state) for state in states] == [False] * 12 + [True] * 3
