"""``looker-nb-auth doctor`` against the real Looker stand-in and a real Jupyter server."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from admin_helpers import (
    STATUS_LINE,
    closed_port_url,
    console_script,
    hide_looker_sdk,
    isolate,
    set_extension_enabled,
    statuses,
    use_admin,
    use_settings,
)
from jupyter_process import JupyterServer, Kernel, jupyter_server
from support import CLIENT_GUID, REDIRECT_URI

from looker_nb_auth._settings import resolve_settings
from looker_nb_auth.cli._admin_sdk import SDK_LISTS_REDIRECT_URIS
from looker_nb_auth.cli.check import Check
from looker_nb_auth.cli.doctor import check_cache, run_doctor
from looker_nb_auth.cli.doctor_looker import (
    check_app,
    check_clock,
    clock_skew,
    describe_uri_difference,
)
from looker_nb_auth.cli.main import main
from looker_nb_auth.fake_looker import FakeLooker

ALL = ("extension", "settings", "looker", "clock", "app", "cache")
KERNEL_SECRET_ENV = "LOOKER_NB_AUTH_SECRET"
WRONG_SECRET = "wrong-secret-for-this-server-0123456789abcdef"


@pytest.fixture(autouse=True)
def jupyter_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, dict[str, str]]:
    code = main(["doctor", *args])
    out = capsys.readouterr().out
    return code, out, statuses(out)


def line(out: str, name: str) -> str:
    """The status line of check ``name`` and the lines under it, up to the next check."""
    lines = out.splitlines()
    start = next(
        i for i, text in enumerate(lines) if (m := STATUS_LINE.match(text)) and m[2] == name
    )
    end = start + 1
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    return "\n".join(lines[start:end])


# -- the whole run, in this process -------------------------------------------------------------


def test_all_checks_pass_against_the_stand_in(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_settings(monkeypatch, looker.api_url)
    use_admin(monkeypatch, looker)

    code, out, found = doctor(capsys)

    assert code == 0
    # outside a Jupyter server the extension can only be a warning
    assert found == dict.fromkeys(ALL, "ok") | {"extension": "warn"}
    assert out.splitlines()[-1] == "No check failed (1 warning(s))."
    assert "not running inside a Jupyter server; the looker-nb-auth extension is enabled" in out
    # The redirect URI is on loopback: say the rung that applies, not "a pasted URL".
    assert f"fall back to this process's own loopback listener on {REDIRECT_URI}" in out
    settings = line(out, "settings")
    assert f"base_url     {looker.api_url}   [environment (LOOKERSDK_BASE_URL)]" in settings
    assert f"client_guid  {CLIENT_GUID}   [environment (LOOKERSDK_CLIENT_GUID)]" in settings
    assert f"redirect_uri {REDIRECT_URI}   [environment (LOOKERSDK_REDIRECT_URI)]" in settings
    assert "verify_ssl   true   [default]" in settings
    assert "looker_url   (not set: Looker's web_server_url from /versions)" in settings
    assert line(out, "looker") == (
        f"ok    looker: Looker 26.0.0 at {looker.api_url} serves API 4.0; looker_url comes from "
        f"its web_server_url {looker.web_url}"
    )
    assert "this machine's clock is" in line(out, "clock")
    assert line(out, "app") == (
        f"ok    app: OAuth app {CLIENT_GUID} is registered and enabled with redirect URI "
        f"{REDIRECT_URI}"
    )
    assert "no cache file at" in line(out, "cache")
    assert "(the cache is opt-in)" in line(out, "cache")
    assert looker.config.admin_client_secret not in out


def test_run_doctor_takes_an_environment_and_a_stream(
    looker: FakeLooker, jupyter_config: Path
) -> None:
    out = io.StringIO()
    environ = {
        "LOOKERSDK_BASE_URL": looker.api_url,
        "LOOKERSDK_CLIENT_GUID": CLIENT_GUID,
        "LOOKERSDK_REDIRECT_URI": REDIRECT_URI,
    }
    set_extension_enabled(jupyter_config, enabled=False)

    assert run_doctor(environ, out) == 1

    found = statuses(out.getvalue())
    assert found == dict.fromkeys(ALL, "ok") | {"extension": "FAIL", "app": "skip"}


def test_settings_from_looker_ini_and_no_admin_credentials_skips_the_app_check(
    looker: FakeLooker, capsys: pytest.CaptureFixture[str]
) -> None:
    # A user's looker.ini: client_id is the OAuth app's guid, and there is no client_secret.
    Path("looker.ini").write_text(
        f"[Looker]\nbase_url = {looker.api_url}\nclient_id = {CLIENT_GUID}\n"
        f"redirect_uri = {REDIRECT_URI}\n"
    )

    code, out, found = doctor(capsys)

    assert code == 0
    assert found["settings"] == "ok"
    assert f"client_guid  {CLIENT_GUID}   [looker.ini [Looker]]" in out
    assert found["app"] == "skip"
    assert line(out, "app") == (
        "skip  app: no admin API3 credentials here\n"
        "      Set LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET (or client_id and client_secret "
        "in looker.ini) to a Looker admin's API3 keys to compare the registered OAuth app with "
        "these settings."
    )


def test_admin_credentials_from_an_ini_file(
    looker: FakeLooker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = tmp_path / "admin.ini"
    ini.write_text(
        f"[Looker]\nbase_url = {looker.api_url}\nclient_guid = {CLIENT_GUID}\n"
        f"redirect_uri = {REDIRECT_URI}\nclient_id = {looker.config.admin_client_id}\n"
        f"client_secret = {looker.config.admin_client_secret}\n"
    )

    code, out, found = doctor(capsys, "--ini", str(ini), "--section", "Looker")

    assert (code, found["app"]) == (0, "ok")
    assert looker.config.admin_client_secret not in out


def test_without_looker_sdk_the_app_check_is_skipped(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = resolve_settings(
        base_url=looker.api_url, client_guid=CLIENT_GUID, redirect_uri=REDIRECT_URI
    )
    environ = {
        "LOOKERSDK_CLIENT_ID": looker.config.admin_client_id,
        "LOOKERSDK_CLIENT_SECRET": looker.config.admin_client_secret,
    }
    hide_looker_sdk(monkeypatch)

    check = check_app(settings, environ)

    assert (check.status, check.summary) == ("skip", "the official Looker SDK is not installed")
    assert check.advice == (
        "Talking to the Looker admin API needs the official Looker SDK; run pip install "
        "'looker-nb-auth[sdk]'."
    )
    assert looker.requests == []


# -- each FAIL ----------------------------------------------------------------------------------


def test_unreachable_looker_fails_and_skips_what_needs_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = closed_port_url()
    use_settings(monkeypatch, url)
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", "admin")
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "admin-secret-never-shown")

    code, out, found = doctor(capsys)

    assert code == 1
    assert (found["looker"], found["clock"], found["app"]) == ("FAIL", "skip", "skip")
    looker_line = line(out, "looker")
    assert looker_line.startswith(f"FAIL  looker: could not reach Looker at {url} (ConnectError:")
    assert "Connection refused" in looker_line
    assert "Check base_url and that this machine can reach Looker" in looker_line
    assert out.splitlines()[-1] == "1 check(s) failed: looker."
    assert "admin-secret-never-shown" not in out


def test_a_looker_server_error_fails(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_settings(monkeypatch, looker.api_url)
    looker.fail_next(1, 503)

    code, out, found = doctor(capsys)

    assert (code, found["looker"], found["clock"]) == (1, "FAIL", "ok")
    assert f"Looker at {looker.api_url} answered HTTP 503 to /versions" in out


def test_a_url_that_is_not_lookers_api_fails(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_settings(monkeypatch, looker.api_url)
    looker.fail_next(1, 404)

    code, out, found = doctor(capsys)

    assert (code, found["looker"]) == (1, "FAIL")
    assert "so it is probably not the Looker API URL" in out
    assert "Set base_url to the Looker API host" in out


@pytest.mark.parametrize(
    ("ours", "difference"),
    [
        (REDIRECT_URI + "/", "in the trailing slash (only the one here has one)"),
        (
            REDIRECT_URI.replace("8888", "8889"),
            "in the port (8888 registered, 8889 here)",
        ),
    ],
)
def test_a_redirect_uri_mismatch_fails_and_says_what_differs(
    looker: FakeLooker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ours: str,
    difference: str,
) -> None:
    use_settings(monkeypatch, looker.api_url, redirect_uri=ours)
    use_admin(monkeypatch, looker)

    code, out, found = doctor(capsys)

    assert (code, found["app"]) == (1, "FAIL")
    assert line(out, "app") == (
        f"FAIL  app: OAuth app {CLIENT_GUID} is registered with redirect URI {REDIRECT_URI}, "
        f"which differs from this setup's {ours} {difference}\n"
        "      Looker compares them character for character: fix redirect_uri here, or "
        f"re-register the app with looker-nb-auth register --redirect-uri {ours}."
        + ("" if SDK_LISTS_REDIRECT_URIS else OLD_SDK_HINT)
    )


def test_a_missing_app_fails_and_suggests_register(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_settings(monkeypatch, looker.api_url, client_guid="nobody-registered-this")
    use_admin(monkeypatch, looker)

    code, out, found = doctor(capsys)

    assert (code, found["app"]) == (1, "FAIL")
    assert line(out, "app") == (
        f"FAIL  app: Looker at {looker.api_url} has no OAuth app nobody-registered-this\n"
        f"      As a Looker admin, run looker-nb-auth register --base-url {looker.api_url} "
        f"--client-guid nobody-registered-this --redirect-uri {REDIRECT_URI} --display-name NAME "
        "--description TEXT."
    )


def test_a_disabled_app_fails(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    looker.register_app("switched-off", REDIRECT_URI, enabled=False)
    use_settings(monkeypatch, looker.api_url, client_guid="switched-off")
    use_admin(monkeypatch, looker)

    code, out, found = doctor(capsys)

    assert (code, found["app"]) == (1, "FAIL")
    assert "OAuth app switched-off is disabled in Looker, so every login is refused" in out


def test_refused_admin_credentials_only_warn(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_settings(monkeypatch, looker.api_url)
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", looker.config.admin_client_id)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "not-the-admin-secret-999")

    code, out, found = doctor(capsys)

    assert (code, found["app"]) == (0, "warn")
    assert "refused the admin API3 credentials (HTTP 404)" in line(out, "app")
    assert "not-the-admin-secret-999" not in out


def test_missing_settings_fail_with_the_configuration_sentence(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOKERSDK_BASE_URL", looker.api_url)
    monkeypatch.setenv("LOOKERSDK_CLIENT_GUID", CLIENT_GUID)

    code, out, found = doctor(capsys)

    assert code == 1
    assert (found["settings"], found["looker"], found["clock"], found["app"]) == (
        "FAIL",
        "skip",
        "skip",
        "skip",
    )
    # doctor takes no --redirect-uri and cannot see what a notebook passes to login()
    assert line(out, "settings") == (
        "FAIL  settings: the connection settings are incomplete or invalid\n"
        "      The OAuth redirect URI (redirect_uri) is not set: set LOOKERSDK_REDIRECT_URI, add "
        "it to looker.ini, or ask your Jupyter admin to set c.LookerNbAuth.redirect_uri."
    )
    assert line(out, "looker") == "skip  looker: needs the settings above"


def test_an_unsafe_cache_file_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    use_settings(monkeypatch, closed_port_url())
    cache = tmp_path / "cache" / "tokens.json"
    cache.parent.mkdir(mode=0o700)
    cache.write_text("{}")
    cache.chmod(0o644)

    code, out, found = doctor(capsys)

    assert (code, found["cache"]) == (1, "FAIL")
    assert line(out, "cache") == (
        f"FAIL  cache: the token cache {cache} is ignored: it is readable or writable by other "
        f"users\n      Run chmod 600 {cache} or delete it."
    )
    cache.chmod(0o600)
    ok = check_cache()
    assert (ok.status, ok.summary.split(";")[0]) == (
        "ok",
        f"the cache file {cache} is private to you",
    )


def test_a_disabled_extension_fails_outside_a_server(
    looker: FakeLooker,
    monkeypatch: pytest.MonkeyPatch,
    jupyter_config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_settings(monkeypatch, looker.api_url)
    set_extension_enabled(jupyter_config, enabled=False)

    code, out, found = doctor(capsys)

    assert (code, found["extension"]) == (1, "FAIL")
    assert line(out, "extension") == (
        "FAIL  extension: not running inside a Jupyter server; the looker-nb-auth extension is "
        "disabled in Jupyter's config\n"
        "      Run jupyter server extension enable looker_nb_auth and restart Jupyter."
    )


def test_an_unreachable_server_extension_fails_and_no_secret_is_printed(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = closed_port_url() + "/"
    use_settings(monkeypatch, looker.api_url, redirect_uri="http://127.0.0.1:8888/other")
    use_admin(monkeypatch, looker)
    monkeypatch.setenv("LOOKER_NB_AUTH_SERVER_URL", server)
    monkeypatch.setenv(KERNEL_SECRET_ENV, WRONG_SECRET)

    code, out, found = doctor(capsys)

    assert (code, found["extension"], found["settings"]) == (1, "FAIL", "warn")
    assert line(out, "extension").startswith(
        f"FAIL  extension: the Jupyter server at {server} (LOOKER_NB_AUTH_SERVER_URL) cannot be "
        "reached from here\n      Restart the kernel or open a new terminal"
    )
    assert "redirect_uri does not end in /looker-nb-auth/callback" in line(out, "settings")
    for secret in (WRONG_SECRET, looker.config.admin_client_secret):
        assert secret not in out


# -- inside a real Jupyter server ---------------------------------------------------------------


@pytest.fixture(scope="module")
def stand_in() -> Iterator[FakeLooker]:
    with FakeLooker() as fake:
        fake.register_app(CLIENT_GUID, REDIRECT_URI)
        yield fake


@pytest.fixture(scope="module")
def server(
    stand_in: FakeLooker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[JupyterServer]:
    """A Jupyter server whose users' servers are set up as ``register`` says, with "kernels"
    that run ``looker-nb-auth doctor`` (the console script) with the server's environment."""
    root = tmp_path_factory.mktemp("jupyter")
    env = {
        "LOOKERSDK_BASE_URL": stand_in.api_url,
        "LOOKERSDK_CLIENT_GUID": CLIENT_GUID,
        "LOOKERSDK_REDIRECT_URI": REDIRECT_URI,
        "LOOKERSDK_CLIENT_ID": stand_in.config.admin_client_id,
        "LOOKERSDK_CLIENT_SECRET": stand_in.config.admin_client_secret,
        "LOOKER_NB_AUTH_CACHE_DIR": str(root / "cache"),
    }
    doctor_command = [*console_script(), "doctor"]
    kernels = {
        "envdump": Kernel(),
        "doctor": Kernel(doctor_command),
        "doctor-stale": Kernel(doctor_command, env={KERNEL_SECRET_ENV: WRONG_SECRET}),
    }
    with jupyter_server(root, env, kernels) as running:
        yield running


OLD_SDK_HINT = (
    " (A looker-sdk before 26.18 shows only an app's first redirect URI: with pip install -U "
    "looker-sdk doctor sees them all.)"
)


def test_an_app_listing_our_redirect_uri_among_others_passes(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Looker 26.18+ keeps several redirect URIs per app; ours being one of them is enough."""
    guid = "several-uris"
    looker.register_app(guid, redirect_uris=["https://other.example/cb", REDIRECT_URI])
    use_settings(monkeypatch, looker.api_url, client_guid=guid)
    use_admin(monkeypatch, looker)
    _, out, found = doctor(capsys)
    if SDK_LISTS_REDIRECT_URIS:
        assert found["app"] == "ok"
    else:  # an older looker-sdk shows only the first URI, and says so
        assert found["app"] == "FAIL"
        assert OLD_SDK_HINT in out


def test_off_loopback_the_fallback_is_the_pasted_url(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_settings(monkeypatch, looker.api_url, redirect_uri="https://jupyter.example/cb")
    _, out, _ = doctor(capsys)
    assert "fall back to a pasted URL (the redirect URI is not on loopback)" in out


def test_a_kernel_of_a_server_without_the_extension_is_told_so(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """jupyter_client sets JPY_PARENT_PID in every kernel: this is no plain terminal."""
    use_settings(monkeypatch, looker.api_url)
    monkeypatch.setenv("JPY_PARENT_PID", "1")
    code, out, found = doctor(capsys)
    assert (code, found["extension"]) == (1, "FAIL")
    assert line(out, "extension").startswith(
        "FAIL  extension: this process runs under a Jupyter server that did not load the "
        "looker-nb-auth extension"
    )


def test_without_admin_keys_the_summary_says_the_app_was_not_checked(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_settings(monkeypatch, looker.api_url)
    code, out, found = doctor(capsys)
    assert (code, found["app"]) == (0, "skip")
    assert out.splitlines()[-1] == (
        "No check failed (1 warning(s)), but the registered OAuth app was not checked (no admin "
        "API3 credentials here)."
    )


def test_inside_a_real_jupyter_server_every_check_passes(
    server: JupyterServer, stand_in: FakeLooker
) -> None:
    exported = server.run("envdump")
    assert exported["LOOKER_NB_AUTH_SERVER_URL"] == server.url

    result = server.run("doctor")

    out = result["out"]
    assert (result["rc"], result["err"]) == (0, ""), out
    assert statuses(out) == dict.fromkeys(ALL, "ok")
    assert out.splitlines()[0] == (
        f"ok    extension: the looker-nb-auth server extension at {server.url} accepted and "
        "dropped a test login"
    )
    assert out.splitlines()[-1] == "No check failed."
    for secret in (exported[KERNEL_SECRET_ENV], stand_in.config.admin_client_secret):
        assert secret not in out


def test_inside_a_real_jupyter_server_a_wrong_secret_fails(
    server: JupyterServer, stand_in: FakeLooker
) -> None:
    result = server.run("doctor-stale")

    out = result["out"]
    assert result["rc"] == 1, out
    assert statuses(out)["extension"] == "FAIL"
    assert out.splitlines()[:2] == [
        f"FAIL  extension: the Jupyter server at {server.url} refused this process's "
        "LOOKER_NB_AUTH_SECRET (HTTP 403), so logins cannot pick up Looker's answer",
        "      Restart the kernel or open a new terminal so it inherits the secret of the running "
        "server (the server was probably restarted).",
    ]
    assert WRONG_SECRET not in out
    assert out.splitlines()[-1] == "1 check(s) failed: extension."


# -- pure parts ---------------------------------------------------------------------------------


def test_clock_skew_from_a_date_header() -> None:
    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert clock_skew("Tue, 14 Nov 2023 22:13:20 GMT", now) == 0.0
    assert clock_skew("Tue, 14 Nov 2023 22:13:50 GMT", now) == 30.0
    assert clock_skew("Tue, 14 Nov 2023 22:08:20 GMT", now + 0.5) == -300.5
    assert clock_skew("not a date", now) is None
    assert clock_skew("Tue, 14 Nov 2023 22:13:20", now) is None  # no zone: unusable


@pytest.mark.parametrize(
    ("skew", "status"),
    [
        (0.0, "ok"),
        (-0.4, "ok"),
        (29.9, "ok"),
        (-29.9, "ok"),
        (30.0, "warn"),
        (-299.9, "warn"),
        (300.0, "FAIL"),
        (-3600.0, "FAIL"),
        (None, "skip"),
    ],
)
def test_check_clock_thresholds(skew: float | None, status: str) -> None:
    check = check_clock(skew)
    assert isinstance(check, Check)
    assert check.status == status
    if skew is not None:
        assert f"{abs(skew):.1f} s" in check.summary
        assert ("behind" if skew > 0 else "ahead of") in check.summary
        assert bool(check.advice) == (status != "ok")


@pytest.mark.parametrize(
    ("registered", "ours", "said"),
    [
        ("https://a.example/cb", "https://a.example/cb", ""),
        (
            "https://a.example/cb",
            "http://a.example/cb",
            "the scheme ('https' registered, 'http' here)",
        ),
        (
            "https://a.example/cb",
            "https://b.example/cb",
            "the host ('a.example' registered, 'b.example' here)",
        ),
        (
            "https://a.example/cb",
            "https://a.example:8443/cb",
            "the port (default registered, 8443 here)",
        ),
        (
            "https://a.example/cb/",
            "https://a.example/cb",
            "the trailing slash (only the one registered has one)",
        ),
        (
            "https://a.example/cb",
            "https://a.example/hub/cb",
            "the path ('/cb' registered, '/hub/cb' here)",
        ),
        (
            "https://a.example/cb?x=1",
            "https://a.example/cb",
            "the query ('x=1' registered, '' here)",
        ),
        (
            "http://a.example/cb",
            "https://a.example/cb/",
            "the scheme ('http' registered, 'https' here) and the trailing slash (only the one "
            "here has one)",
        ),
    ],
)
def test_describe_uri_difference(registered: str, ours: str, said: str) -> None:
    assert describe_uri_difference(registered, ours) == said


def test_the_cache_check_is_ok_without_a_file(tmp_path: Path) -> None:
    check = check_cache(tmp_path / "nothing" / "tokens.json")
    assert check.status == "ok"
    assert check.summary.startswith(f"no cache file at {tmp_path / 'nothing' / 'tokens.json'}")
    assert "keyring" in check.summary


def test_doctor_help_and_exit_code_of_the_console_script(looker: FakeLooker) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOKERSDK_")}
    env["LOOKERSDK_BASE_URL"] = closed_port_url()
    env["LOOKERSDK_CLIENT_GUID"] = CLIENT_GUID
    env["LOOKERSDK_REDIRECT_URI"] = REDIRECT_URI
    failed = subprocess.run(
        [*console_script(), "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode == 1
    assert "FAIL  looker: could not reach Looker" in failed.stdout
    env["LOOKERSDK_BASE_URL"] = looker.api_url
    passed = subprocess.run(
        [*console_script(), "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert passed.returncode == 0, passed.stdout


# -- %run -m in IPython, the form for a notebook ------------------------------------------------


def run_in_ipython(line: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``line`` in a real IPython shell (``%run`` is IPython's, the same in a Jupyter kernel)."""
    return subprocess.run(
        [sys.executable, "-m", "IPython", "--colors=NoColor", "-c", line],
        env={**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_m_in_ipython_ends_with_the_summary_when_a_check_fails(tmp_path: Path) -> None:
    """A failed check is doctor's answer, not a crash: no SystemExit traceback and no "Unknown
    failure executing module" after the summary."""
    result = run_in_ipython("%run -m looker_nb_auth doctor", tmp_path)

    assert statuses(result.stdout)["settings"] == "FAIL"
    assert result.stdout.splitlines()[-1] == "1 check(s) failed: settings."
    assert result.stderr == ""
    assert "Traceback" not in result.stdout and "SystemExit" not in result.stdout


def test_run_m_in_ipython_shows_a_bad_option_as_argparse_s_two_lines(tmp_path: Path) -> None:
    result = run_in_ipython("%run -m looker_nb_auth doctor --no-such-option", tmp_path)

    assert result.stderr.splitlines()[-1] == (
        "looker-nb-auth: error: unrecognized arguments: --no-such-option"
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert "Unknown failure" not in result.stderr


def test_python_m_doctor_in_a_terminal_still_exits_1_when_a_check_fails() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "looker_nb_auth", "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "1 check(s) failed: settings."
