"""``session.sdk`` per call vs ``session.client``, printed as ratios measured in one run.

Against the Looker stand-in on loopback, in its own process (``bench_core.start_stand_in``):

    python benchmarks/bench_sdk.py [--requests 500] [--rounds 7]

1. ``GET /api/4.0/user``: ``session.client.get("user")``; ``session.sdk`` raw (``sdk.get("/user",
   str)``: transport and looker_sdk's call path, no model) and typed (``sdk.me()``: plus cattrs
   building a ``User``, about 30 ms, so a twentieth as many calls); the same two on looker_sdk's
   stock ``RequestsTransport`` with the same token. Goal: raw sdk <= 1.05x session.client.
2. The same without a network (``httpx.MockTransport`` under both): only what each layer costs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable

import httpx
from bench_core import GUID, REDIRECT, per_call, start_stand_in
from looker_sdk.rtl import auth_session, requests_transport, serialize, transport
from looker_sdk.sdk.api40.methods import Looker40SDK

from looker_nb_auth import LookerSession
from looker_nb_auth.client.auth import LookerAuth
from looker_nb_auth.client.sdk import SessionSettings, make_sdk
from looker_nb_auth.fake_looker import authorize_in_browser


class _FixedToken(auth_session.AuthSession):
    """looker_sdk's auth handing over one token, for the stock transport."""

    def __init__(self, settings: SessionSettings, sdk_transport: transport.Transport, bearer: str):
        super().__init__(settings, sdk_transport, serialize.deserialize40, "4.0")
        self._header = {"Authorization": f"Bearer {bearer}"}

    def authenticate(self, transport_options: transport.TransportOptions) -> dict[str, str]:
        return self._header


def stock_sdk(session: LookerSession) -> Looker40SDK:
    """``Looker40SDK`` on looker_sdk's own ``RequestsTransport``, with the session's token."""
    token = session._tokens.token
    assert token is not None
    settings = SessionSettings(session.settings)
    stock = requests_transport.RequestsTransport.configure(settings)
    auth = _FixedToken(settings, stock, token.access_token.reveal())
    return Looker40SDK(auth, serialize.deserialize40, serialize.serialize40, stock, "4.0")


def measure(calls: dict[str, tuple[Callable[[], object], int]], rounds: int) -> dict[str, float]:
    for fn, _ in calls.values():  # warm up connections and caches
        for _ in range(20):
            fn()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):  # interleaved rounds, so drift hits all alike
        for name, (fn, count) in calls.items():
            times[name].append(per_call(fn, count))
    return {name: statistics.median(values) for name, values in times.items()}


def report(medians: dict[str, float], base: str) -> None:
    for name, value in medians.items():
        ratio = value / medians[base]
        print(f"   {name:<30} {value * 1e6:9.1f} us/call   {ratio:6.3f}x {base}")


def bench_loopback(session: LookerSession, n: int, rounds: int) -> None:
    client, sdk, stock = session.client, session.sdk, stock_sdk(session)
    typed = max(n // 20, 1)  # cattrs building a User costs far more than the I/O
    calls: dict[str, tuple[Callable[[], object], int]] = {
        "session.client": (lambda: client.get("user"), n),
        "session.sdk raw": (lambda: sdk.get("/user", str), n),
        "session.sdk.me()": (sdk.me, typed),
        "stock RequestsTransport raw": (lambda: stock.get("/user", str), n),
        "stock RequestsTransport .me()": (stock.me, typed),
    }
    medians = measure(calls, rounds)
    print(f"\n1. GET /api/4.0/user on loopback, {n} calls ({typed} typed) x {rounds} rounds")
    report(medians, "session.client")
    raw = medians["session.sdk raw"] / medians["session.client"]
    stock_raw = medians["stock RequestsTransport raw"] / medians["session.sdk raw"]
    me = medians["session.sdk.me()"] / medians["stock RequestsTransport .me()"]
    print(f"   session.sdk raw / session.client      = {raw:.3f}x (goal <= 1.05x)")
    print(f"   stock raw / session.sdk raw           = {stock_raw:.3f}x")
    print(f"   session.sdk.me() / stock .me()        = {me:.3f}x")


def bench_client_side(session: LookerSession, n: int, rounds: int) -> None:
    """No network: a client on ``httpx.MockTransport`` with the session's ``LookerAuth``."""
    user = {"id": "1", "display_name": "Ada Lovelace", "email": "ada@example.com"}
    mock = httpx.MockTransport(lambda request: httpx.Response(200, json=user))
    client = httpx.Client(
        transport=mock, auth=LookerAuth(session._tokens), base_url=session.settings.api_url
    )
    sdk = make_sdk(lambda: client, session._tokens, lambda: None)
    calls: dict[str, tuple[Callable[[], object], int]] = {
        "httpx client + LookerAuth": (lambda: client.get("user"), n),
        "sdk raw on that client": (lambda: sdk.get("/user", str), n),
    }
    medians = measure(calls, rounds)
    client.close()
    print(f"\n2. Client side only (httpx.MockTransport), {n} calls x {rounds} rounds")
    report(medians, "httpx client + LookerAuth")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    process, api_url = start_stand_in()
    try:
        with LookerSession(base_url=api_url, client_guid=GUID, redirect_uri=REDIRECT) as session:
            session.complete_login(authorize_in_browser(session.start_login().url))
            print(f"Looker stand-in (own process) on {api_url}; Python {sys.version.split()[0]}")
            bench_loopback(session, args.requests, args.rounds)
            bench_client_side(session, args.requests * 4, args.rounds)
    finally:
        process.terminate()
        process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
