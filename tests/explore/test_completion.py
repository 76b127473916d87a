"""Tab completion through a real IPython completer: ``explore.fields.<TAB>`` (attributes),
``explore["orders.<TAB>`` (``_ipython_key_completions_``), and ``session.explore("<TAB>`` /
``session.explore("demo", "<TAB>`` (the matcher ``explore/complete.py`` registers)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from looker_nb_auth import LookerSession
from looker_nb_auth.explore import complete
from looker_nb_auth.fake_looker import FakeLooker


@pytest.fixture(params=[True, False], ids=["jedi", "ipython"])
def shell(request: pytest.FixtureRequest) -> Iterator[InteractiveShell]:
    """An IPython shell of this test's own (history in memory), completing with Jedi (IPython's
    default, and what VS Code and JupyterLab get through ipykernel) or without; forgotten
    afterwards so no other test sees it as the running shell."""
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.IPCompleter.use_jedi = request.param
    InteractiveShell.clear_instance()
    made = InteractiveShell.instance(config=config)
    try:
        yield made
    finally:
        if made.history_manager is not None:
            made.history_manager.end_session()
        InteractiveShell.clear_instance()


def _complete(shell: InteractiveShell, text: str) -> list[str]:
    """What a TAB at the end of ``text`` offers, as ipykernel asks (``completions``), each as
    the text it would leave."""
    with provisionalcompleter():
        found = shell.Completer.completions(text, len(text))
        return [text[: c.start] + c.text for c in found]


def test_explore_fields_completes_views_then_fields(
    shell: InteractiveShell, logged_in: LookerSession
) -> None:
    shell.user_ns["explore"] = logged_in.explore("demo", "orders")
    assert _complete(shell, "explore.fields.") == ["explore.fields.orders"]
    found = _complete(shell, "explore.fields.orders.cr")
    assert {"explore.fields.orders.created_date", "explore.fields.orders.created_month"} <= set(
        found
    )
    assert "explore.fields.orders.sql_error" not in _complete(shell, "explore.fields.orders.s")


def test_explore_key_completes_field_names(
    shell: InteractiveShell, logged_in: LookerSession
) -> None:
    shell.user_ns["explore"] = logged_in.explore("demo", "orders")
    found = _complete(shell, 'explore["orders.cre')
    assert 'explore["orders.created_month' in found, found


def test_session_explore_completes_model_names_then_explore_names(
    shell: InteractiveShell, logged_in: LookerSession
) -> None:
    complete.register()
    shell.user_ns["session"] = logged_in
    assert _complete(shell, 'session.explore("de') == ['session.explore("demo']
    assert 'session.explore("demo", "orders' in _complete(shell, 'session.explore("demo", "')
    assert _complete(shell, "session.explore('demo', 'ord") == ["session.explore('demo', 'orders"]


def test_the_models_are_fetched_once_for_completion(
    shell: InteractiveShell, logged_in: LookerSession, looker: FakeLooker
) -> None:
    complete.register()
    shell.user_ns["session"] = logged_in
    for _ in range(3):
        _complete(shell, 'session.explore("')
    assert looker.requests.count(("GET", "/api/4.0/lookml_models")) == 1


def test_a_session_not_logged_in_completes_nothing_and_asks_nothing(
    shell: InteractiveShell, session: LookerSession, looker: FakeLooker
) -> None:
    complete.register()
    shell.user_ns["session"] = session
    looker.reset_counters()
    assert 'session.explore("demo' not in _complete(shell, 'session.explore("')
    assert looker.requests == []


def test_a_completion_that_fails_offers_nothing_and_never_raises(
    shell: InteractiveShell, logged_in: LookerSession, looker: FakeLooker
) -> None:
    complete.register()
    shell.user_ns["session"] = logged_in
    looker.stop()  # nothing answers: the fetch fails within its short timeout
    assert 'session.explore("demo' not in _complete(shell, 'session.explore("')


def test_importing_the_package_in_ipython_registers_the_matcher(
    shell: InteractiveShell,
) -> None:
    import looker_nb_auth

    looker_nb_auth._complete_in_ipython()
    looker_nb_auth._complete_in_ipython()
    matchers: list[Any] = shell.Completer.custom_matchers
    assert matchers.count(complete.matcher) == 1


def test_register_outside_ipython_does_nothing() -> None:
    InteractiveShell.clear_instance()
    assert complete.register() is False


def test_models_keys_complete_model_then_explore_names(
    shell: InteractiveShell, logged_in: LookerSession
) -> None:
    shell.user_ns["models"] = logged_in.models()
    assert 'models["demo' in _complete(shell, 'models["de')
    assert 'models["demo"]["orders' in _complete(shell, 'models["demo"]["or')


def test_browsing_in_a_script_does_not_import_ipython() -> None:
    code = (
        "import sys; from looker_nb_auth.explore import complete; "
        "print(complete.register(), 'IPython' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
