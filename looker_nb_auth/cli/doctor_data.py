"""``looker-nb-auth doctor --data``: what the DataFrame path relies on, seen on your Looker.

With the login kept by ``looker-nb-auth login`` (so: your instance, your permissions), it runs
a few tiny queries on an explore you name and prints one sentence per probe
(``data_probes.py``): what Looker answered, and whether the DataFrame path handles it. Exit code
0 when it handles everything seen, 1 when a probe saw something it cannot handle (or could not
run); ``--json`` prints the findings for machines instead. ``docs/fidelity.md`` names the probe
that checks each of its assumptions.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

import httpx

from .._errors import LookerAuthError
from ..client.session import LookerSession
from . import data_probes, dynamic_probe
from .login import Target, _command
from .probes import Explore, Finding, Probe

__all__ = ["PROBES", "parse_explore", "print_findings", "run_doctor_data", "run_probes"]

PROBES: tuple[tuple[str, Callable[[Probe, Explore], Finding]], ...] = (
    ("header", data_probes.header),
    ("rows", data_probes.rows),
    ("json_detail", data_probes.json_detail),
    ("error", data_probes.error),
    ("polls", data_probes.polls),
    ("dynamic_fields", dynamic_probe.dynamic_fields),
)


def parse_explore(text: str) -> tuple[str, str]:
    """``model::explore`` as (model, explore); a ValueError says what is expected."""
    model, sep, view = text.partition("::")
    if not sep or not model.strip() or not view.strip():
        raise ValueError(f"--explore must be model::explore, not {text!r}")
    return model.strip(), view.strip()


def run_probes(
    session: LookerSession,
    model: str,
    view: str,
    *,
    fields: Sequence[str] = (),
    rows_field: str | None = None,
    only: Sequence[str] = (),
    sleep: Callable[[float], None] = time.sleep,
) -> list[Finding]:
    """Every probe (or those in ``only``) on ``model::view``, with a logged-in ``session``;
    ``sleep`` waits between polls. A probe that Looker stops half-way is a ``fails`` finding;
    the others still run."""
    probe = Probe(session, sleep)
    explore = probe.explore(model, view, fields, rows_field)
    findings = []
    for name, run in PROBES:
        if only and name not in only:
            continue
        try:
            findings.append(run(probe, explore))
        except (LookerAuthError, httpx.HTTPError, ValueError, csv.Error) as exc:
            # an answer the probe could not read (cut short, not UTF-8) is said as it is
            said = exc if isinstance(exc, LookerAuthError) else f"{type(exc).__name__}: {exc}"
            findings.append(Finding(name, "fails", f"The {name} probe could not run: {said}"))
    return findings


def print_findings(findings: Sequence[Finding], out: TextIO, *, as_json: bool = False) -> int:
    """One line per finding (or JSON); 1 if the DataFrame path cannot handle one, else 0."""
    if as_json:
        print(data_probes.as_json(list(findings)), file=out)
    else:
        for finding in findings:
            print(f"{finding.verdict:<5} {finding.probe}: {finding.sentence}", file=out)
        failed = [f.probe for f in findings if f.failed]
        if failed:
            print(f"The DataFrame path cannot handle: {', '.join(failed)}.", file=out)
        else:
            print("The DataFrame path handles everything these probes saw.", file=out)
    return 1 if any(f.failed for f in findings) else 0


def run_doctor_data(
    target: Target,
    explore: str,
    *,
    fields: Sequence[str] = (),
    rows_field: str | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
) -> int:
    """The command: resume the kept login, run the probes, print them."""
    stream = out or sys.stdout

    def run() -> int:
        model, view = parse_explore(explore)
        with target.session() as session:
            if not session.resume():
                base = session.settings.base_url
                print(f"Not logged in to Looker at {base}; run looker-nb-auth login.", file=stream)
                return 1
            findings = run_probes(session, model, view, fields=fields, rows_field=rows_field)
        return print_findings(findings, stream, as_json=as_json)

    return _command("doctor", run)
