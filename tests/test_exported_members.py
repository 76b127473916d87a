"""The public surface, and the layout's import rules (checked on the source, as ruff would)."""

import ast
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import looker_nb_auth

PACKAGE = Path(looker_nb_auth.__file__).parent


def test_all_equals_the_public_names() -> None:
    public = {
        name
        for name in dir(looker_nb_auth)
        if not name.startswith("_") and not inspect.ismodule(getattr(looker_nb_auth, name))
    }
    public.add("__version__")
    assert set(looker_nb_auth.__all__) == public


@pytest.mark.parametrize("name", sorted(set(looker_nb_auth.__all__) - {"__version__"}))
def test_every_exported_name_is_documented_and_shown_as_looker_nb_auth(name: str) -> None:
    value = getattr(looker_nb_auth, name)
    assert value.__doc__, name
    assert value.__module__ == "looker_nb_auth"  # tracebacks say looker_nb_auth.LoginRequired


def test_login_shows_its_real_signature() -> None:
    parameters = inspect.signature(looker_nb_auth.login).parameters
    assert {"base_url", "client_guid", "redirect_uri", "wait", "timeout", "cache"} <= set(
        parameters
    )
    assert not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters.values())


@pytest.mark.parametrize(
    ("entry", "own"),
    [
        (looker_nb_auth.LookerSession, {"base_url", "cache", "settings"}),
        (looker_nb_auth.LookerSession.from_cache, {"base_url", "cache"}),
        (looker_nb_auth.login, {"base_url", "cache", "wait", "timeout", "quiet_after"}),
    ],
)
def test_every_entry_point_shows_every_setting_as_a_keyword(entry: object, own: set[str]) -> None:
    """One definition (``SessionOptions``), shown in each signature: Jupyter completes them."""
    from looker_nb_auth._settings import SETTING_NAMES

    parameters = inspect.signature(entry).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    settings = {*SETTING_NAMES, "config_file", "section"}
    if entry is looker_nb_auth.login:  # its timeout is how long it waits, not the HTTP timeout
        settings.discard("timeout")
    assert set(parameters) - own == settings - own


def test_test_knobs_are_not_in_the_public_session_signature() -> None:
    parameters = inspect.signature(looker_nb_auth.LookerSession).parameters
    assert not {"clock", "not_logged_in"} & set(parameters)


def test_importing_the_package_loads_neither_httpx_nor_widgets_nor_looker_sdk() -> None:
    code = (
        "import sys, looker_nb_auth; "
        "print(sorted(m for m in ('httpx', 'anywidget', 'ipywidgets', 'looker_sdk', 'tornado') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the import graph ---------------------------------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    package = ".".join(("looker_nb_auth", *path.relative_to(PACKAGE).parent.parts))
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _sources(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _imports_from(path: Path, folder: str) -> list[str]:
    prefix = f"looker_nb_auth.{folder}"
    return sorted(n for n in _imported_modules(path) if n == prefix or n.startswith(prefix + "."))


_KERNEL = (
    "client",
    "notebook",
    "dataframes",
    "explore",
    "content",
)  # what runs in the kernel (and scripts)


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        # the Jupyter server and the kernel are different processes
        *[("server", folder) for folder in _KERNEL],
        *[(folder, "server") for folder in _KERNEL],
        # pure protocol: no process of its own
        *[("oauth", folder) for folder in (*_KERNEL, "server", "cli")],
        *[(folder, "cli") for folder in (*_KERNEL, "server")],
        # the client every caller uses knows nothing of the notebook's UI
        ("client", "notebook"),
        ("notebook", "dataframes"),
        # DataFrames run on the session's public surface (client, settings), nothing else of it
        ("dataframes", "client"),
        # browsing builds on DataFrames, never the other way; it too needs only that surface
        ("dataframes", "explore"),
        ("explore", "client"),
        # Looks and dashboards build on browsing and DataFrames, on the same surface
        ("dataframes", "content"),
        ("explore", "content"),
        ("content", "client"),
    ],
)
def test_a_process_imports_nothing_from_another(folder: str, forbidden: str) -> None:
    offenders = {p.name: _imports_from(p, forbidden) for p in _sources(folder)}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("folder", ["dataframes", "explore", "content"])
def test_the_client_takes_from_dataframes_and_explore_only_the_calls(folder: str) -> None:
    calls = f"looker_nb_auth.{folder}.calls"
    offenders = {
        p.name: names
        for p in _sources("client")
        if (names := [n for n in _imports_from(p, folder) if not n.startswith(calls)])
    }
    assert offenders == {}


def test_the_import_graph_check_sees_relative_imports() -> None:
    """The check above must be able to fail: the loopback rung does import the callback page."""
    assert "looker_nb_auth._callback_page" in _imported_modules(
        PACKAGE / "client" / "loopback_listener.py"
    )
    assert _imports_from(PACKAGE / "server" / "extension.py", "server")


def test_client_side_imports_nothing_from_the_stand_in() -> None:
    for path in PACKAGE.rglob("*.py"):
        if "fake_looker" in path.parts or path.name == "demo.py":
            continue  # the demo is the glue that starts both
        if path.relative_to(PACKAGE).parts[0] == "cli" and path.name == "main.py":
            continue  # ``looker-nb-auth fake-looker`` runs it
        assert not _imports_from(path, "fake_looker"), path


def test_stand_in_imports_nothing_from_the_client_side() -> None:
    for path in _sources("fake_looker"):
        for name in _imported_modules(path):
            if name.startswith("looker_nb_auth"):
                assert name.startswith("looker_nb_auth.fake_looker"), (path.name, name)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: looker_nb_auth.login(bogus=1), "login"),
        (lambda: looker_nb_auth.LookerSession(redirect_url="x"), "LookerSession"),
        (lambda: looker_nb_auth.LookerSession.from_cache(bogus=1), "from_cache"),
        (lambda: looker_nb_auth.LookerSession.run_query(None, filter={}), "run_query"),
    ],
)
def test_a_keyword_no_signature_shows_is_refused_as_python_would(call: Any, name: str) -> None:
    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument"):
        call()
