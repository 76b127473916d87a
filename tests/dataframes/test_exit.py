"""A script that ran queries exits cleanly: pyarrow's reader must have let go of the results body
(a Python file) by the time a query returns, or at the latest as the interpreter begins to exit.
Before, the reader's last reference could go on one of pyarrow's threads after the call, and when
that was the interpreter's exit, releasing the Python file there aborted the process ("terminate
called without an active exception", exit status -6): a cron job failed after its work was done,
about once in 20 runs."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import support

from looker_nb_auth.fake_looker import FakeLooker

_SCRIPT = """
from looker_nb_auth import LookerSession
from looker_nb_auth.fake_looker import authorize_in_browser

with LookerSession(base_url={api!r}, client_guid={guid!r}, redirect_uri={redirect!r}) as s:
    s.complete_login(authorize_in_browser(s.start_login().url))
    for limit in {limits!r}:
        s.run_query(model="demo", view="events", fields=["events.id"], limit=limit, progress=False)
"""


def _failures(looker: FakeLooker, limits: tuple[int, ...], processes: int) -> list[object]:
    """Run ``processes`` scripts that each run queries with ``limits`` and exit at once, two at
    a time; the exit status and the end of stderr of each that did not exit 0."""
    script = _SCRIPT.format(
        api=looker.api_url, guid=support.CLIENT_GUID, redirect=support.REDIRECT_URI, limits=limits
    )

    def run(_: int) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", script]
        env = support.clean_environment()
        return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(run, range(processes)))
    return [(d.returncode, d.stderr[-300:]) for d in done if d.returncode != 0]


def test_processes_that_ran_a_query_exit_cleanly(looker: FakeLooker) -> None:
    looker.config.big_rows = 10_000
    # before the fix, 1 to 3 of 40 such processes aborted (4 runs of 4 failed)
    assert _failures(looker, (10, 10_000), processes=40) == []


def test_processes_whose_parse_stopped_early_exit_cleanly(looker: FakeLooker) -> None:
    looker.config.big_rows = 10_000
    looker.config.ignore_limit = True  # limit=10 gets every row: the parse stops at the 10th
    assert _failures(looker, (10, -1), processes=20) == []
