"""``looker-nb-auth doctor --data`` against the stand-in in each of its modes: every knob value
that models an answer Looker's documentation does not settle (``docs/fidelity.md``). Each probe
must say, in its sentence, which answer it saw, and whether the DataFrame path handles it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from admin_helpers import console_script
from support import CLIENT_GUID, REDIRECT_URI

from looker_nb_auth import ColumnEmpty, LookerAuthError, LookerSession
from looker_nb_auth.cli.doctor_data import print_findings, run_probes
from looker_nb_auth.cli.dynamic_probe import CUSTOM_MEASURE, TABLE_CALCULATION, probe_query
from looker_nb_auth.cli.main import main
from looker_nb_auth.cli.probes import Finding, Probe
from looker_nb_auth.dataframes import task
from looker_nb_auth.dataframes.describe import Query
from looker_nb_auth.dataframes.drive import Call
from looker_nb_auth.dataframes.task import polls_for
from looker_nb_auth.fake_looker import FakeLooker, ManualClock

#: A measure first, so that a header in dimensions-first order shows it moved.
FIELDS = ["orders.count", "orders.region", "orders.category"]


def probe(session: LookerSession, name: str, **options: object) -> Finding:
    found = run_probes(session, "demo", "orders", only=[name], **options)  # type: ignore[arg-type]
    assert [f.probe for f in found] == [name]
    return found[0]


#: What each header text says of FIELDS, and its name in the probe's sentence.
TEXTS = {
    "label": ("labels", ["Orders Count", "Orders Region", "Orders Category"]),
    "label_short": ("short labels", ["Count", "Region", "Category"]),
    "name": ("field names", FIELDS),
}


@pytest.mark.parametrize("header", list(TEXTS))
@pytest.mark.parametrize(
    ("order", "order_said"),
    [("query", "in the query's order"), ("dimensions_first", "in dimensions first")],
)
def test_the_header_probe_says_which_text_and_which_order(
    logged_in: LookerSession, looker: FakeLooker, header: str, order: str, order_said: str
) -> None:
    looker.config.csv_header = header  # type: ignore[assignment]
    looker.config.csv_order = order  # type: ignore[assignment]
    found = probe(logged_in, "header")
    assert found.verdict == "ok", found.sentence
    text, cells = TEXTS[header]
    if order == "dimensions_first":
        cells = [*cells[1:], cells[0]]  # the measure moves after the dimensions
    shown = ", ".join(repr(c) for c in cells)
    assert found.sentence == (
        f"The CSV header names the columns by their {text} ({shown}), {order_said}; the "
        "DataFrame path names each column after its field."
    )
    named = FIELDS if order == "query" else [*FIELDS[1:], FIELDS[0]]
    assert found.observed["named"] == named


def test_a_header_no_metadata_gives_is_what_the_dataframe_path_cannot_read(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.csv_header = "overridden"
    found = probe(logged_in, "header")
    assert found.verdict == "fails"
    assert "text the explore's metadata does not give" in found.sentence
    assert "the DataFrame path refuses it (Looker's CSV header names no field" in found.sentence


@pytest.mark.parametrize("order", ["query", "dimensions_first"])
def test_labels_two_fields_share_are_named_and_said(
    logged_in: LookerSession, looker: FakeLooker, order: str
) -> None:
    looker.config.duplicate_labels = True  # orders.category is labelled "Orders Region" too
    looker.config.csv_order = order  # type: ignore[assignment]
    found = probe(logged_in, "header", fields=["orders.region", "orders.count", "orders.category"])
    assert found.verdict == "warn", found.sentence
    assert "fields of the query share the label 'Orders Region', 'Region'" in found.sentence
    assert "the DataFrame path names each column after its field" in found.sentence
    assert found.observed["named"].index("orders.count") == found.observed["cells"].index(
        "Orders Count"
    )


def test_the_fields_are_the_explore_s_first_measure_and_two_dimensions(
    logged_in: LookerSession,
) -> None:
    found = probe(logged_in, "header")
    assert found.observed["named"] == FIELDS


@pytest.mark.parametrize(
    ("cap", "verdict", "said"),
    [
        (None, "ok", "brought 6,000 rows, more than 5,000, so this login is not held"),
        (5000, "warn", "brought exactly 5,000 rows, a cap Looker applies without saying so"),
    ],
)
def test_the_rows_probe_says_whether_limit_minus_one_is_capped(
    logged_in: LookerSession, looker: FakeLooker, cap: int | None, verdict: str, said: str
) -> None:
    looker.config.big_rows = 6000
    looker.config.unlimited_row_cap = cap
    found = run_probes(logged_in, "demo", "events", only=["rows"])[0]
    assert found.verdict == verdict
    assert f"limit=-1 on events.id {said}" in found.sentence


def test_the_rows_probe_stops_reading_past_the_largest_cap(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.big_rows = 100_005
    found = run_probes(logged_in, "demo", "events", only=["rows"])[0]
    assert found.verdict == "ok"
    assert "more than 100,000 rows, so this login gets every row" in found.sentence
    assert found.observed["rows"] == 100_001


def test_a_few_rows_do_not_say_whether_there_is_a_cap(logged_in: LookerSession) -> None:
    found = probe(logged_in, "rows")
    assert found.verdict == "warn"
    assert "limit=-1 on orders.id brought 60 rows, no more than 5,000" in found.sentence
    assert "--rows-field" in found.sentence


@pytest.mark.parametrize("note", [False, True])
def test_the_json_detail_probe_says_its_keys_cells_and_notes(
    logged_in: LookerSession, looker: FakeLooker, note: bool
) -> None:
    looker.config.development_mode_note = note
    found = probe(logged_in, "json_detail")
    keys = "data, fields, pivots, errors" if note else "data, fields, pivots"
    assert found.sentence.startswith(f"A json_detail result has the keys {keys} (and ")
    assert 'its cells are {"value": ...}' in found.sentence
    assert {"data", "fields"} <= set(found.observed["keys"])
    if note:
        assert "errors" in found.observed["keys"]
        assert found.verdict == "warn"
        assert "a note in errors, which the pivot path shows as a QueryNote" in found.sentence
        assert "Development Mode" in found.sentence
    else:
        assert found.verdict == "ok"
        assert found.sentence.endswith("and no errors; the pivot path reads it.")


@pytest.mark.parametrize(
    ("shape", "said"),
    [
        ("wrong_shape", "is a JSON list, not an object"),
        ("cut_row", "is not JSON (JSONDecodeError: "),
    ],
)
def test_a_json_detail_the_pivot_path_cannot_read_fails_the_command(
    logged_in: LookerSession, looker: FakeLooker, shape: str, said: str
) -> None:
    looker.config.malformed_results = shape  # type: ignore[assignment]
    found = probe(logged_in, "json_detail")
    assert found.verdict == "fails"
    assert found.sentence.startswith(f"A json_detail result {said}")
    assert found.sentence.endswith("; the pivot path cannot read it.")
    assert print_findings([found], io.StringIO()) == 1


@pytest.mark.parametrize(
    ("mode", "where"),
    [("run", "when it runs (results HTTP 400)"), ("create", "at POST /queries (HTTP 422)")],
)
def test_the_error_probe_says_where_looker_refuses(
    logged_in: LookerSession, looker: FakeLooker, mode: str, where: str
) -> None:
    looker.config.query_errors = mode  # type: ignore[assignment]
    found = probe(logged_in, "error")
    assert found.verdict == "ok", found.sentence
    assert found.sentence.startswith(f"Looker refuses a query on an unknown field {where}")
    assert "looker_nb_auth_probe_no_such_field" in found.sentence
    assert found.sentence.endswith(
        "the DataFrame path says it could not build the query from its fields."
    )


def test_the_poll_probe_counts_polls_and_says_looker_s_run_time(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    found = probe(logged_in, "polls")
    assert found.verdict == "ok"
    assert found.sentence == (
        "One query task took 1 poll(s) of its results, which Looker ran in 0.00 s."
    )
    polls = [p for m, p in looker.requests if m == "GET" and p.endswith("/results")]
    assert len(polls) == found.observed["polls"] == 1


def test_the_poll_probe_polls_a_slow_query_on_the_dataframe_path_s_schedule(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.query_task_seconds = 2.0
    found = run_probes(logged_in, "demo", "orders", only=["polls"], sleep=clock.advance)[0]
    assert found.observed["polls"] == polls_for(2.0) == 6
    assert found.sentence == (
        "One query task took 6 poll(s) of its results, which Looker ran in 2.00 s."
    )


@pytest.mark.parametrize("ignored", [False, True])
@pytest.mark.parametrize("unasked", ["absent", "computed", "empty"])
@pytest.mark.parametrize("header", ["name", "label"])
def test_the_dynamic_fields_probe_says_how_they_come_back_and_what_run_query_makes_of_them(
    logged_in: LookerSession, looker: FakeLooker, unasked: str, header: str, ignored: bool
) -> None:
    looker.config.table_calcs_unasked = unasked  # type: ignore[assignment]
    looker.config.server_table_calcs_ignored = ignored
    looker.config.csv_header = header  # type: ignore[assignment]
    found = probe(logged_in, "dynamic_fields")
    under = "its name" if header == "name" else "its label"
    if asks_for_table_calculations() and not ignored:  # Looker computes them, as asked
        unasked = "computed"
    said = {
        "absent": "the table calculation's column is missing",
        "computed": f"the table calculation comes back under {under} with 3 value(s)",
        "empty": f"the table calculation comes back under {under} with no values",
    }[unasked]
    assert found.sentence.startswith(
        f"As run_query asks for CSV, {said}; the custom measure comes back under {under} "
        "with 3 value(s)"
    )
    again = "no values" if ignored else "3 value(s)"
    asked_again = f"; asked with server_table_calcs=true, the table calculation has {again};"
    assert (asked_again in found.sentence) == (unasked != "computed")
    # The verdict is the DataFrame path's own: run_query on the same query, here.
    query = probe_query(Probe(logged_in).explore("demo", "orders"))
    assert query is not None
    refused, frame = None, None
    try:
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always", ColumnEmpty)
            frame = logged_in.run_query(query, progress=False)
    except LookerAuthError as exc:
        refused = str(exc)
    if frame is None:
        assert found.verdict == "fails"
        assert found.sentence.endswith(f"the DataFrame path refuses it: {refused}")
        return
    named = [str(c) for c in frame.columns]
    dynamic = [TABLE_CALCULATION, CUSTOM_MEASURE]
    if set(dynamic) <= set(named) and all(frame[n].notna().any() for n in dynamic):
        assert found.verdict == "ok"
        assert found.sentence.endswith("names both columns after their fields, with values.")
    elif [w.category for w in warned] == [ColumnEmpty] and frame[CUSTOM_MEASURE].notna().any():
        assert found.verdict == "warn"  # the DataFrame path says why the column is empty
        assert found.sentence.endswith(
            f"{TABLE_CALCULATION} without values, and warns ColumnEmpty."
        )
    else:
        assert found.verdict == "fails"
        assert f"the DataFrame path gives the columns {', '.join(named)}" in found.sentence


def asks_for_table_calculations() -> bool:
    """Whether the DataFrame path's query task asks Looker to compute table calculations."""
    step = next(task.create(Query("1", "demo", "orders", [], [], None), "csv", None))
    assert isinstance(step, Call)
    return (step.params or {}).get("server_table_calcs") == "true"


def test_print_findings_exit_code_and_json(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.config.csv_header = "overridden"
    findings = run_probes(logged_in, "demo", "orders", only=["header", "polls"])
    out = io.StringIO()
    assert print_findings(findings, out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("fails header: The CSV header says ")
    assert lines[1].startswith("ok    polls: One query task took 1 poll(s)")
    assert lines[2] == "The DataFrame path cannot handle: header."
    out = io.StringIO()
    assert print_findings(findings[1:], out, as_json=True) == 0
    assert json.loads(out.getvalue())[0]["polls"] == 1


def test_an_unknown_explore_is_one_sentence(logged_in: LookerSession) -> None:
    with pytest.raises(LookerAuthError, match="demo::nope"):
        run_probes(logged_in, "demo", "nope")


def test_doctor_data_needs_an_explore(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["doctor", "--data"])
    assert exited.value.code == 2
    assert "--data needs --explore MODEL::EXPLORE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["doctor", "--data", "--explore", "orders"])
    assert "--explore must be model::explore, not 'orders'" in capsys.readouterr().err


def test_help_says_what_data_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["doctor", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--data" in shown and "--explore MODEL::EXPLORE" in shown
    assert "how many rows limit=-1 brings" in shown


def test_the_command_uses_the_login_kept_by_login(looker: FakeLooker, tmp_path: Path) -> None:
    """The whole command, as a user runs it: log in from a script to the persistent cache,
    then ``looker-nb-auth doctor --data`` in a child process finds that login."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LOOKERSDK_", "LOOKER_NB"))},
        "LOOKER_NB_AUTH_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "LOOKERSDK_BASE_URL": looker.api_url,
        "LOOKERSDK_CLIENT_GUID": CLIENT_GUID,
        "LOOKERSDK_REDIRECT_URI": REDIRECT_URI,
    }
    command = [*console_script(), "doctor", "--data", "--explore", "demo::orders"]
    not_yet = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert not_yet.returncode == 1
    assert "Not logged in to Looker at" in not_yet.stdout
    login = (
        "import sys; from looker_nb_auth import LookerSession; "
        "from looker_nb_auth.fake_looker import authorize_in_browser; "
        "s = LookerSession(cache=True); r = s.start_login(); "
        "s.complete_login(authorize_in_browser(r.url))"
    )
    subprocess.run([sys.executable, "-c", login], env=env, check=True, timeout=120)
    looker.config.csv_header = "overridden"  # a header the DataFrame path cannot read
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0].split()[-1] for line in lines[:-1]] == [
        "header",
        "rows",
        "json_detail",
        "error",
        "polls",
        "dynamic_fields",
    ]
    assert lines[0].startswith("fails header: The CSV header says 'Count (as shown)', ")
    assert lines[-1].startswith("The DataFrame path cannot handle: header")
    assert done.stderr == ""
