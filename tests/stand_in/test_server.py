"""The server object, the command line and the package boundary."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import looker_nb_auth.fake_looker as fake_looker
from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig, ManualClock, OAuthApp

from .helpers import (
    ADA,
    HTTP,
    REDIRECT_URI,
    admin_token,
    authorize_url,
    get_user,
    new_client,
    new_verifier,
    tokens_for,
)

PACKAGE = Path(fake_looker.__file__).parent


def test_start_returns_once_listening_and_stop_is_idempotent() -> None:
    looker = FakeLooker().start()
    assert looker.api_url == looker.web_url
    assert HTTP.get(f"{looker.api_url}/versions").status_code == 200
    looker.stop()
    looker.stop()
    with pytest.raises(httpx.ConnectError):
        HTTP.get(f"{looker.api_url}/versions")


def test_a_running_stand_in_cannot_be_started_again() -> None:
    with FakeLooker() as looker, pytest.raises(RuntimeError, match="already running"):
        looker.start()


def test_a_stopped_stand_in_can_start_again_with_its_state() -> None:
    looker = FakeLooker()
    looker.register_app("a", REDIRECT_URI)
    with looker:
        token = admin_token(looker)
    with looker:
        assert get_user(looker, token).json()["email"] == ADA


def test_a_busy_port_fails_in_start(looker: FakeLooker) -> None:
    port = int(looker.api_url.rsplit(":", 1)[1])
    with pytest.raises(OSError, match="in use"):
        FakeLooker().start(port=port)
    with pytest.raises(OSError, match="in use"):
        FakeLooker().start(ui_port=port)


def test_requests_are_recorded_in_order_without_query_strings(looker: FakeLooker) -> None:
    looker.reset_counters()
    tokens_for(looker)
    assert looker.requests == [
        ("GET", "/auth"),
        ("POST", "/login"),
        ("POST", "/auth/consent"),
        ("POST", "/api/token"),
    ]
    looker.reset_counters()
    assert looker.requests == [] and looker.token_requests == {}


def test_register_app_refuses_duplicates_and_bad_redirect_uris(looker: FakeLooker) -> None:
    app = looker.register_app("b", "http://127.0.0.1:1/cb", "B", "About B")
    assert app == OAuthApp("b", "http://127.0.0.1:1/cb", "B", "About B")
    assert app in looker.config.apps
    with pytest.raises(ValueError, match="already registered"):
        looker.register_app("b", "http://127.0.0.1:1/cb")
    for bad in ("/relative", "javascript:alert(1)", "http://x/cb#frag"):
        with pytest.raises(ValueError, match="absolute"):
            looker.register_app("c", bad)


def test_register_app_takes_several_redirect_uris_and_a_group(looker: FakeLooker) -> None:
    uris = ["https://hub.example/cb", "http://127.0.0.1:2/cb"]
    app = looker.register_app("m", redirect_uris=uris, group_id="2")
    assert (app.redirect_uri, app.redirect_uris, app.group_id) == (uris[0], uris, "2")
    assert looker.register_app("n", uris[1], redirect_uris=uris[1:]).redirect_uris == uris[1:]
    assert looker.register_app("o", uris[0]).redirect_uris == [uris[0]]
    for kwargs, words in [
        ({}, "give redirect_uri"),
        ({"redirect_uris": []}, "give redirect_uri"),
        ({"redirect_uri": uris[1], "redirect_uris": uris}, "first"),
        ({"redirect_uris": [uris[0], uris[0]]}, "twice"),
        ({"redirect_uris": [uris[0], "http://x/cb#frag"]}, "absolute"),
    ]:
        with pytest.raises(ValueError, match=words):
            looker.register_app("bad", **kwargs)  # type: ignore[arg-type]
    assert looker.config.apps[-1].client_guid == "o"


def test_oauth_app_keeps_redirect_uri_the_first_of_redirect_uris() -> None:
    assert OAuthApp("a", "http://x/1", "A").redirect_uris == ["http://x/1"]
    app = OAuthApp("a", "", "A", redirect_uris=["http://x/2", "http://x/3"])
    assert app.redirect_uri == "http://x/2"
    with pytest.raises(ValueError, match="first"):
        OAuthApp("a", "http://x/1", "A", redirect_uris=["http://x/2"])


def test_apps_and_users_come_from_the_config() -> None:
    config = FakeLookerConfig(apps=[OAuthApp("pre", REDIRECT_URI, "Preregistered")])
    config.users[0].email = "boss@example.com"
    with FakeLooker(config) as looker, new_client() as browser:
        page = browser.get(authorize_url(looker, new_verifier(), client_id="pre"))
        assert 'value="boss@example.com"' in page.text


def test_manual_clock_only_moves_when_told() -> None:
    clock = ManualClock(1000.0)
    assert clock.now() == 1000.0
    clock.advance(2.5)
    assert clock.now() == 1002.5
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_command_line_serves_until_sigterm(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "looker_nb_auth.fake_looker",
        "--port",
        "0",
        "--ui-port",
        "0",
        "--redirect-uri",
        REDIRECT_URI,
        "--access-token-ttl",
        "7",
    ]
    source_root = str(PACKAGE.parent.parent)  # the very code under test, wherever it lives
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")]),
    }
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        words = line.split()
        if "API" not in words:
            process.kill()
            pytest.fail(f"no banner; stderr: {process.stderr.read()[-2000:]}")
        api_url, web_url = words[words.index("API") + 1], words[words.index("web") + 1]
        assert api_url != web_url and "ada@example.com" in line
        assert HTTP.get(f"{api_url}/versions").json()["web_server_url"] == web_url
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr.read() == ""


def test_command_line_help_exits_cleanly() -> None:
    with pytest.raises(SystemExit) as info:
        fake_looker.main(["--help"])
    assert info.value.code == 0


# -- the package boundary -------------------------------------------------------------------------


def _imported_modules(path: Path) -> list[tuple[str, int]]:
    modules: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.append((node.module or "", node.level))
    return modules


def test_stand_in_imports_only_itself_the_stdlib_tornado_and_httpx() -> None:
    allowed = set(sys.stdlib_module_names) | {"tornado", "httpx"}
    for path in PACKAGE.glob("*.py"):
        for module, level in _imported_modules(path):
            if level:
                assert level == 1, (path.name, module)  # never climbs out of the subpackage
            elif module.startswith("looker_nb_auth"):
                assert module.startswith("looker_nb_auth.fake_looker"), (path.name, module)
            else:
                assert module.split(".")[0] in allowed, (path.name, module)


def test_all_lists_exactly_the_public_names_and_each_is_documented() -> None:
    public = {name for name in vars(fake_looker) if not name.startswith("_")}
    assert set(fake_looker.__all__) == public
    for name in fake_looker.__all__:
        assert getattr(fake_looker, name).__doc__, name
