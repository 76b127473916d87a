"""bench_faults.py's "slow token endpoint" scenario: every refresh answers 7 s late.

A kernel (a LookerSession in this process, calling ``session.client`` from 4 threads) and cron
jobs (a new process every ``--cron-every`` seconds, each ``LookerSession.from_cache`` and one API
call) share one FileCache. Access tokens are expired at Looker every ``EXPIRE_EVERY`` seconds, so
the kernel refreshes while cron jobs hold the cache's lock across their own 7 s refresh: longer
than the lock's 5 s give-up time for saves (``LOCK_TIMEOUT``), which a refresh used to give up
after too.
Printed: logins lost (goal 0), cron runs by outcome, the kernel's calls and its longest call,
refresh requests, and whether the cache ended holding a live refresh token.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from looker_nb_auth import FileCache, LoginRequired, LookerAuthError, LookerSession
from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig, authorize_in_browser

LATE = 7.0  # seconds the token endpoint takes to answer
EXPIRE_EVERY = 30.0  # seconds between forced expiries of every access token at Looker

CRON = textwrap.dedent(
    """
    import json, sys
    from looker_nb_auth import FileCache, LookerSession

    base_url, path, guid, redirect = sys.argv[1:5]
    try:
        with LookerSession.from_cache(
            base_url, client_guid=guid, redirect_uri=redirect, cache=FileCache(path)
        ) as session:
            status = session.client.get("user").status_code
            print(json.dumps("ok" if status == 200 else f"HTTP {status}"))
    except Exception as exc:
        print(json.dumps(type(exc).__name__))
    """
)


def run(guid: str, redirect: str, crons: int, every: float) -> dict[str, Any]:
    """The scenario; its figures."""
    import json

    config = FakeLookerConfig()
    with tempfile.TemporaryDirectory() as folder, FakeLooker(config) as looker:
        looker.register_app(guid, redirect)
        path = str(Path(folder) / "tokens.json")
        kernel = LookerSession(
            looker.api_url, client_guid=guid, redirect_uri=redirect, cache=FileCache(path)
        )
        kernel.complete_login(authorize_in_browser(kernel.start_login().url))
        user_id = kernel.user.id
        looker.reset_counters()
        config.token_latency = LATE
        lost: list[str] = []
        kernel.on_logout.append(
            lambda reason: lost.append("kernel") if isinstance(reason, LoginRequired) else None
        )
        calls: Counter[str] = Counter()
        slowest = [0.0]
        stop = threading.Event()
        tally = threading.Lock()

        def kernel_loop() -> None:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status = kernel.client.get("user").status_code
                    outcome = "ok" if status == 200 else f"HTTP {status}"
                except LookerAuthError as exc:
                    outcome = type(exc).__name__
                with tally:
                    calls[outcome] += 1
                    slowest[0] = max(slowest[0], time.monotonic() - started)
                stop.wait(0.5)  # a notebook's pace, not a load test

        def expire_loop() -> None:
            while not stop.wait(EXPIRE_EVERY):
                looker.expire_access_tokens()

        threads = [threading.Thread(target=kernel_loop) for _ in range(4)]
        threads.append(threading.Thread(target=expire_loop))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        command = [sys.executable, "-c", CRON, looker.api_url, path, guid, redirect]
        runs = []
        for _ in range(crons):
            runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
            time.sleep(every)  # the cron schedule itself
        outcomes = Counter(json.loads(run.communicate()[0] or '"no answer"') for run in runs)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        refreshes = looker.token_requests["refresh_token"]
        kernel_logged_in = kernel.is_logged_in
        kernel.close()
        config.token_latency = 0.0
        with LookerSession(
            looker.api_url, client_guid=guid, redirect_uri=redirect, cache=FileCache(path)
        ) as later:
            cache_live = later.resume()
        live_at_looker = looker.live_refresh_tokens(user_id)
    return {
        "elapsed": elapsed,
        "lost": len(lost) + outcomes["LoginRequired"],
        "crons": outcomes,
        "calls": calls,
        "slowest": slowest[0],
        "refreshes": refreshes,
        "kernel_logged_in": kernel_logged_in,
        "cache_live": cache_live,
        "live_at_looker": live_at_looker,
    }


def report(figures: dict[str, Any], crons: int) -> None:
    crons_said = ", ".join(f"{n} {what}" for what, n in figures["crons"].most_common())
    calls_said = ", ".join(f"{n} {what}" for what, n in figures["calls"].most_common())
    print(
        f"\nslow token endpoint ({LATE:g} s per refresh; a kernel and {crons} cron runs sharing "
        f"a FileCache, access tokens expired every {EXPIRE_EVERY:g} s), {figures['elapsed']:.0f} s:"
    )
    print(f"  logins lost: {figures['lost']} (goal 0)")
    print(f"  cron runs: {crons_said}")
    print(f"  kernel calls: {calls_said}; longest {figures['slowest']:.1f} s")
    print(f"  refresh requests: {figures['refreshes']}")
    print(f"  kernel logged in at the end: {figures['kernel_logged_in']}")
    print(
        f"  cache ended holding a live refresh token: {figures['cache_live']} "
        f"(refresh tokens Looker honoured at the end: {figures['live_at_looker']})"
    )
