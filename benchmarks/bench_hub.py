"""The hub service at scale: a real JupyterHub, ``looker-nb-auth hub-service`` as its managed
service ``looker`` and the Looker stand-in, all on loopback (tests/hub/service_hub.py's harness,
the one the service's tests run on).

    python benchmarks/bench_hub.py [--kernels 1000] [--users 50] [--requests 5000]
                                   [--concurrency 50] [--storm 100]

``--kernels`` kernels, each with a token of its own (as a server's ``JUPYTERHUB_API_TOKEN``,
scope ``access:services!service=looker``), spread over ``--users`` hub users logged in to
Looker through the service. A kernel asks ``GET api/token`` once per access token lifetime, so
1,000 kernels need 1,000 / 3,600 s ≈ 0.3 answers a second; measured here is what the service
answers with ``--concurrency`` clients asking at once:

- cold: each kernel's first call (the service asks the hub who the token is, once per token);
- warm, through the hub's proxy (what a spawner sets by default) and past it (the service's own
  port): ``--requests`` calls over every kernel's token, throughput and p50/p99 latency;
- refresh storm: ``--storm`` kernels of one user ask at once after the user's access token
  expired: the refreshes Looker sees (the service's single flight: 1);
- refused storm: ``--storm`` kernels of one user say at once that Looker refused the token
  (``?refused=``): the refreshes Looker sees (1).

Printed: a table and the ratios of one run; nothing is asserted on timings. The client is
this Python process (httpx, asyncio): on a busy machine it is part of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hub.service_hub import SERVICE_SCOPE, ServiceHub, service_hub

EMAILS = ("ada@example.com", "grace@example.com")  # the stand-in's users


@dataclass
class Run:
    """One phase: every call's latency (seconds), its statuses and its wall time."""

    name: str
    latencies: list[float]
    statuses: list[int]
    tokens: set[str]
    wall: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def pct(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000


async def drive(
    name: str,
    base_url: str,
    tokens: list[str],
    calls: int,
    concurrency: int,
    params: dict[str, str] | None = None,
) -> Run:
    """``calls`` GET api/token, cycling through ``tokens``, ``concurrency`` at a time."""
    latencies: list[float] = []
    statuses: list[int] = []
    answered: set[str] = set()
    order = itertools.islice(itertools.cycle(tokens), calls)
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=120.0, limits=limits, trust_env=False
    ) as client:

        async def one(token: str) -> None:
            async with gate:
                started = time.perf_counter()
                response = await client.get(
                    "api/token", params=params, headers={"Authorization": f"token {token}"}
                )
                latencies.append(time.perf_counter() - started)
            statuses.append(response.status_code)
            if response.status_code == 200:
                answered.add(response.json()["access_token"])

        started = time.perf_counter()
        await asyncio.gather(*(one(token) for token in order))
        wall = time.perf_counter() - started
    return Run(name, latencies, statuses, answered, wall)


def make_tokens(stack: ServiceHub, users: list[str], kernels: int) -> dict[str, list[str]]:
    """``kernels`` server-like tokens, round robin over ``users``."""
    made: dict[str, list[str]] = {user: [] for user in users}
    with stack.hub.api(timeout=60.0) as api:
        for i in range(kernels):
            user = users[i % len(users)]
            response = api.post(
                f"hub/api/users/{user}/tokens",
                json={"scopes": [SERVICE_SCOPE], "note": f"bench kernel {i}"},
            )
            made[user].append(response.raise_for_status().json()["token"])
    return made


def expire_in_the_database(stack: ServiceHub, user: str) -> None:
    """The stored access token was obtained two hours ago: the next call renews it."""
    with sqlite3.connect(stack.db_file) as db:
        db.execute(
            "UPDATE looker_nb_auth_logins SET obtained_at = obtained_at - 7200 WHERE hub_user = ?",
            (user,),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--storm", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home, service_hub(Path(home)) as stack:
        started = time.perf_counter()
        users = [f"kernel-user-{i}" for i in range(args.users)]
        for i, user in enumerate(users):
            stack.log_in(user, EMAILS[i % len(EMAILS)])
        logged_in = time.perf_counter() - started
        started = time.perf_counter()
        by_user = make_tokens(stack, users, args.kernels)
        made = time.perf_counter() - started
        tokens = [token for user_tokens in by_user.values() for token in user_tokens]
        print(
            f"setup: {args.users} hub users logged in to Looker through the service in "
            f"{logged_in:.1f} s; {len(tokens)} kernels' tokens made in {made:.1f} s"
        )

        c, proxied, own = args.concurrency, stack.service_url, stack.direct_service_url
        cold = asyncio.run(drive("cold (first call per token)", proxied, tokens, len(tokens), c))
        warm = asyncio.run(drive("warm, through the proxy", proxied, tokens, args.requests, c))
        direct = asyncio.run(drive("warm, the service's own port", own, tokens, args.requests, c))

        storm_user, refused_user = users[0], users[1 % len(users)]
        storm_tokens = by_user[storm_user]
        expire_in_the_database(stack, storm_user)
        stack.looker.expire_access_tokens()
        stack.looker.reset_counters()
        storm = asyncio.run(
            drive(f"refresh storm, {args.storm} kernels of one user", stack.service_url,
                  storm_tokens, args.storm, args.storm)
        )  # fmt: skip
        storm_refreshes = stack.looker.token_requests["refresh_token"]

        refused_tokens = by_user[refused_user]
        with httpx.Client(trust_env=False) as client:
            current = client.get(
                f"{stack.service_url}api/token",
                headers={"Authorization": f"token {refused_tokens[0]}"},
            ).json()["access_token"]
        fingerprint = hashlib.sha256(current.encode()).hexdigest()
        stack.looker.expire_access_tokens()  # Looker's token store restarted
        stack.looker.reset_counters()
        refused = asyncio.run(
            drive(f"refused storm, {args.storm} kernels of one user", stack.service_url,
                  refused_tokens, args.storm, args.storm, params={"refused": fingerprint})
        )  # fmt: skip
        refused_refreshes = stack.looker.token_requests["refresh_token"]

    print()
    print(f"{'phase':<42} {'calls':>6} {'non-200':>7} {'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7}")
    for run in (cold, warm, direct, storm, refused):
        bad = sum(1 for status in run.statuses if status != 200)
        print(
            f"{run.name:<42} {len(run.latencies):>6} {bad:>7} {run.rate:>8.0f} "
            f"{run.pct(50):>7.1f} {run.pct(99):>7.1f}"
        )
    print()
    for name, count, run in (
        ("refresh storm", storm_refreshes, storm),
        ("refused storm", refused_refreshes, refused),
    ):
        print(
            f"{name}: {count} refresh(es) at Looker, {len(run.tokens)} distinct token(s) handed out"
        )
    need = args.kernels / 3600.0
    print()
    print("ratios (this run):")
    print(
        f"  warm throughput / what {args.kernels} kernels need ({need:.2f}/s): "
        f"{warm.rate / need:,.0f}x"
    )
    print(f"  warm p99 / p50 through the proxy: {warm.pct(99) / warm.pct(50):.1f}x")
    print(
        f"  cold p50 / warm p50 (the hub resolving a new token): {cold.pct(50) / warm.pct(50):.1f}x"
    )
    print(f"  proxy p50 / own port p50: {warm.pct(50) / direct.pct(50):.1f}x")


if __name__ == "__main__":
    main()
