"""The DataFrame libraries: without pandas, polars or pyarrow the call says what to install
before it asks Looker for anything; without pyarrow pandas parses with the same dtypes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from looker_nb_auth import BackendNotInstalled, ConfigurationError, LookerSession

from .helpers import EVENT_DTYPES, EVENTS

_WITHOUT = """
import sys
sys.path.insert(0, {tests!r})
for name in {blocked!r}:
    sys.modules[name] = None  # as if not installed
from support import CLIENT_GUID, REDIRECT_URI, log_in, make_session
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
clock = ManualClock()
with FakeLooker(clock=clock.now) as fake:
    fake.config.big_rows = 50
    fake.register_app(CLIENT_GUID, REDIRECT_URI, display_name="t", description="t")
    session = make_session(fake, clock)
    log_in(session)
    try:
        frame = session.run_query(
            model="demo", view="events", fields={fields!r}, limit=-1, backend={backend!r}
        )
    except Exception as error:
        print(type(error).__name__ + ": " + str(error))
        print("tasks", sum(1 for m, p in fake.requests if p.endswith("/query_tasks")))
    else:
        print({{str(k): str(v) for k, v in frame.dtypes.items()}})
"""


def _without(blocked: list[str], backend: str = "pandas") -> str:
    code = _WITHOUT.format(
        tests=str(Path(__file__).parents[1]), blocked=blocked, fields=EVENTS, backend=backend
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_without_pyarrow_pandas_parses_with_the_same_dtypes() -> None:
    printed = _without(["pyarrow"])
    assert printed == str(EVENT_DTYPES)


def test_without_pandas_the_sentence_says_what_to_install_before_asking_looker() -> None:
    printed = _without(["pandas"])
    assert printed.splitlines() == [
        "BackendNotInstalled: DataFrames need pandas, which is not installed; run pip install "
        "'looker-nb-auth[pandas]' and restart the kernel.",
        "tasks 0",
    ]


def test_polars_without_pyarrow_says_what_to_install() -> None:
    printed = _without(["pyarrow"], backend="polars")
    assert "pip install 'looker-nb-auth[polars]'" in printed
    assert printed.endswith("tasks 0")


def test_backend_names_are_checked(logged_in: LookerSession) -> None:
    with pytest.raises(ValueError, match="backend must be"):
        logged_in.run_look(1, backend="spark")  # type: ignore[arg-type]


def test_backend_not_installed_is_a_configuration_error() -> None:
    assert issubclass(BackendNotInstalled, ConfigurationError)
