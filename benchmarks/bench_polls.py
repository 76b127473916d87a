"""API calls per query: how many polls (``GET /query_tasks/{id}/results``) a query costs, since
Looker's API quota counts calls (its Standard edition includes 1,000 query-based API calls a
month).

    python benchmarks/bench_polls.py [--measure 0.1 2 10] [--compute 60 600 3600] [--rounds 3]

``--measure``: queries that the stand-in runs for so many real seconds (``--query-task-seconds``;
its task clock is the wall clock), one stand-in process per duration
(``bench_core.start_stand_in``); each round is ``session.run_query`` on ``demo::orders``, and
the client counts every request it sends during the call (an httpx request hook, so a retried
request counts again), the polls among them, and the call's wall time. ``--compute``: queries
too long to wait for in a benchmark, whose polls come from the schedule itself
(``dataframes.task.polls_for``: the polls on a network that takes no time, which a real network
only lowers), beside the schedule the package used before (50 ms, doubling, at most 1 s).

Goal: a query of T seconds costs at most ``8 + T/10`` polls (the bound ``task.py`` states).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import httpx
from bench_core import GUID, REDIRECT, start_stand_in

from looker_nb_auth import LookerSession, ResultTruncated
from looker_nb_auth.dataframes import task
from looker_nb_auth.fake_looker import authorize_in_browser

QUERY = {
    "model": "demo",
    "view": "orders",
    "fields": ["orders.region", "orders.count"],
    "sorts": ["orders.region"],
}


def bound(seconds: float) -> float:
    """The most polls a query of ``seconds`` may cost, as ``task.py`` states it."""
    return 8 + seconds / 10


def old_polls(seconds: float) -> int:
    """The polls the schedule before this one cost: 50 ms, doubling, at most 1 s."""
    polls, at, wait = 1, 0.0, 0.05
    while at < seconds:
        at, wait, polls = at + wait, min(wait * 2, 1.0), polls + 1
    return polls


def measure(seconds: float, rounds: int) -> tuple[list[int], list[int], list[float]]:
    """Polls, all API calls and wall seconds of ``rounds`` queries that run ``seconds``."""
    process, api_url = start_stand_in(["--query-task-seconds", str(seconds)])
    sent: list[httpx.Request] = []
    polls: list[int] = []
    calls: list[int] = []
    walls: list[float] = []
    try:
        with LookerSession(base_url=api_url, client_guid=GUID, redirect_uri=REDIRECT) as session:
            session.complete_login(authorize_in_browser(session.start_login().url))
            session.client.event_hooks["request"].append(sent.append)
            for _ in range(rounds):
                sent.clear()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ResultTruncated)
                    session.run_query(QUERY, progress=False)
                walls.append(time.perf_counter() - start)
                calls.append(len(sent))
                polls.append(sum(1 for r in sent if r.url.path.endswith("/results")))
    finally:
        process.terminate()
        process.wait()
    return polls, calls, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", type=float, nargs="*", default=[0.1, 2.0, 10.0])
    parser.add_argument("--compute", type=float, nargs="*", default=[60.0, 600.0, 3600.0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"Polls per query: first at once, then after {task.FIRST_POLL:g} s, each wait twice "
        f"the last, at most {task.MAX_POLL:g} s; goal: at most 8 + T/10 polls"
    )
    print("\nMeasured against the stand-in (its query tasks run for real seconds):")
    print("   query   polls (max)  bound  API calls (max)   call wall time (median)")
    worst = 0.0
    for seconds in args.measure:
        polls, calls, walls = measure(seconds, args.rounds)
        worst = max(worst, max(polls) / bound(seconds))
        print(
            f"   {seconds:6g} s {statistics.median(polls):5g} ({max(polls)})"
            f"   {bound(seconds):5.1f}  {statistics.median(calls):5g} ({max(calls)})"
            f"          {statistics.median(walls):7.3f} s"
        )
    print("   (API calls: the polls, plus POST /queries, POST /query_tasks and, on the first")
    print("   round only, the explore's metadata)")
    print("\nComputed from the schedule (task.polls_for; a real network only lowers them):")
    print("   query     polls  bound  before (50 ms doubling to 1 s)")
    for seconds in [*args.measure, *args.compute]:
        polls_now = task.polls_for(seconds)
        worst = max(worst, polls_now / bound(seconds))
        print(
            f"   {seconds:6g} s  {polls_now:5d}  {bound(seconds):5.1f}  {old_polls(seconds):5d}"
            f"  ({old_polls(seconds) / polls_now:.1f}x more)"
        )
    verdict = "met" if worst <= 1 else "MISSED"
    print(f"\nmost polls / bound = {worst:.3f} (goal <= 1: {verdict})")


if __name__ == "__main__":
    main()
