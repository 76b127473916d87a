"""``looker-nb-auth doctor --data``'s probes, one function each: what Looker answered and
whether the DataFrame path handles it, as a `Finding` (``probes.py``).

Each probe checks one assumption of ``docs/fidelity.md`` against the user's own instance: the
CSV header's text and column order (`header`), how many rows ``limit=-1`` brings (`rows`), the
shape of json_detail (`json_detail`), where and how Looker refuses a query it cannot build
(`error`), and the polls a query costs (`polls`). The verdict comes from the DataFrame path's
own code (``header.field_names``, ``answers.failed``, the pivot path's notes), not from a copy.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from .._errors import QueryError, UnexpectedResponse
from ..dataframes.annotate import SILENT_CAPS
from ..dataframes.answers import unbuilt_part
from ..dataframes.header import field_names
from ..dataframes.pivots import _notes as json_detail_notes
from .probes import Explore, Finding, Probe, Verdict, looker_said

__all__ = ["UNKNOWN_FIELD", "error", "header", "json_detail", "polls", "rows"]

#: A field no explore has: what the error probe asks for.
UNKNOWN_FIELD = "looker_nb_auth_probe_no_such_field"
_RANKS = {"dimension": 0, "measure": 1, "table_calculation": 2}
#: json_detail's keys the pivot path reads, as the sentence names them.
_DETAIL_KEYS = ("data", "fields", "pivots", "errors", "columns_truncated", "totals_data")
#: Rows the rows probe reads at most: one more than the largest cap Looker applies silently.
MOST_ROWS = max(SILENT_CAPS) + 1


_TEXTS = {"name": "field names", "label": "labels", "label_short": "short labels"}


def _text(explore: Explore, name: str, kind: str) -> str:
    """What a header of ``kind`` (a key of `_TEXTS`) says of field ``name``."""
    column = explore.columns.get(name)
    if kind == "name" or column is None:
        return name
    return column.label if kind == "label" else column.label_short


def _header_text(explore: Explore, cells: list[str]) -> str | None:
    """The kind of text every cell is, of some field of the query; None: none is."""
    fields = explore.fields
    for kind in _TEXTS:
        if all(any(c == _text(explore, f, kind) for f in fields) for c in cells):
            return kind
    return None


def _header_orders(explore: Explore, cells: list[str], kind: str) -> dict[str, list[str]]:
    """The known column orders (the query's, dimensions first) the cells are written in."""
    fields = explore.fields
    orders = {
        "the query's order": fields,
        "dimensions first": sorted(fields, key=lambda f: _RANKS.get(explore.category(f), 0)),
    }
    return {
        what: names
        for what, names in orders.items()
        if len(names) == len(cells)
        and all(c == _text(explore, f, kind) for c, f in zip(cells, names, strict=True))
    }


def _shared_labels(explore: Explore) -> list[str]:
    """The labels two fields of the query share (joined views with one view_label)."""
    said: dict[str, set[str]] = {}
    for name in explore.fields:
        for kind in ("label", "label_short"):
            said.setdefault(_text(explore, name, kind), set()).add(name)
    return sorted(text for text, names in said.items() if len(names) > 1)


def header(probe: Probe, explore: Explore) -> Finding:
    """Which text the CSV header says of each field, in which order, and whether
    ``header.field_names`` names every column after its field."""
    query_id = probe.saved(explore.query(explore.fields, limit="3"))
    ran = probe.run(query_id, "csv").read()
    if ran.response.status_code != 200:
        words = looker_said(ran.response)
        return Finding("header", "fails", f"The probe's query failed (Looker said: {words}).")
    cells = next(csv.reader(ran.response.text.splitlines()), [])
    kind = _header_text(explore, cells)
    orders = {} if kind is None else _header_orders(explore, cells, kind)
    shown = ", ".join(repr(c) for c in cells)
    if kind is None:
        what = f"The CSV header says {shown}, text the explore's metadata does not give"
    else:
        what = f"The CSV header names the columns by their {_TEXTS[kind]} ({shown})"
        if len(orders) == 2:
            what += " (the query's order is dimensions first already: the order is not known)"
        elif orders:
            what += f", in {next(iter(orders))}"
        else:
            what += ", in an order that is neither the query's nor dimensions first"
    shared = _shared_labels(explore)
    if shared:
        what += f"; fields of the query share the label {', '.join(repr(s) for s in shared)}"
    observed: dict[str, Any] = {"cells": cells, "text": kind, "order": list(orders)}
    observed["shared"] = shared
    try:
        names = field_names(cells, explore.columns, explore.fields)
    except UnexpectedResponse as exc:
        sentence = f"{what}: the DataFrame path refuses it ({exc})"
        return Finding("header", "fails", sentence, observed)
    observed["named"] = names
    if orders and names not in orders.values():  # the header says which is which: not so
        sentence = f"{what}, but the DataFrame path names them {', '.join(names)}."
        return Finding("header", "fails", sentence, observed)
    verdict: Verdict = "warn" if shared or kind is None else "ok"
    sentence = f"{what}; the DataFrame path names each column after its field."
    return Finding("header", verdict, sentence, observed)


def rows(probe: Probe, explore: Explore) -> Finding:
    """How many rows ``limit=-1`` brings this user (counted as they stream, at most
    `MOST_ROWS`): every row (``download_without_limit``), or a cap Looker does not report."""
    field = explore.rows_field
    query_id = probe.saved(explore.query([field]))
    ran = probe.run(query_id, "csv", limit=-1)
    count = -1  # the header is no row
    response = ran.response
    try:
        if response.status_code != 200:
            response.read()
            words = looker_said(response)
            return Finding("rows", "fails", f"A limit=-1 query on {field} failed ({words}).")
        for _row in csv.reader(response.iter_lines()):
            count += 1
            if count >= MOST_ROWS:
                break
    finally:
        response.close()
    observed = {"field": field, "rows": count, "complete": count < MOST_ROWS}
    if count >= MOST_ROWS:
        sentence = (
            f"limit=-1 on {field} brought more than {MOST_ROWS - 1:,} rows, so this login gets "
            "every row (download_without_limit); the DataFrame path keeps them all."
        )
        return Finding("rows", "ok", sentence, observed)
    if count in SILENT_CAPS:
        sentence = (
            f"limit=-1 on {field} brought exactly {count:,} rows, a cap Looker applies without "
            "saying so (no download_without_limit, or a query that does not stream); "
            "the DataFrame path warns ResultTruncated on such a result."
        )
        return Finding("rows", "warn", sentence, observed)
    if count > min(SILENT_CAPS):
        sentence = (
            f"limit=-1 on {field} brought {count:,} rows, more than 5,000, so this login is not "
            "held to the browser's cap (download_without_limit)."
        )
        return Finding("rows", "ok", sentence, observed)
    sentence = (
        f"limit=-1 on {field} brought {count:,} rows, no more than 5,000, so this does not show "
        "whether Looker caps limit=-1 for you; name a field with more values with --rows-field."
    )
    return Finding("rows", "warn", sentence, observed)


def json_detail(probe: Probe, explore: Explore) -> Finding:
    """The keys of a json_detail result, whether its cells are ``{"value": ...}``, and what its
    ``errors`` hold (a Development Mode note), as the pivot path reads them."""
    query_id = probe.saved(explore.query(explore.fields, limit="3"))
    ran = probe.run(query_id, "json_detail").read()
    if ran.response.status_code != 200:
        words = looker_said(ran.response)
        return Finding("json_detail", "fails", f"A json_detail run failed ({words}).")
    try:
        detail = ran.response.json()
    except ValueError as exc:  # cut short, not UTF-8, not JSON
        sentence = f"A json_detail result is not JSON ({type(exc).__name__}: {exc})"
        return Finding("json_detail", "fails", sentence + "; the pivot path cannot read it.")
    if not isinstance(detail, dict):
        sentence = f"A json_detail result is a JSON {type(detail).__name__}, not an object"
        return Finding("json_detail", "fails", sentence + "; the pivot path cannot read it.")
    keys = sorted(detail)
    found = detail.get("data")
    data: list[Any] = found if isinstance(found, list) else []
    cells = [v for row in data if isinstance(row, dict) for v in row.values()]
    wrapped = bool(cells) and all(isinstance(v, dict) and "value" in v for v in cells)
    errors = detail.get("errors") or []
    observed = {"keys": keys, "cells_wrapped": wrapped, "errors": errors}
    read = [k for k in _DETAIL_KEYS if k in keys]
    others = len(keys) - len(read)
    what = f"A json_detail result has the keys {', '.join(read)} (and {others} other(s))"
    lacking = [k for k in ("data", "fields") if k not in keys]
    if lacking:
        sentence = f"{what}, without {' or '.join(lacking)}; the pivot path cannot read it."
        return Finding("json_detail", "fails", sentence, observed)
    what += (
        ', its cells are {"value": ...}'
        if wrapped
        else f', and {len(cells)} cell(s) not all {{"value": ...}}'
    )
    if not wrapped and cells:
        return Finding(
            "json_detail", "fails", what + "; the pivot path cannot read them.", observed
        )
    try:
        notes = json_detail_notes(detail)
    except QueryError as exc:
        sentence = f"{what}, and its errors say the query failed: {exc}"
        return Finding("json_detail", "fails", sentence, observed)
    if notes:
        said_notes = "; ".join(str(n[0]) for n in notes)
        sentence = (
            f"{what}, and a note in errors, which the pivot path shows as a QueryNote "
            f"({said_notes})."
        )
        return Finding("json_detail", "warn", sentence, observed)
    return Finding(
        "json_detail", "ok", f"{what}, and no errors; the pivot path reads it.", observed
    )


def error(probe: Probe, explore: Explore) -> Finding:
    """Where Looker refuses a query on an unknown field (``POST /queries``, or when it runs),
    in which words, and whether the DataFrame path names the part it could not build."""
    bad = f"{explore.view}.{UNKNOWN_FIELD}"
    body = explore.query([bad], limit="1")
    created = probe.save(body)
    if created.status_code >= 400:
        where, words = f"at POST /queries (HTTP {created.status_code})", looker_said(created)
    else:
        ran = probe.run(str(created.json()["id"]), "csv").read()
        status = ran.response.status_code
        if status == 200:
            sentence = f"Looker ran a query on the unknown field {bad} without an error."
            return Finding("error", "warn", sentence + " The probe could not see a refusal.")
        where, words = f"when it runs (results HTTP {status})", looker_said(ran.response)
    observed = {"where": where, "said": words}
    what = f"Looker refuses a query on an unknown field {where}, saying {words!r}"
    part = unbuilt_part(words)
    if part is None:
        sentence = f"{what}; the DataFrame path would report it as a database failure."
        return Finding("error", "warn", sentence, observed)
    sentence = f"{what}; the DataFrame path says it could not build the query from its {part}."
    return Finding("error", "ok", sentence, observed)


def polls(probe: Probe, explore: Explore) -> Finding:
    """The polls one small query task took, and Looker's run time for it."""
    query_id = probe.saved(explore.query(explore.fields, limit="3"))
    ran = probe.run(query_id, "csv").read()
    runtime = probe.runtime(ran.task_id)
    observed = {"polls": ran.polls, "runtime": runtime}
    ran_for = "" if runtime is None else f", which Looker ran in {runtime:.2f} s"
    sentence = f"One query task took {ran.polls} poll(s) of its results{ran_for}."
    return Finding("polls", "ok", sentence, observed)


def as_json(findings: list[Finding]) -> str:
    """The findings for machines: one object per probe."""
    return json.dumps(
        [
            {"probe": f.probe, "verdict": f.verdict, "sentence": f.sentence, **f.observed}
            for f in findings
        ],
        indent=2,
    )
