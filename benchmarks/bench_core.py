"""Core benchmarks, printed as ratios measured in one run against the Looker stand-in on loopback.

The stand-in runs in its own process (``looker-nb-auth fake-looker``) so it does not share a GIL
with the client being measured.

    python benchmarks/bench_core.py [--requests 2000] [--rounds 5]

1. Per-request cost of ``session.client`` vs a bare ``httpx.Client`` with a fixed bearer header
   (goal <= 1.05x). ``session.sdk`` against both is in ``bench_sdk.py``.
2. ``import looker_nb_auth`` vs ``import anywidget`` in fresh interpreters (goal <= 1.2x).
3. Refresh storm: 200 threads + 200 asyncio tasks on an expired token, wall time until all hold
   the new token vs one refresh round trip (and the number of refresh requests: one per storm).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

import httpx

from looker_nb_auth import LookerSession, Secret
from looker_nb_auth.fake_looker import ManualClock, authorize_in_browser

GUID = "looker-nb-auth-bench"
REDIRECT = "http://127.0.0.1:8888/looker-nb-auth/callback"


def per_call(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def start_stand_in(extra: Sequence[str] = ()) -> tuple[subprocess.Popen[str], str]:
    """The stand-in in its own process, and its API URL; ``extra``: more ``fake-looker`` flags
    (``--big-rows N``, ...)."""
    command = [sys.executable, "-m", "looker_nb_auth", "fake-looker", "--port", "0"]
    command += ["--client-guid", GUID, "--redirect-uri", REDIRECT, *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"API (\S+)", line)
    if match is None:
        process.terminate()
        raise SystemExit(f"the stand-in did not start: {line!r}")
    return process, match.group(1)


def bench_requests(session: LookerSession, api_url: str, n: int, rounds: int) -> None:
    token = session._tokens.token
    assert token is not None
    bare = httpx.Client(
        base_url=f"{api_url}/api/4.0/",
        headers={"Authorization": f"Bearer {token.access_token.reveal()}"},
    )
    ours, plain = session.client, bare
    for client in (ours, plain):  # warm up connections
        client.get("user").raise_for_status()
    calls: dict[str, tuple[Callable[[], object], int]] = {
        "session.client": (lambda: ours.get("user"), n),
        "bare httpx": (lambda: plain.get("user"), n),
    }
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):  # interleaved rounds, so drift hits all alike
        for name, (fn, count) in calls.items():
            times[name].append(per_call(fn, count))
    bare.close()
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["bare httpx"]
    print(f"\n1. Per-request cost, GET /api/4.0/user, {n} requests x {rounds} rounds (median)")
    for name, value in medians.items():
        print(f"   {name:<17} {value * 1e6:9.1f} us/request   {value / base:6.3f}x bare httpx")
    ours_ratio = medians["session.client"] / base
    print(f"   session.client / bare httpx = {ours_ratio:.3f}x (goal <= 1.05x)")
    bench_client_side(session, n * 10, rounds)


def bench_client_side(session: LookerSession, n: int, rounds: int) -> None:
    """The same comparison with no network at all: only what the client itself costs."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    ours = httpx.Client(transport=transport, auth=session._auth, base_url="http://looker/")
    bare = httpx.Client(
        transport=transport, headers={"Authorization": "Bearer x"}, base_url="http://looker/"
    )
    times: dict[str, list[float]] = {"ours": [], "bare": []}
    for _ in range(rounds):
        times["ours"].append(per_call(lambda: ours.get("user"), n))
        times["bare"].append(per_call(lambda: bare.get("user"), n))
    ours_t, bare_t = statistics.median(times["ours"]), statistics.median(times["bare"])
    print(
        f"   client side only (httpx.MockTransport): LookerAuth {ours_t * 1e6:.1f} us vs fixed "
        f"header {bare_t * 1e6:.1f} us = {ours_t / bare_t:.3f}x"
    )


def import_time(module: str, runs: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    samples = [
        float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(runs)
    ]
    return statistics.median(samples)


def bench_imports(runs: int) -> None:
    ours, anywidget = import_time("looker_nb_auth", runs), import_time("anywidget", runs)
    print(f"\n2. Import time in a fresh interpreter (median of {runs})")
    print(f"   import looker_nb_auth {ours * 1e3:7.1f} ms")
    print(f"   import anywidget      {anywidget * 1e3:7.1f} ms")
    print(f"   ratio = {ours / anywidget:.2f}x (goal <= 1.2x)")


async def token_storm(session: LookerSession) -> float:
    """Wall time until 200 threads + 200 asyncio tasks all hold a usable access token."""
    tokens = session._tokens
    barrier = threading.Barrier(201)
    got: list[Secret] = []

    def thread_call() -> None:
        barrier.wait()
        got.append(tokens.access_token())

    threads = [threading.Thread(target=thread_call) for _ in range(200)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    got.extend(await asyncio.gather(*(tokens.aaccess_token() for _ in range(200))))
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    assert len(got) == 400 and len(set(got)) == 1, "every caller must get the same token"
    return elapsed


async def bench_storm(session: LookerSession, clock: ManualClock) -> None:
    singles = []
    for _ in range(20):
        current = session._tokens.token
        assert current is not None
        start = time.perf_counter()
        session._tokens.access_token(stale=current.access_token)
        singles.append(time.perf_counter() - start)
    single = statistics.median(singles)
    refreshes = 0

    def count(token: object) -> None:
        nonlocal refreshes
        refreshes += 1

    persist, session._tokens._on_refresh = session._tokens._on_refresh, count
    fresh = statistics.median([await token_storm(session) for _ in range(5)])  # no refresh due
    storms = []
    for _ in range(5):
        clock.advance(3600)  # the client's clock: its token is now expired
        storms.append(await token_storm(session))
    session._tokens._on_refresh = persist
    storm = statistics.median(storms)
    print("\n3. Refresh storm: 200 threads + 200 asyncio tasks need a token when it has expired")
    print(f"   one refresh round trip (median of 20)         {single * 1e3:7.2f} ms")
    print(f"   all 400 callers hold a still-valid token       {fresh * 1e3:7.2f} ms (baseline)")
    print(f"   all 400 callers hold the new token (median 5)  {storm * 1e3:7.2f} ms")
    print(f"   refresh requests sent: {refreshes} for 5 storms (must be 5)")
    print(
        f"   storm / one refresh = {storm / single:.2f}x; (storm - baseline) / one refresh = "
        f"{(storm - fresh) / single:.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--import-runs", type=int, default=9)
    args = parser.parse_args()
    clock = ManualClock()
    process, api_url = start_stand_in()
    try:
        with LookerSession(base_url=api_url, client_guid=GUID, redirect_uri=REDIRECT) as session:
            session._tokens.clock = clock.now  # expiry driven by hand for the refresh storm
            session.complete_login(authorize_in_browser(session.start_login().url))
            print(f"Looker stand-in (own process) on {api_url}; Python {sys.version.split()[0]}")
            bench_requests(session, api_url, args.requests, args.rounds)
            bench_imports(args.import_runs)
            asyncio.run(bench_storm(session, clock))
    finally:
        process.terminate()
        process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
