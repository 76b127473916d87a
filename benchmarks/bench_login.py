"""Login latency: from the callback request reaching Jupyter to the kernel holding a token.

    python benchmarks/bench_login.py [--logins 20]

A real Jupyter server with the looker-nb-auth extension runs in this process (its own thread and
event loop), so this process can act as the kernel: it inherits the extension's exported
``LOOKER_NB_AUTH_SERVER_URL`` / ``LOOKER_NB_AUTH_SECRET`` exactly as a kernel does. For each
login the kernel side parks on the pickup long-poll; the browser side (the stand-in's robot)
logs in at Looker and then sends the callback to Jupyter. Printed: the pickup latency (callback
sent -> kernel holds the code, the part the extension adds), the /api/token round trip, and the
total (callback sent -> kernel holds a valid token), as p50/p95 over the run. Goal: the added
time stays under 20 ms.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time

import httpx
from jupyter_server.serverapp import ServerApp

from looker_nb_auth import LookerSession, Secret
from looker_nb_auth.client.pickup import ExtensionClient
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser
from looker_nb_auth.oauth.token import parse_token_response, redeem_request

GUID = "looker-nb-auth-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_jupyter(port: int, token: str, looker: FakeLooker, redirect: str) -> ServerApp:
    app = ServerApp()
    app.initialize(
        argv=[
            "--ip=127.0.0.1", f"--port={port}", "--port-retries=0", "--no-browser",
            f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={tempfile.gettempdir()}", "--ServerApp.log_level=WARN",
            f"--LookerNbAuth.base_url={looker.api_url}", f"--LookerNbAuth.client_guid={GUID}",
            f"--LookerNbAuth.redirect_uri={redirect}",
            "--ServerApp.jpserver_extensions={'looker_nb_auth': True}",
        ]
    )  # fmt: skip
    return app


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(logins: int, looker: FakeLooker, token: str, redirect: str) -> list[list[float]]:
    """The kernel's and the browser's side of ``logins`` logins; runs beside the server."""
    deadline = time.monotonic() + 30
    while "LOOKER_NB_AUTH_SECRET" not in os.environ and time.monotonic() < deadline:
        time.sleep(0.05)  # the server exports its environment once its port is bound
    extension = ExtensionClient.from_environment()
    assert extension is not None, "the extension did not export its environment"
    browser = httpx.Client(trust_env=False, headers={"Authorization": f"token {token}"})
    session = LookerSession(base_url=looker.api_url, client_guid=GUID, redirect_uri=redirect)
    pickup, redeem, total = [], [], []
    for _ in range(logins + 2):  # two warm-up logins, not counted
        request = session.start_login()
        extension.register(request.state)
        marks: dict[str, float] = {}

        def kernel(
            state: str = request.state,
            verifier: Secret = request.code_verifier,
            marks: dict[str, float] = marks,
        ) -> None:
            result = extension.wait(state, timeout=30)
            marks["picked"] = time.perf_counter()
            assert result is not None and result.code is not None
            response = session._tokens.send(redeem_request(session.settings, result.code, verifier))
            parse_token_response(
                response, grant="authorization_code", settings=session.settings,
                previous_refresh_token=None, now=time.monotonic(),
            )  # fmt: skip
            marks["token"] = time.perf_counter()

        waiter = threading.Thread(target=kernel)
        waiter.start()
        callback = authorize_in_browser(request.url)  # the person at Looker
        marks["sent"] = time.perf_counter()
        browser.get(callback).raise_for_status()  # the popup lands on the callback
        waiter.join()
        pickup.append(marks["picked"] - marks["sent"])
        redeem.append(marks["token"] - marks["picked"])
        total.append(marks["token"] - marks["sent"])
    browser.close()
    session.close()
    extension.close()
    return [pickup[2:], redeem[2:], total[2:]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    args = parser.parse_args()
    port, token = free_port(), secrets.token_urlsafe(16)
    redirect = f"http://127.0.0.1:{port}/looker-nb-auth/callback"
    results: list[list[float]] = []
    with FakeLooker() as looker:
        looker.register_app(GUID, redirect)
        app = make_jupyter(port, token, looker, redirect)

        def run() -> None:
            try:
                results.extend(measure(args.logins, looker, token, redirect))
            finally:
                app.io_loop.add_callback(app.io_loop.stop)

        threading.Thread(target=run, name="kernel-and-browser").start()
        app.start()  # the server needs the main thread (signal handlers)
    pickup, redeem, total = results
    print(f"Login latency over {len(total)} logins (Jupyter server + stand-in on loopback)")
    for name, values in (
        ("callback -> kernel has the code (added)", pickup),
        ("/api/token round trip", redeem),
        ("callback -> kernel holds a valid token", total),
    ):
        ms = [v * 1e3 for v in values]
        print(f"   {name:<42} p50 {pct(ms, 50):6.2f} ms   p95 {pct(ms, 95):6.2f} ms")
    print(
        f"   added time p95 {pct(pickup, 95) * 1e3:.2f} ms (goal < 20 ms: long-poll, no interval)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
