"""``looker-nb-auth login`` / ``whoami`` / ``logout`` and ``LookerSession.from_cache()``.

The commands run as real child processes on a pseudo-terminal against the Looker stand-in; the
test plays the person: it reads the terminal until the expected text appears, logs in on
Looker's real pages, and pastes the address or lets the "browser" follow the redirect to the
command's loopback listener. A script run like a cron job then resumes the kept login.
"""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import pytest
from admin_helpers import console_script
from support import PtyCommand, user_environment

from looker_nb_auth import LoginRequired, LookerSession
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser

PASTE_GUID = "cli-paste"
PASTE_REDIRECT = "https://notebooks.example/looker-nb-auth/callback"
LOOPBACK_GUID = "cli-loopback"
ADA_ID = "1"
LOGGED_IN_AS = "as Ada Lovelace (ada@example.com)."
PROMPT = "Then paste the address of the page Looker sent you to: "
TIMEOUT = 60.0  # a bound for waits on output, never reached when things work


class Terminal(PtyCommand):
    """A ``looker-nb-auth`` command on a pseudo-terminal."""


@pytest.fixture
def paste_app(looker: FakeLooker) -> None:
    looker.register_app(PASTE_GUID, PASTE_REDIRECT, display_name="cli", description="CLI.")


@pytest.fixture
def loopback_redirect(looker: FakeLooker) -> str:
    with socket.socket() as sock:  # a free port for the loopback redirect URI
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    uri = f"http://127.0.0.1:{port}/callback"
    looker.register_app(LOOPBACK_GUID, uri, display_name="cli loop", description="CLI loop.")
    return uri


@pytest.fixture
def browser_marker(tmp_path: Path) -> Path:
    """Where the "web browser" (``$BROWSER``) writes the URL it was asked to open."""
    return tmp_path / "browser-opened"


@pytest.fixture
def env(tmp_path: Path, browser_marker: Path) -> dict[str, str]:
    """A clean environment: no Looker settings, the cache file in tmp (no keyring), and a
    ``$BROWSER`` that only records the URL it is given."""
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf %s "$1" > {browser_marker}\n')
    browser.chmod(stat.S_IRWXU)
    return user_environment(tmp_path / "cache", BROWSER=str(browser))  # the 0600 file


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    started: list[Terminal] = []
    yield started
    for terminal in started:
        terminal.close()


class RunCommand(Protocol):
    """``run("login", "--open", LOOKERSDK_BASE_URL=...)``: a command on its own terminal."""

    def __call__(self, *args: str, **extra_env: str) -> Terminal: ...


@pytest.fixture
def run(terminals: list[Terminal], env: dict[str, str], tmp_path: Path) -> RunCommand:
    def start(*args: str, **extra_env: str) -> Terminal:
        terminal = Terminal([*console_script(), *args], {**env, **extra_env}, tmp_path)
        terminals.append(terminal)
        return terminal

    return start


def settings_env(looker: FakeLooker, guid: str, redirect: str) -> dict[str, str]:
    return {
        "LOOKERSDK_BASE_URL": looker.api_url,
        "LOOKERSDK_CLIENT_GUID": guid,
        "LOOKERSDK_REDIRECT_URI": redirect,
    }


def paste_login(terminal: Terminal) -> str:
    """Play the person on the paste flow: open the printed URL, log in, paste the address."""
    shown = terminal.read_until(PROMPT)
    url = shown.split("allow access:\n", 1)[1].splitlines()[0]
    redirected = authorize_in_browser(url)
    terminal.type(redirected)
    return redirected


def logged_in_from_a_terminal(looker: FakeLooker, run: RunCommand) -> dict[str, str]:
    """``looker-nb-auth login`` on the paste flow, done; the settings it used, for the next."""
    where = settings_env(looker, PASTE_GUID, PASTE_REDIRECT)
    login = run("login", **where)
    paste_login(login)
    assert login.finish() == 0
    return where


def assert_no_secret(looker: FakeLooker, *outputs: str) -> None:
    shown = "\n".join(outputs)
    leaked = [secret for secret in looker.secrets_seen() if secret in shown]
    assert leaked == []
    assert "Traceback" not in shown


def whoami_line(looker: FakeLooker) -> str:
    return f"Logged in to Looker at {looker.api_url} as Ada Lovelace (ada@example.com), user id 1"


def test_paste_login_then_whoami_then_logout(
    looker: FakeLooker, paste_app: None, run: RunCommand, env: dict[str, str]
) -> None:
    """The whole life of a terminal login: log in by pasting, ask who, log out, ask again."""
    where = settings_env(looker, PASTE_GUID, PASTE_REDIRECT)
    login = run(
        "login", "--base-url", looker.api_url,
        "--client-guid", PASTE_GUID, "--redirect-uri", PASTE_REDIRECT,
    )  # fmt: skip
    pasted = paste_login(login)
    assert login.finish() == 0
    cache_file = Path(env["LOOKER_NB_AUTH_CACHE_DIR"]) / "tokens.json"
    lines = login.output.replace(pasted, "<pasted>").splitlines()
    assert lines[0] == "Open this URL in a browser, log in to Looker and allow access:"
    assert lines[1].startswith(f"{looker.web_url}/auth?")
    assert lines[2:] == [
        PROMPT + "<pasted>",  # the terminal's echo of what the person pasted
        f"Logged in to Looker at {looker.api_url} {LOGGED_IN_AS}",
        f"The login is kept in file {cache_file} (0600): looker-nb-auth whoami and "
        "LookerSession.from_cache() use it, looker-nb-auth logout ends it.",
    ]
    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600

    whoami = run("whoami", **where)
    assert whoami.finish() == 0
    assert (
        whoami.output == f"{whoami_line(looker)}; the login is kept in file {cache_file} (0600).\n"
    )

    logout = run("logout", **where)
    assert logout.finish() == 0
    assert logout.output == (
        f"Logged out of Looker at {looker.api_url}: Ada Lovelace (ada@example.com)'s login is "
        f"revoked and removed from file {cache_file} (0600).\n"
    )
    assert looker.live_refresh_tokens(ADA_ID) == 0

    again = run("whoami", **where)
    assert again.finish() == 1
    assert (
        again.output == f"Not logged in to Looker at {looker.api_url}; run looker-nb-auth login.\n"
    )
    assert_no_secret(
        looker, login.output.replace(pasted, ""), whoami.output, logout.output, again.output
    )


def test_loopback_login_takes_the_browser_s_redirect(
    looker: FakeLooker, loopback_redirect: str, run: RunCommand
) -> None:
    login = run(
        "login", "--base-url", looker.api_url,
        "--client-guid", LOOPBACK_GUID, "--redirect-uri", loopback_redirect,
    )  # fmt: skip
    shown = login.read_until("(Ctrl-C stops).\n")
    lines = shown.splitlines()
    assert lines[0] == "Open this URL in a browser, log in to Looker and allow access:"
    assert lines[2] == (
        f"Waiting for Looker's answer at {loopback_redirect}, so use a browser on this machine "
        "(Ctrl-C stops)."
    )
    with httpx.Client(trust_env=False, timeout=30) as browser:
        page = browser.get(authorize_in_browser(lines[1]))
    assert page.status_code == 200
    assert "You are logged in to Looker" in page.text
    assert login.finish() == 0
    assert f"Logged in to Looker at {looker.api_url} {LOGGED_IN_AS}\n" in login.output
    assert "The login is kept in file " in login.output
    assert_no_secret(looker, login.output)


def test_settings_come_from_looker_ini_like_a_session_s(
    looker: FakeLooker, paste_app: None, run: RunCommand, tmp_path: Path
) -> None:
    ini = tmp_path / "settings.ini"
    ini.write_text(
        f"[Other]\nbase_url = http://127.0.0.1:9/nowhere\n\n[Cli]\nbase_url = {looker.api_url}\n"
        f"client_guid = {PASTE_GUID}\nredirect_uri = {PASTE_REDIRECT}\n"
    )
    login = run("login", "--ini", str(ini), "--section", "Cli")
    paste_login(login)
    assert login.finish() == 0
    whoami = run("whoami", "--ini", str(ini), "--section", "Cli")
    assert whoami.finish() == 0
    assert whoami.output.startswith(whoami_line(looker))


def test_a_cron_job_resumes_the_login_until_its_tokens_are_revoked(
    looker: FakeLooker, paste_app: None, run: RunCommand, env: dict[str, str], tmp_path: Path
) -> None:
    where = logged_in_from_a_terminal(looker, run)
    job = tmp_path / "job.py"
    job.write_text(
        textwrap.dedent(
            """\
            from looker_nb_auth import LoginRequired, LookerSession

            try:
                session = LookerSession.from_cache()
            except LoginRequired as exc:
                print("LoginRequired:", exc)
                raise SystemExit(1) from None
            with session:
                print("user", session.user.email, session.client.get("user").json()["email"])
            """
        )
    )

    def cron() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(job)], env={**env, **where}, cwd=tmp_path,
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip

    first = cron()
    assert (first.returncode, first.stdout, first.stderr) == (
        0, "user ada@example.com ada@example.com\n", ""
    )  # fmt: skip
    looker.revoke_user_tokens(ADA_ID)
    revoked = cron()
    assert (revoked.returncode, revoked.stderr) == (1, "")
    assert revoked.stdout == (
        f"LoginRequired: Looker refused the saved login for {looker.api_url} (it expired or "
        "was revoked); run looker-nb-auth login (or login() in a notebook) to log in again.\n"
    )
    gone = cron()  # the refused entry was deleted
    assert gone.stdout.startswith(f"LoginRequired: No Looker login for {looker.api_url} is saved")
    assert_no_secret(looker, first.stdout, revoked.stdout, gone.stdout)


def test_from_cache_without_a_saved_login_says_how_to_log_in(
    looker: FakeLooker, paste_app: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from looker_nb_auth import FileCache

    cache = FileCache(tmp_path / "tokens.json")
    with pytest.raises(LoginRequired) as raised:
        LookerSession.from_cache(
            looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT, cache=cache
        )
    assert str(raised.value) == (
        f"No Looker login for {looker.api_url} is saved in {cache.description}; run "
        "looker-nb-auth login (or login() in a notebook) to log in."
    )


def test_without_open_no_browser_is_started(
    looker: FakeLooker, paste_app: None, run: RunCommand, browser_marker: Path
) -> None:
    login = run("login", **settings_env(looker, PASTE_GUID, PASTE_REDIRECT))
    paste_login(login)
    assert login.finish() == 0
    assert not browser_marker.exists()


def test_open_starts_the_browser_on_the_login_page(
    looker: FakeLooker, paste_app: None, run: RunCommand, browser_marker: Path
) -> None:
    login = run("login", "--open", **settings_env(looker, PASTE_GUID, PASTE_REDIRECT))
    shown = login.read_until(PROMPT)
    assert shown.startswith(
        "Opened this URL in your browser; log in to Looker and allow access there:\n"
    )
    opened = browser_marker.read_text()  # the browser had the URL before the prompt appeared
    assert opened == shown.splitlines()[1]
    login.type(authorize_in_browser(opened))
    assert login.finish() == 0
    assert LOGGED_IN_AS in login.output


INTERRUPTED = "looker-nb-auth login: Login interrupted; run looker-nb-auth login again to log in."


def assert_interrupted_in_one_line(login: Terminal, waiting_for: str) -> None:
    """Ctrl-C once ``waiting_for`` shows: exit code 130 and one line, no traceback."""
    before = login.read_until(waiting_for)
    login.interrupt()
    assert login.finish() == 130
    assert login.output.removeprefix(before).strip() == INTERRUPTED


def test_ctrl_c_while_waiting_is_one_line_and_exit_130(
    looker: FakeLooker, loopback_redirect: str, run: RunCommand
) -> None:
    login = run("login", **settings_env(looker, LOOPBACK_GUID, loopback_redirect))
    assert_interrupted_in_one_line(login, "(Ctrl-C stops).\n")


def test_ctrl_c_at_the_paste_prompt_is_one_line_and_exit_130(
    looker: FakeLooker, paste_app: None, run: RunCommand
) -> None:
    login = run("login", **settings_env(looker, PASTE_GUID, PASTE_REDIRECT))
    assert_interrupted_in_one_line(login, PROMPT)


def test_a_pasted_deny_is_one_sentence_and_exit_1(
    looker: FakeLooker, paste_app: None, run: RunCommand
) -> None:
    login = run("login", **settings_env(looker, PASTE_GUID, PASTE_REDIRECT))
    shown = login.read_until(PROMPT)
    denied = authorize_in_browser(shown.splitlines()[1], approve=False)
    login.type(denied)
    assert login.finish() == 1
    said = login.output.replace(denied, "").removeprefix(shown).strip()
    assert said.startswith("looker-nb-auth login: Looker did not log you in (")
    assert said.count("\n") == 0
    assert_no_secret(looker, said)


def test_a_missing_setting_is_one_sentence_and_exit_2(run: RunCommand) -> None:
    login = run("login", "--client-guid", PASTE_GUID, "--redirect-uri", PASTE_REDIRECT)
    assert login.finish() == 2
    (line,) = login.output.splitlines()
    assert line.startswith("looker-nb-auth login: ")
    assert "base_url" in line


def test_a_missing_setting_names_the_command_s_options_not_login_s_arguments(
    run: RunCommand,
) -> None:
    login = run("login")
    assert login.finish() == 2
    assert login.output == (
        "looker-nb-auth login: The Looker API URL (base_url), the Looker OAuth client guid "
        "(client_guid) and the OAuth redirect URI (redirect_uri) are not set: pass --base-url, "
        "--client-guid and --redirect-uri, set LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_GUID and "
        "LOOKERSDK_REDIRECT_URI, add them to looker.ini, or ask your Jupyter admin to set "
        "c.LookerNbAuth.base_url, c.LookerNbAuth.client_guid and c.LookerNbAuth.redirect_uri.\n"
    )


def test_the_page_after_a_terminal_login_says_to_return_to_the_terminal(
    looker: FakeLooker, loopback_redirect: str, run: RunCommand
) -> None:
    login = run("login", **settings_env(looker, LOOPBACK_GUID, loopback_redirect))
    url = login.read_until("(Ctrl-C stops).\n").splitlines()[1]
    with httpx.Client(trust_env=False, timeout=30) as browser:
        page = browser.get(authorize_in_browser(url))
    assert login.finish() == 0
    assert (
        "<h1>You are logged in to Looker. You can close this window and return to your "
        "terminal.</h1>" in page.text
    )
    assert "notebook" not in page.text


def test_the_page_after_a_terminal_deny_says_to_run_login_again(
    looker: FakeLooker, loopback_redirect: str, run: RunCommand
) -> None:
    login = run("login", **settings_env(looker, LOOPBACK_GUID, loopback_redirect))
    url = login.read_until("(Ctrl-C stops).\n").splitlines()[1]
    with httpx.Client(trust_env=False, timeout=30) as browser:
        page = browser.get(authorize_in_browser(url, approve=False))
    assert login.finish() == 1
    assert (
        "<h1>You did not allow access in Looker; run looker-nb-auth login in your terminal to "
        "try again.</h1>" in page.text
    )
    assert "notebook" not in page.text


NOT_THIS_LOGIN = (
    "looker-nb-auth login: That address is not this login's (it is an older login's, another "
    "one's or cut short); paste the whole address of the newest page Looker sent you to."
)


@pytest.mark.parametrize("which", ["an older login's", "a made-up state"])
def test_a_pasted_address_that_is_not_this_login_s_is_said_plainly_and_asked_for_again(
    looker: FakeLooker, paste_app: None, run: RunCommand, which: str
) -> None:
    if which == "a made-up state":
        wrong = f"{PASTE_REDIRECT}?code=made-up&state=made-up"
    else:
        with LookerSession(
            looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT
        ) as earlier:
            wrong = authorize_in_browser(earlier.start_login().url)
    login = run("login", **settings_env(looker, PASTE_GUID, PASTE_REDIRECT))
    shown = login.read_until(PROMPT)
    login.type(wrong)
    again = login.read_until(re.compile(f"(?s){re.escape(PROMPT)}.*{re.escape(PROMPT)}"))
    assert again.removeprefix(shown).splitlines() == [wrong, NOT_THIS_LOGIN, PROMPT]
    login.type(authorize_in_browser(shown.split("allow access:\n", 1)[1].splitlines()[0]))
    assert login.finish() == 0
    assert LOGGED_IN_AS in login.output


def test_a_cache_that_cannot_be_written_is_a_one_line_warning_without_tokens(
    looker: FakeLooker, paste_app: None, run: RunCommand, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    login = run(
        "login",
        LOOKER_NB_AUTH_CACHE_DIR=str(blocked / "cache"),
        **settings_env(looker, PASTE_GUID, PASTE_REDIRECT),
    )
    pasted = paste_login(login)
    assert login.finish() == 0
    after = login.output.replace(pasted, "").split(PROMPT, 1)[1].strip().splitlines()
    assert after == [
        f"looker-nb-auth login: warning: Could not write the token cache "
        f"{blocked / 'cache' / 'tokens.json'}: Not a directory.",
        f"Logged in to Looker at {looker.api_url} {LOGGED_IN_AS}",
        "This login is not remembered (see the warning above), so scripts cannot use it.",
    ]
    assert_no_secret(looker, "\n".join(after))


def test_an_unsafe_cache_file_is_a_one_line_warning_and_not_logged_in(
    looker: FakeLooker, paste_app: None, run: RunCommand, env: dict[str, str]
) -> None:
    where = logged_in_from_a_terminal(looker, run)
    cache_file = Path(env["LOOKER_NB_AUTH_CACHE_DIR"]) / "tokens.json"
    cache_file.chmod(0o644)
    whoami = run("whoami", **where)
    assert whoami.finish() == 1
    assert whoami.output.splitlines() == [
        f"looker-nb-auth whoami: warning: Ignoring the token cache {cache_file}: it is readable "
        f"or writable by other users; run chmod 600 {cache_file} or delete it.",
        f"Not logged in to Looker at {looker.api_url}; run looker-nb-auth login.",
    ]
    assert_no_secret(looker, whoami.output)


def test_logout_when_looker_cannot_revoke_still_deletes_the_kept_login(
    looker: FakeLooker, paste_app: None, run: RunCommand, env: dict[str, str]
) -> None:
    where = logged_in_from_a_terminal(looker, run)
    looker.fail_next(1, 500, target="api")  # DELETE /api/logout
    logout = run("logout", **where)
    assert logout.finish() == 1
    (line,) = logout.output.splitlines()
    assert line.startswith("looker-nb-auth logout: Logged out here, but Looker did not revoke")
    again = run("whoami", **where)
    assert again.finish() == 1
    assert again.output.startswith("Not logged in to Looker at ")
    assert_no_secret(looker, logout.output, again.output)


def test_logout_when_nobody_is_logged_in_says_so(
    looker: FakeLooker, paste_app: None, run: RunCommand
) -> None:
    logout = run("logout", **settings_env(looker, PASTE_GUID, PASTE_REDIRECT))
    assert logout.finish() == 0
    assert logout.output == f"Not logged in to Looker at {looker.api_url}; nothing to log out.\n"


def test_logout_when_looker_cannot_renew_the_login_still_deletes_it_here(
    looker: FakeLooker, paste_app: None, run: RunCommand
) -> None:
    where = logged_in_from_a_terminal(looker, run)
    looker.fail_next(1, 503, target="token")  # the refresh that would give a token to revoke
    logout = run("logout", **where)
    assert logout.finish() == 1
    (line,) = logout.output.splitlines()
    assert line.startswith("looker-nb-auth logout: Removed the login from file ")
    assert line.endswith(
        "but Looker could not renew it to revoke it, so it stays valid at Looker until it expires."
    )
    again = run("whoami", **where)
    assert again.finish() == 1
    assert (
        again.output == f"Not logged in to Looker at {looker.api_url}; run looker-nb-auth login.\n"
    )


def test_a_taken_loopback_port_falls_back_to_the_pasted_address(
    looker: FakeLooker, loopback_redirect: str, run: RunCommand
) -> None:
    port = urlsplit(loopback_redirect).port
    assert port is not None
    with socket.socket() as holder:  # another program listens on the redirect URI's port
        holder.bind(("127.0.0.1", port))
        holder.listen()
        login = run("login", **settings_env(looker, LOOPBACK_GUID, loopback_redirect))
        shown = login.read_until(PROMPT)
        assert shown.splitlines()[0] == (
            f"looker-nb-auth login: Cannot listen on 127.0.0.1:{port}, where the redirect URI "
            "points (Address already in use), so paste the address Looker sends you to instead."
        )
        redirected = authorize_in_browser(shown.splitlines()[2])
    login.type(redirected)  # what the browser's address bar shows: the page did not load
    assert login.finish() == 0
    assert LOGGED_IN_AS in login.output
