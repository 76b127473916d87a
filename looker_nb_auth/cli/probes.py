"""What ``looker-nb-auth doctor --data`` asks Looker: the shared parts of its probes.

The DataFrame path relies on answers Looker's documentation does not settle (``docs/
fidelity.md``): which text a CSV header says, the order of its columns, how many rows
``limit=-1`` brings, the shape of json_detail and of an error. A probe runs a tiny query on the
user's own instance, with their own login, and says in one sentence what came back and whether
the DataFrame path handles it: a `Finding`. This module holds what every probe needs: the
explore's fields (`Explore`), the queries it runs (`Probe`), and a query task run to its end
(`Probe.run`), polled on the DataFrame path's own schedule (``dataframes/task.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx

from .._errors import UnexpectedResponse
from ..dataframes import task
from ..dataframes.answers import check, said
from ..dataframes.describe import Column, Query, columns_from_metadata
from ..dataframes.drive import Call
from ..dataframes.task import ENDED, RUNNING, waits

if TYPE_CHECKING:
    from ..client.session import LookerSession

__all__ = ["Explore", "Finding", "Probe", "Ran", "Verdict"]

#: ``ok``: the DataFrame path handles what was seen; ``warn``: it handles it, and there is
#: something to know (or the probe could not tell); ``fails``: the DataFrame path cannot.
Verdict = Literal["ok", "warn", "fails"]
_FIELD = "name,label,label_short,type,category,is_numeric,measure,hidden"
_METADATA = f"fields(dimensions({_FIELD}),measures({_FIELD}))"
#: Polls before a probe's query is given up on (about 10 minutes on `waits`' schedule).
MAX_POLLS = 70


@dataclass(frozen=True)
class Finding:
    """One probe's outcome: ``sentence`` says what Looker answered and what the DataFrame path
    does with it; ``observed`` is the same for machines (``--json``)."""

    probe: str
    verdict: Verdict
    sentence: str
    observed: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.verdict == "fails"


@dataclass(frozen=True)
class Explore:
    """The explore the probes query, its fields' metadata, and the fields they use."""

    model: str
    view: str
    columns: Mapping[str, Column]
    fields: list[str]  # the header probe's query: a measure first, then dimensions
    rows_field: str  # a dimension with many values, for ``limit=-1``

    @property
    def measure(self) -> str | None:
        return next((f for f in self.fields if self.category(f) == "measure"), None)

    @property
    def dimensions(self) -> list[str]:
        return [f for f in self.fields if self.category(f) == "dimension"]

    def category(self, name: str) -> str:
        column = self.columns.get(name)
        return "dimension" if column is None else column.category

    def query(self, fields: Sequence[str], **extra: Any) -> dict[str, Any]:
        return {"model": self.model, "view": self.view, "fields": list(fields), **extra}


@dataclass
class Ran:
    """A query task run to its end: its id, the polls it took, and the final answer (a
    streamed 200, or the 400/422/404 that ended it), which the caller closes."""

    task_id: str
    polls: int
    response: httpx.Response

    def read(self) -> Ran:
        """This run with its whole (small) answer read, and the response closed."""
        self.response.read()
        self.response.close()
        return self


class Probe:
    """The probes' access to Looker: a logged-in ``session``; ``client`` is its client on
    ``{base}/api/4.0/``, and its ``run_query`` is the DataFrame path itself."""

    def __init__(self, session: LookerSession, sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = session
        self.client = session.client
        self.sleep = sleep

    def explore(
        self, model: str, view: str, fields: Sequence[str] = (), rows_field: str | None = None
    ) -> Explore:
        """The explore's metadata, and the fields to query: ``fields`` if given, else its first
        measure and two dimensions, strings first (hidden fields last)."""
        response = self.client.get(
            f"lookml_models/{model}/explores/{view}", params={"fields": _METADATA}
        )
        check(response, f"explore {model}::{view}", missing=f"explore {model}::{view}")
        metadata = response.json().get("fields") or {}
        columns = columns_from_metadata(metadata)
        shown = {
            group: [
                str(f["name"])
                for f in sorted(metadata.get(group) or (), key=lambda f: bool(f.get("hidden")))
                if isinstance(f, Mapping) and f.get("name")
            ]
            for group in ("dimensions", "measures")
        }
        if not fields:
            by_kind = [
                [d for d in shown["dimensions"] if columns[d].kind == kind]
                for kind in ("string", "number")
            ]  # strings first: few values, labels that read well
            dimensions = [*by_kind[0], *by_kind[1]] or shown["dimensions"]
            fields = [*shown["measures"][:1], *dimensions[:2]]
        if not fields:
            raise UnexpectedResponse(
                f"The explore {model}::{view} shows you no fields; name some with --fields."
            )
        if rows_field is None:
            ids = [d for d in shown["dimensions"] if d.endswith(".id")]
            rows_field = (ids or shown["dimensions"] or list(fields))[0]
        return Explore(model, view, columns, list(fields), rows_field)

    def save(self, body: Mapping[str, Any]) -> httpx.Response:
        """``POST /queries``: the answer as it is (the error probe wants a refusal as is)."""
        return self.client.post("queries", json=dict(body))

    def saved(self, body: Mapping[str, Any]) -> str:
        """The id of ``body`` saved as a query."""
        response = check(self.save(body), "the probe's query")
        return str(response.json()["id"])

    def run(
        self,
        query_id: str,
        result_format: str,
        limit: int | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Ran:
        """Start a query task as ``dataframes/task.py`` does (``params`` added to its query
        string), and poll its results on its schedule."""
        task_id = self._start(query_id, result_format, limit, params or {})
        pauses = waits()
        for polls in range(1, MAX_POLLS + 1):
            request = self.client.build_request("GET", f"query_tasks/{task_id}/results")
            response = self.client.send(request, stream=True)
            if response.status_code in ENDED:
                return Ran(task_id, polls, response)
            response.close()
            if response.status_code not in RUNNING:
                response.read()
                check(response, "the query's results")
                break
            self.sleep(next(pauses))
        self.client.delete(f"running_queries/{task_id}")
        raise UnexpectedResponse(
            f"Looker had not run the probe's query after {MAX_POLLS} polls, so it was stopped; "
            "run doctor --data again when Looker is less busy."
        )

    def _start(
        self, query_id: str, result_format: str, limit: int | None, params: Mapping[str, str]
    ) -> str:
        """The task's id, created by the DataFrame path's own step (``task.create``), so the
        probe asks exactly what ``run_query`` asks."""
        saved = Query(id=query_id, model="", view="", fields=[], pivots=[], limit=None)
        flow = task.create(saved, result_format, limit)
        step = next(flow)
        while True:
            if not isinstance(step, Call):  # pragma: no cover - create only calls
                raise TypeError(f"task.create yielded {step!r}")
            response = self.client.request(
                step.method, step.path, params={**(step.params or {}), **params}, json=step.json
            )
            try:
                step = flow.send(response)
            except StopIteration as done:
                return str(done.value)

    def runtime(self, task_id: str) -> float | None:
        """Looker's run time of a task, as ``GET /query_tasks/{id}`` says (None: not said)."""
        response = self.client.get(f"query_tasks/{task_id}")
        value = response.json().get("runtime") if response.is_success else None
        return float(value) if isinstance(value, (int, float)) else None


def looker_said(response: httpx.Response) -> str:
    """Looker's words in a refusal, on one line."""
    return " ".join((said(response) or f"HTTP {response.status_code}").split())
