"""``session.run_query`` into pandas vs looker_sdk + pandas and the bare wire, printed as ratios
measured in one run.

Against the Looker stand-in on loopback, in its own process (``bench_core.start_stand_in``), one
per size, started with ``--big-rows N``, so ``demo::events`` has N rows of 8 typed columns;
then, at the largest size, once more through a link of ``--link-rate`` bytes/s (the stand-in's
``link_rate`` knob) for ``--link-paths``:

    python benchmarks/bench_frames.py [--rows 100 10000 1000000] [--rounds 3]
        [--paths ours ours-async ours-polars ours-to sdk+json sdk+csv httpx+read_csv inline
         wire+arrow wire] [--link-rate 50e6] [--link-paths ours wire wire+arrow]

Ways to get all N rows (``limit=-1``) of ``EVENTS``:

1. ``ours``: ``session.run_query(model="demo", view="events", fields=EVENTS, limit=-1)``, an
   async query task whose CSV is streamed into pyarrow, typed from the explore's metadata;
2. ``ours-async``: ``await session.arun_query(...)`` (the same), on one event loop that lives
   through the child, as a notebook's does;
3. ``ours-polars``: ``run_query(..., backend="polars")``; ``ours-to``: ``run_query(..., to=path)``
   (the CSV into a file, no DataFrame);
4. ``sdk+json``: ``pandas.DataFrame(json.loads(sdk.run_inline_query("json", WriteQuery)))``
   with the official looker_sdk (``session.sdk``);
5. ``sdk+csv``: ``pandas.read_csv(io.StringIO(sdk.run_inline_query("csv", WriteQuery)))``;
6. ``httpx+read_csv``: the plain user path, ``session.client.post("queries/run/csv")`` and
   ``pandas.read_csv`` on its bytes;
7. ``inline``: the same POST, then pyarrow's ``read_csv`` from memory and ``to_pandas`` (no
   query task, no polls); ``tasks+arrow``: bare httpx through a query task's round trips
   (POST /queries, POST /query_tasks, GET its results) and the same parse: the floor of a
   small result for any client that can stop its query at Looker (a task id to stop);
8. ``wire+arrow``: the CSV streamed off the wire into memory, then the same parse (issue 19's
   "download + parse"); ``wire``: the same download, the bytes discarded.

The reference paths (6-8) POST the same inline query, whose CSV bytes the stand-in serves from
the same result cache as ours.

Each measurement runs in a fresh child process (``--one PATH``) that logs in on its own,
imports pandas, pyarrow and looker_sdk and makes the same request with ``limit=10`` first; then
it resets the kernel's RSS high-water mark (``/proc/self/clear_refs``), takes the RSS as the
baseline and times the call (under 100k rows: 15 calls, their median, as one takes
milliseconds). Peak memory is ``ru_maxrss`` after the calls minus that baseline,
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

Goals (at 1M rows): ours >= 3x faster than sdk+json, with <= 0.5x its peak memory, and 8/8
columns typed; and issue 19's, printed last with met / NOT met: ours <= 1.2x wire+arrow and
>= 1.5x faster than httpx+read_csv with <= 0.5x its peak; at the link rate ours <= 1.1x wire;
at 100 and 10k rows ours <= 1.2x inline; ours-polars as fast as ours; ours-to no slower.
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
PathName = Literal[
    "ours",
    "ours-async",
    "ours-polars",
    "ours-to",
    "sdk+json",
    "sdk+csv",
    "httpx+read_csv",
    "inline",
    "tasks+arrow",
    "wire+arrow",
    "wire",
]
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


def _ours_polars(session: LookerSession, sdk: Looker40SDK, limit: int) -> Any:
    return session.run_query(
        model="demo", view="events", fields=EVENTS, limit=limit, progress=False, backend="polars"
    )


def _ours_to(session: LookerSession, sdk: Looker40SDK, limit: int) -> Any:
    target = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_frames_{os.getpid()}.csv"
    try:
        session.run_query(
            model="demo", view="events", fields=EVENTS, limit=limit, progress=False, to=target
        )
        return None
    finally:
        target.unlink(missing_ok=True)


def _write_query(limit: int) -> dict[str, Any]:
    """The inline query the reference paths POST (the same rows and CSV bytes as ours)."""
    return {"model": "demo", "view": "events", "fields": EVENTS, "limit": str(limit)}


def _httpx_read_csv(session: LookerSession, sdk: Looker40SDK, limit: int) -> pd.DataFrame:
    """The plain user path: one httpx POST, then pandas' parser on the whole body."""
    import pandas as pd

    response = session.client.post("queries/run/csv", json=_write_query(limit))
    response.raise_for_status()
    return pd.read_csv(io.BytesIO(response.content))


def _arrow_frame(data: bytes) -> pd.DataFrame:
    """pyarrow's CSV reader on bytes in memory, then to pandas (no typing of ours)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    frame: pd.DataFrame = pacsv.read_csv(pa.py_buffer(data)).to_pandas()
    return frame


def _inline_run(session: LookerSession, sdk: Looker40SDK, limit: int) -> pd.DataFrame:
    """An inline run: POST /queries/run/csv (no query task, no polls), then the same parse."""
    response = session.client.post("queries/run/csv", json=_write_query(limit))
    response.raise_for_status()
    return _arrow_frame(response.content)


def _tasks_arrow(session: LookerSession, sdk: Looker40SDK, limit: int) -> pd.DataFrame:
    """The floor of a query task's round trips, bare: POST /queries, POST /query_tasks, GET its
    results (again while 202), then the same parse as ``inline``."""
    client = session.client
    query = client.post("queries", json=_write_query(limit))
    query.raise_for_status()
    task = {"query_id": query.json()["id"], "result_format": "csv"}
    created = client.post("query_tasks", json=task, params={"limit": str(limit)})
    created.raise_for_status()
    while True:
        results = client.get(f"query_tasks/{created.json()['id']}/results")
        if results.status_code == 200:
            return _arrow_frame(results.content)
        results.raise_for_status()
        time.sleep(0.01)


def _download(session: LookerSession, limit: int, keep: bool) -> bytes:
    """The CSV bytes as they arrive off the wire; ``keep``: gathered in memory (one join)."""
    kept: list[bytes] = []
    with session.client.stream("POST", "queries/run/csv", json=_write_query(limit)) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            if keep:
                kept.append(chunk)
    return b"".join(kept)


def _wire_arrow(session: LookerSession, sdk: Looker40SDK, limit: int) -> pd.DataFrame:
    return _arrow_frame(_download(session, limit, keep=True))


def _wire(session: LookerSession, sdk: Looker40SDK, limit: int) -> None:
    _download(session, limit, keep=False)


CALLS: dict[PathName, Callable[[LookerSession, Looker40SDK, int], Any]] = {
    "ours": _ours,
    "ours-async": _ours_async,
    "ours-polars": _ours_polars,
    "ours-to": _ours_to,
    "sdk+json": _sdk_json,
    "sdk+csv": _sdk_csv,
    "httpx+read_csv": _httpx_read_csv,
    "inline": _inline_run,
    "tasks+arrow": _tasks_arrow,
    "wire+arrow": _wire_arrow,
    "wire": _wire,
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


def _shape(result: Any) -> dict[str, Any]:
    """Rows, memory and dtypes of what a path returned (a pandas or polars frame, or nothing:
    ``to=`` and the bare download)."""
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        dtypes = _dtypes(result)
        typed = sum(map(_typed, dtypes, EXPECTED.values()))
        frame = int(result.memory_usage(deep=True).sum())
        return {
            "frame": frame,
            "rows": len(result),
            "dtypes": [str(d) for d in dtypes],
            "typed": typed,
        }
    if result is not None:  # polars
        dtypes = [str(result.schema[field]) for field in EVENTS]
        frame = int(result.estimated_size())
        return {"frame": frame, "rows": result.height, "dtypes": dtypes, "typed": -1}
    return {"frame": 0, "rows": -1, "dtypes": ["-"] * len(EVENTS), "typed": -1}


def child(path: PathName, api_url: str, repeats: int) -> int:
    """Log in, warm up, measure ``repeats`` calls (the median); print the figures as JSON."""
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
        times, cpus = [], []
        result: Any = None
        for _ in range(repeats):
            result = None  # the last call's frame is not held through the next one
            start, cpu = time.perf_counter(), time.process_time()
            result = call(session, sdk, -1)
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        figures = {
            "seconds": statistics.median(times),
            "cpu": statistics.median(cpus),
            "peak": peak - before,
            "baseline": before,
            "reset": reset,
            **_shape(result),
        }
        print(json.dumps(figures))
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


def run_child(path: PathName, api_url: str, repeats: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", path, "--api-url", api_url]
    command += ["--repeats", str(repeats)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def measure(path: PathName, api_url: str, rounds: int, repeats: int) -> Figures:
    run_child(path, api_url, 1)  # fills the stand-in's result cache; not counted
    results = [run_child(path, api_url, repeats) for _ in range(rounds)]
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


def repeats_for(rows: int) -> int:
    """Calls timed per child: small results take milliseconds, so the median of several."""
    return 1 if rows >= 100_000 else 15


def bench_size(
    rows: int, rounds: int, paths: list[PathName], link_rate: float = 0.0
) -> dict[PathName, Figures]:
    extra = ["--big-rows", str(rows)]
    if link_rate > 0:
        extra += ["--link-rate", str(link_rate)]
    process, api_url = start_stand_in(extra)
    try:
        return {path: measure(path, api_url, rounds, repeats_for(rows)) for path in paths}
    finally:
        process.terminate()
        process.wait()


Results = dict[int, dict[PathName, Figures]]


def table(results: Results, title: str) -> None:
    print(title)
    print(
        f"   {'rows':>9}  {'path':<14} {'time s':>8} {'min s':>7} {'CPU s':>7} "
        f"{'peak RSS MiB':>13} {'frame MiB':>10} {'rows out':>9}  typed"
    )
    for rows, figures in results.items():
        for index, (path, f) in enumerate(figures.items()):
            label = f"{rows:>9,}" if index == 0 else " " * 9
            out = f"{f.rows:>9,}" if f.rows >= 0 else f"{'-':>9}"
            typed = f"{f.typed}/{len(EVENTS)}" if f.typed >= 0 else "-"
            print(
                f"   {label}  {path:<14} {f.seconds:8.4f} {f.fastest:7.4f} {f.cpu:7.3f} "
                f"{f.peak / MiB:13.1f} {f.frame / MiB:10.1f} {out}  {typed}"
            )


def report(results: Results, linked: Results, link_rate: float, rounds: int) -> None:
    table(
        results,
        f"\n1. All rows of demo::events x {len(EVENTS)} columns, loopback; median and min time "
        f"(of {repeats_for(1)} calls per child under 100k rows), median CPU and max peak of "
        f"{rounds} fresh children",
    )
    if linked:
        table(linked, f"\n   ... through a link of {link_rate / 1e6:g} MB/s (--link-rate)")
    largest = max(results)
    figures = results[largest]
    if {"ours", "sdk+json", "sdk+csv"} <= set(figures):
        compare(results)
    measured = [path for path in PATHS if path in figures and figures[path].typed >= 0]
    print(f"\n3. dtypes at {largest:,} rows (field: {' / '.join(measured)})")
    for index, field in enumerate(EVENTS):
        line = " / ".join(figures[path].dtypes[index] for path in measured)
        print(f"   {field:<18} {EXPECTED[field]:<8}  {line}")
    if not all(f.reset for sizes in results.values() for f in sizes.values()):
        print("   (the RSS high-water mark could not be reset: small peaks may read high)")
    goals(results, linked, link_rate)


def compare(results: Results) -> None:
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


def goals(results: Results, linked: Results, link_rate: float) -> None:
    """The goals of issue 19 ("as fast as the wire"), each a ratio of this run's medians."""
    rows: list[tuple[str, float | None, str, bool]] = []

    def ratio(
        sized: dict[PathName, Figures] | None, top: PathName, bottom: PathName, peak: bool = False
    ) -> float | None:
        if sized is None or top not in sized or bottom not in sized:
            return None
        a, b = sized[top], sized[bottom]
        return a.peak / b.peak if peak else a.seconds / b.seconds

    big = max(results)
    at = results.get(big)
    mb = f"{big / 1e6:g}M" if big >= 1_000_000 else f"{big:,}"
    rows.append(
        (f"{mb} loopback: ours / wire+arrow time", ratio(at, "ours", "wire+arrow"), "<= 1.2", True)
    )
    rows.append(
        (
            f"{mb} loopback: httpx+read_csv / ours time",
            ratio(at, "httpx+read_csv", "ours"),
            ">= 1.5",
            False,
        )
    )
    rows.append(
        (
            f"{mb} loopback: (floor) httpx+read_csv / wire+arrow",
            ratio(at, "httpx+read_csv", "wire+arrow"),
            ">= 1.5",
            False,
        )
    )
    rows.append(
        (
            f"{mb} loopback: ours / httpx+read_csv peak",
            ratio(at, "ours", "httpx+read_csv", peak=True),
            "<= 0.5",
            True,
        )
    )
    rows.append(
        (f"{mb}: ours-polars / ours time", ratio(at, "ours-polars", "ours"), "<= 1.1", True)
    )
    rows.append(
        (f"{mb} loopback: ours-to / ours time", ratio(at, "ours-to", "ours"), "<= 1.0", True)
    )
    if linked:
        lbig = max(linked)
        lmb = f"{lbig / 1e6:g}M" if lbig >= 1_000_000 else f"{lbig:,}"
        rows.append(
            (
                f"{lmb} at {link_rate / 1e6:g} MB/s: ours / wire time",
                ratio(linked[lbig], "ours", "wire"),
                "<= 1.1",
                True,
            )
        )
    for small in sorted(results):
        if small <= 10_000:
            rows.append(
                (
                    f"{small:,} rows: ours / inline time",
                    ratio(results[small], "ours", "inline"),
                    "<= 1.2",
                    True,
                )
            )
            rows.append(
                (
                    f"{small:,} rows: (floor) tasks+arrow / inline",
                    ratio(results[small], "tasks+arrow", "inline"),
                    "<= 1.2",
                    True,
                )
            )
    print('\n4. Goals (issue 19, "as fast as the wire"), ratios of medians measured in this run')
    for name, value, goal, at_most in rows:
        if value is None:
            print(f"   {name:<46} {'-':>7}   goal {goal:<7} (not measured: path missing)")
            continue
        bound = float(goal.split()[1])
        met = value <= bound if at_most else value >= bound
        print(f"   {name:<46} {value:6.2f}x   goal {goal:<7} {'met' if met else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 10_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paths", choices=PATHS, nargs="+", default=list(PATHS))
    parser.add_argument(
        "--link-rate",
        type=float,
        default=50e6,
        metavar="B",
        help="also measure --link-paths at the largest size through a link of B bytes/s (0: not)",
    )
    parser.add_argument(
        "--link-paths", choices=PATHS, nargs="+", default=["ours", "wire", "wire+arrow"]
    )
    parser.add_argument("--one", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        return child(args.one, args.api_url, args.repeats)
    from importlib.metadata import version

    names = ("pandas", "pyarrow", "polars", "looker_sdk")
    versions = ", ".join(f"{name} {version(name)}" for name in names)
    print(
        f"Looker stand-in (own process, one per size); Python {sys.version.split()[0]}, {versions}"
    )
    results = {rows: bench_size(rows, args.rounds, args.paths) for rows in args.rows}
    linked: Results = {}
    if args.link_rate > 0:
        big = max(args.rows)
        linked = {big: bench_size(big, args.rounds, args.link_paths, args.link_rate)}
    report(results, linked, args.link_rate, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
