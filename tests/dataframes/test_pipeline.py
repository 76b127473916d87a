"""The pipeline reads top to bottom: a run_query visits each step's module once, in order."""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any

from looker_nb_auth import LookerSession

from .helpers import BY_REGION

#: The steps of a query, in the order dataframes/__init__.py lists them.
STEPS = ["describe", "task", "stream", "parse", "dtypes", "annotate"]


def _step(frame: FrameType | None) -> str | None:
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    step = module.rpartition(".")[2]
    return step if module.startswith("looker_nb_auth.dataframes.") and step in STEPS else None


def _visits(call: Any) -> list[str]:
    """The steps the pipeline enters during ``call()`` (a step's own calls into another, such as
    the parser reading the stream, stay inside it), consecutive repeats collapsed."""
    seen: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event != "call" or (step := _step(frame)) is None or _step(frame.f_back) is not None:
            return
        if not seen or seen[-1] != step:
            seen.append(step)

    sys.setprofile(profile)
    threading.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return seen


def test_a_run_query_visits_each_step_once_in_order(logged_in: LookerSession) -> None:
    visits = _visits(lambda: logged_in.run_query(BY_REGION, progress=False))
    assert visits == STEPS
