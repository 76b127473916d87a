"""``session.run_query`` into pandas vs looker_sdk + pandas, printed as ratios measured in one run.

Against the Looker stand-in on loopback, in its own process (``bench_core.start_stand_in``), one
per size, started with ``--big-rows N``, so ``demo::events`` has N rows of 8 typed columns:

    python benchmarks/bench_frames.py [--rows 10000 100000 1000000] [--rounds 3]
        [--paths ours ours-async sdk+json sdk+csv]

Ways to get all N rows (``limit=-1``) of ``EVENTS`` into a pandas DataFrame:

1. ``ours``: ``session.run_query(model="demo", view="events", fields=EVENTS, limit=-1)``, an
   async query task whose CSV is streamed into pyarrow, typed from the explore's metadata;
2. ``ours-async``: ``await session.arun_query(...)`` (the same), on one event loop that lives
   through the child, as a notebook's does;
3. ``sdk+json``: ``pandas.DataFrame(json.loads(sdk.run_inline_query("json", WriteQuery)))``
   with the official looker_sdk (``session.sdk``);
4. ``sdk+csv``: ``pandas.read_csv(io.StringIO(sdk.run_inline_query("csv", WriteQuery)))``.

Each measurement runs in a fresh child process (``--one PATH``) that logs in on its own,
imports pandas, pyarrow and looker_sdk and makes the same request with ``limit=10`` first; then
it resets the kernel's RSS high-water mark (``/proc/self/clear_refs``), takes the RSS as the
baseline and times the call. Peak memory is ``ru_maxrss`` after the call minus that baseline,
so it counts native allocations (pyarrow's pool, numpy) that tracemalloc misses. Per size and
path, a discarded first child fills the stand-in's result cache (it keeps two answers: the
``limit=10`` one and the full one), so the timed runs measure the client, not the stand-in's
row generator; the paths run one after another for that reason, not interleaved. Reported:
the median and the shortest wall time of ``--rounds`` children, the median CPU time of the
measured process (every thread of it: on a busy machine, what the client itself costs), the
max peak, the DataFrame's own memory
(``memory_usage(deep=True)``) and how many of the 8 columns have the dtype the field's LookML
type calls for (strings: str or object; numbers: int/Int64 and float64; dates and times:
datetime64; yesno: bool/boolean).

Goal (at 1M rows): ours >= 3x faster than sdk+json, with <= 0.5x its peak memory, and 8/8
columns typed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from bench_core import GUID, REDIRECT, start_stand_in

from looker_nb_auth import LookerSession, ResultTruncated
from looker_nb_auth.fake_looker import authorize_in_browser
from looker_nb_auth.fake_looker._events import EVENT_DIMENSIONS, EVENT_MEASURES

if TYPE_CHECKING:
    import pandas as pd
    from looker_sdk.sdk.api40.methods import Looker40SDK

EVENTS = [*EVENT_DIMENSIONS, *EVENT_MEASURES]
Kind = Literal["string", "integer", "float", "datetime", "boolean"]
#: What each field's LookML type calls for in a DataFrame.
EXPECTED: dict[str, Kind] = {
    "events.id": "string",
    "events.category": "string",
    "events.quantity": "integer",
    "events.amount": "float",
    "events.event_date": "datetime",
    "events.event_time": "datetime",
    "events.is_weekend": "boolean",
    "events.count": "integer",
}
PathName = Literal["ours", "ours-async", "sdk+json", "sdk+csv"]
PATHS: tuple[PathName, ...] = get_args(PathName)
TINY = 10  # the warm-up call's row limit
MiB = 1 << 20


# -- the child: one measured call --------------------------------------------------------------


def _ours(session: LookerSession, sdk: Looker40SDK, limit: int) -> pd.DataFrame:
    frame: pd.DataFrame = session.run_query(
        model="demo", view="events", fields=EVENTS, limit=limit, progress=False
    )
    return frame


_LOOP: asyncio.AbstractEventLoop | None = None  # the child's one event loop, as a notebook's


def _ours_async(session: LookerSession, sdk: Looker40SDK, limit: int) -> pd.DataFrame:
    global _LOOP
    if _LOOP is None:
        _LOOP = asyncio.new_event_loop()
    frame: pd.DataFrame = _LOOP.run_until_complete(
        session.arun_query(model="demo", view="events", fields=EVENTS, limit=limit, progress=False)
    )
    return frame


def _inline(sdk: Looker40SDK, result_format: str, limit: int) -> str:
    from looker_sdk.sdk.api40 import models as models40

    body = models40.WriteQuery(model="demo", view="events", fields=EVENTS, limit=str(limit))
    result = sdk.run_inline_query(result_format=result_format, body=body)
    return result if isinstance(result, str) else result.decode("utf-8")


def _sdk_json(session: LookerSession, sdk: Looker40SDK, limit: int) -> pd.DataFrame:
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame(json.loads(_inline(sdk, "json", limit)))
    return frame


def _sdk_csv(session: LookerSession, sdk: Looker40SDK, limit: int) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(io.StringIO(_inline(sdk, "csv", limit)))


CALLS: dict[PathName, Callable[[LookerSession, Looker40SDK, int], pd.DataFrame]] = {
    "ours": _ours,
    "ours-async": _ours_async,
    "sdk+json": _sdk_json,
    "sdk+csv": _sdk_csv,
}


def _rss() -> int:
    """The resident set size now, in bytes."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _reset_peak() -> bool:
    """Reset the RSS high-water mark (``ru_maxrss``) to the current RSS; False if the kernel
    does not allow it (then an earlier, higher peak may hide a small call's own)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _typed(dtype: Any, kind: Kind) -> bool:
    import pandas as pd
    from pandas.api import types

    if kind == "string":
        return isinstance(dtype, pd.StringDtype) or types.is_object_dtype(dtype)
    if kind == "integer":
        return types.is_integer_dtype(dtype)
    if kind == "float":
        return types.is_float_dtype(dtype)
    if kind == "datetime":
        return types.is_datetime64_any_dtype(dtype)
    return types.is_bool_dtype(dtype)


def _dtypes(frame: pd.DataFrame) -> list[Any]:
    """The dtypes of ``EVENTS`` in order: by name when the columns are the field names (ours,
    json), else by position (csv's header is the labels)."""
    if set(EVENTS) <= {str(c) for c in frame.columns}:
        return [frame[field].dtype for field in EVENTS]
    return list(frame.dtypes)


def child(path: PathName, api_url: str) -> int:
    """Log in, warm up, measure one call; print the figures as one JSON line."""
    import looker_sdk  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401

    call = CALLS[path]
    with LookerSession(base_url=api_url, client_guid=GUID, redirect_uri=REDIRECT) as session:
        session.complete_login(authorize_in_browser(session.start_login().url))
        sdk = session.sdk
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResultTruncated)
            call(session, sdk, TINY)  # connection, explore metadata, lazy imports
        gc.collect()
        reset = _reset_peak()
        before = _rss()
        start, cpu = time.perf_counter(), time.process_time()
        frame = call(session, sdk, -1)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        dtypes = _dtypes(frame)
        typed = sum(map(_typed, dtypes, EXPECTED.values()))
        print(
            json.dumps(
                {
                    "seconds": elapsed,
                    "cpu": cpu,
                    "peak": peak - before,
                    "baseline": before,
                    "reset": reset,
                    "frame": int(frame.memory_usage(deep=True).sum()),
                    "rows": len(frame),
                    "dtypes": [str(dtype) for dtype in dtypes],
                    "typed": typed,
                }
            )
        )
    return 0


# -- the parent: children, medians, the table --------------------------------------------------


@dataclass
class Figures:
    """One (path, size): the medians and maxima over its rounds."""

    seconds: float
    fastest: float
    cpu: float
    peak: int
    frame: int
    rows: int
    typed: int
    dtypes: list[str]
    reset: bool


def run_child(path: PathName, api_url: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", path, "--api-url", api_url]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def measure(path: PathName, api_url: str, rounds: int) -> Figures:
    run_child(path, api_url)  # fills the stand-in's result cache; not counted
    results = [run_child(path, api_url) for _ in range(rounds)]
    last = results[-1]
    return Figures(
        seconds=statistics.median(r["seconds"] for r in results),
        fastest=min(r["seconds"] for r in results),
        cpu=statistics.median(r["cpu"] for r in results),
        peak=max(r["peak"] for r in results),
        frame=last["frame"],
        rows=last["rows"],
        typed=min(r["typed"] for r in results),
        dtypes=last["dtypes"],
        reset=all(r["reset"] for r in results),
    )


def bench_size(rows: int, rounds: int, paths: list[PathName]) -> dict[PathName, Figures]:
    process, api_url = start_stand_in(["--big-rows", str(rows)])
    try:
        return {path: measure(path, api_url, rounds) for path in paths}
    finally:
        process.terminate()
        process.wait()


def report(results: dict[int, dict[PathName, Figures]], rounds: int) -> None:
    print(
        f"\n1. All rows of demo::events x {len(EVENTS)} columns into pandas; median and min "
        f"time, median CPU and max peak of {rounds} fresh children"
    )
    print(
        f"   {'rows':>9}  {'path':<10} {'time s':>8} {'min s':>7} {'CPU s':>7} "
        f"{'peak RSS MiB':>13} {'frame MiB':>10} {'rows out':>9}  typed"
    )
    for rows, figures in results.items():
        for index, (path, f) in enumerate(figures.items()):
            label = f"{rows:>9,}" if index == 0 else " " * 9
            print(
                f"   {label}  {path:<10} {f.seconds:8.3f} {f.fastest:7.3f} {f.cpu:7.3f} "
                f"{f.peak / MiB:13.1f} "
                f"{f.frame / MiB:10.1f} {f.rows:>9,}  {f.typed}/{len(EVENTS)}"
            )
    largest = max(results)
    figures = results[largest]
    if {"ours", "sdk+json", "sdk+csv"} <= set(figures):
        compare(results)
    measured = [path for path in PATHS if path in figures]
    print(f"\n3. dtypes at {largest:,} rows (field: {' / '.join(measured)})")
    for index, field in enumerate(EVENTS):
        line = " / ".join(figures[path].dtypes[index] for path in measured)
        print(f"   {field:<18} {EXPECTED[field]:<8}  {line}")
    if not all(f.reset for sizes in results.values() for f in sizes.values()):
        print("   (the RSS high-water mark could not be reset: small peaks may read high)")


def compare(results: dict[int, dict[PathName, Figures]]) -> None:
    """Ours against looker_sdk + pandas, and the goal."""
    print("\n2. ours vs looker_sdk + pandas: speed-up = their time / ours; memory = ours / theirs")
    print(
        f"   {'rows':>9}  {'vs sdk+json: faster':>20} {'peak':>7}   "
        f"{'vs sdk+csv: faster':>19} {'peak':>7}"
    )
    for rows, sized in results.items():
        ours, by_json, by_csv = sized["ours"], sized["sdk+json"], sized["sdk+csv"]
        print(
            f"   {rows:>9,}  {by_json.seconds / ours.seconds:19.2f}x "
            f"{ours.peak / by_json.peak:6.2f}x   {by_csv.seconds / ours.seconds:18.2f}x "
            f"{ours.peak / by_csv.peak:6.2f}x"
        )
    largest = max(results)
    ours, by_json = results[largest]["ours"], results[largest]["sdk+json"]
    speed, memory = by_json.seconds / ours.seconds, ours.peak / by_json.peak
    met = speed >= 3 and memory <= 0.5 and ours.typed == len(EVENTS)
    print(
        f"\n   goal at {largest:,} rows: >= 3x faster ({speed:.2f}x), <= 0.5x peak memory "
        f"({memory:.2f}x), {len(EVENTS)}/{len(EVENTS)} typed ({ours.typed}/{len(EVENTS)}) "
        f"vs sdk+json: {'met' if met else 'NOT met'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paths", choices=PATHS, nargs="+", default=list(PATHS))
    parser.add_argument("--one", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        return child(args.one, args.api_url)
    from importlib.metadata import version

    versions = ", ".join(f"{name} {version(name)}" for name in ("pandas", "pyarrow", "looker_sdk"))
    print(
        f"Looker stand-in (own process, one per size); Python {sys.version.split()[0]}, {versions}"
    )
    results = {rows: bench_size(rows, args.rounds, args.paths) for rows in args.rows}
    report(results, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
