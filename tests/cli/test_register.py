"""``looker-nb-auth register`` against the real Looker stand-in, through looker_sdk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from admin_helpers import (
    admin_get_app,
    app_writes,
    closed_port_url,
    console_script,
    hide_looker_sdk,
    isolate,
    use_admin,
)
from support import CLIENT_GUID, REDIRECT_URI

from looker_nb_auth.cli._admin_sdk import SDK_LISTS_REDIRECT_URIS
from looker_nb_auth.cli.main import main
from looker_nb_auth.fake_looker import FakeLooker
from looker_nb_auth.fake_looker._config import REDIRECT_URI_PRECEDENCES, RedirectUriPrecedence
from looker_nb_auth.jupyterhub import hub_redirect_uri

NEW_GUID = "jupyter-notebooks"
HUB_URI = "https://hub.example.com/hub/user-redirect/looker-nb-auth/callback"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


def register_args(
    looker: FakeLooker | None,
    *,
    guid: str = NEW_GUID,
    target: tuple[str, str] = ("--redirect-uri", HUB_URI),
    name: str = "Notebooks",
    description: str = "Jupyter notebooks on the company hub.",
) -> list[str]:
    args = ["register"]
    if looker is not None:
        args += ["--base-url", looker.api_url]
    return [
        *args,
        "--client-guid",
        guid,
        *target,
        "--display-name",
        name,
        "--description",
        description,
    ]


# -- hub_redirect_uri --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hub_url", "expected"),
    [
        ("https://hub.example.com", HUB_URI),
        ("https://hub.example.com/", HUB_URI),
        ("https://hub.example.com/hub", HUB_URI),
        ("https://hub.example.com/hub/", HUB_URI),
        ("  https://hub.example.com/hub//  ", HUB_URI),
        (
            "https://example.com/jhub/",
            "https://example.com/jhub/hub/user-redirect/looker-nb-auth/callback",
        ),
        (
            "https://example.com/jhub",
            "https://example.com/jhub/hub/user-redirect/looker-nb-auth/callback",
        ),
        (
            "https://example.com/jhub/hub/",
            "https://example.com/jhub/hub/user-redirect/looker-nb-auth/callback",
        ),
        (
            "https://example.com//a//b//",
            "https://example.com/a/b/hub/user-redirect/looker-nb-auth/callback",
        ),
        (
            "https://example.com/hubs/",
            "https://example.com/hubs/hub/user-redirect/looker-nb-auth/callback",
        ),
        (
            "http://localhost:8000",
            "http://localhost:8000/hub/user-redirect/looker-nb-auth/callback",
        ),
        (
            "http://[::1]:8000/hub",
            "http://[::1]:8000/hub/user-redirect/looker-nb-auth/callback",
        ),
    ],
)
def test_hub_redirect_uri(hub_url: str, expected: str) -> None:
    assert hub_redirect_uri(hub_url) == expected


@pytest.mark.parametrize(
    "hub_url",
    [
        "hub.example.com",
        "ftp://hub.example.com",
        "https://",
        "https:///hub",
        "https://hub.example.com/?next=x",
        "https://hub.example.com/#top",
        "",
    ],
)
def test_hub_redirect_uri_refuses_what_is_not_a_hub_url(hub_url: str) -> None:
    with pytest.raises(ValueError, match="hub URL"):
        hub_redirect_uri(hub_url)


# -- register ----------------------------------------------------------------------------------


def test_register_creates_the_app_and_prints_the_settings(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_admin(monkeypatch, looker)
    assert admin_get_app(looker, NEW_GUID) is None

    assert main(register_args(looker)) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        f"Registered OAuth app {NEW_GUID} on {looker.api_url} with redirect URI {HUB_URI}."
    )
    assert f"LOOKERSDK_BASE_URL={looker.api_url}\n" in out
    assert f"LOOKERSDK_CLIENT_GUID={NEW_GUID}\n" in out
    assert f"LOOKERSDK_REDIRECT_URI={HUB_URI}\n" in out
    app = admin_get_app(looker, NEW_GUID)
    assert app is not None
    assert app["redirect_uri"] == HUB_URI
    assert app["display_name"] == "Notebooks"
    assert app["description"] == "Jupyter notebooks on the company hub."
    assert app["enabled"] is True
    assert looker.config.admin_client_secret not in out


def test_a_second_identical_run_changes_nothing_and_says_so(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_admin(monkeypatch, looker)
    assert main(register_args(looker)) == 0
    capsys.readouterr()
    looker.reset_counters()

    assert main(register_args(looker)) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        f"OAuth app {NEW_GUID} on {looker.api_url} is already registered with these settings; "
        "nothing changed."
    )
    assert f"LOOKERSDK_REDIRECT_URI={HUB_URI}\n" in out
    assert app_writes(looker) == []


REFUSED_ONE_URI = (
    "looker-nb-auth register: OAuth app {guid} is registered with redirect URI {old}, and this "
    "Looker (or looker-sdk before 26.18) keeps one redirect URI per app; pass --replace to "
    "replace it (logins through the old one stop working), or register another --client-guid.\n"
)


def test_a_new_redirect_uri_is_added_to_the_apps_list(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Looker 26.18+ keeps a list: ours joins it, and the URIs already there keep working. With
    a looker-sdk before 26.18 the list cannot be written: refused, nothing is wiped."""
    use_admin(monkeypatch, looker)
    new_uri = "https://jupyter.example.com/looker-nb-auth/callback"
    args = register_args(
        looker, guid=CLIENT_GUID, target=("--redirect-uri", new_uri), name="Renamed"
    )

    code = main(args)

    out, err = capsys.readouterr()
    app = admin_get_app(looker, CLIENT_GUID)
    assert app is not None
    if SDK_LISTS_REDIRECT_URIS:
        assert code == 0
        assert out.splitlines()[0] == (
            f"Updated OAuth app {CLIENT_GUID} on {looker.api_url}: added redirect URI {new_uri} "
            f"(now {REDIRECT_URI}, {new_uri}), display_name 'looker-nb-auth tests' -> 'Renamed', "
            "description 'Test runs of looker-nb-auth.' -> 'Jupyter notebooks on the company hub.'."
        )
        assert (app["redirect_uris"], app["display_name"]) == ([REDIRECT_URI, new_uri], "Renamed")
    else:
        assert code == 2
        assert err == REFUSED_ONE_URI.format(guid=CLIENT_GUID, old=REDIRECT_URI)
        assert app["redirect_uris"] == [REDIRECT_URI]
        assert app_writes(looker) == []


def test_replace_makes_it_the_only_redirect_uri(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_admin(monkeypatch, looker)
    new_uri = "https://jupyter.example.com/looker-nb-auth/callback"
    args = register_args(looker, guid=CLIENT_GUID, target=("--redirect-uri", new_uri))

    assert main([*args, "--replace"]) == 0

    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(
        f"Updated OAuth app {CLIENT_GUID} on {looker.api_url}: redirect URIs {REDIRECT_URI} -> "
        f"{new_uri} (replaced), "
    )
    app = admin_get_app(looker, CLIENT_GUID)
    assert app is not None
    assert (app["redirect_uris"], app["redirect_uri"]) == ([new_uri], new_uri)


def test_an_app_that_already_lists_our_uri_among_others_is_left_alone(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before this fix, register PATCHed the single redirect_uri and could wipe the others."""
    use_admin(monkeypatch, looker)
    other = "https://other.example.com/cb"
    looker.register_app(
        NEW_GUID,
        display_name="Notebooks",
        description="Jupyter notebooks on the company hub.",
        redirect_uris=[other, HUB_URI],
    )
    looker.reset_counters()

    code = main(register_args(looker))

    app = admin_get_app(looker, NEW_GUID)
    assert app is not None
    assert app["redirect_uris"] == [other, HUB_URI]  # never wiped
    if SDK_LISTS_REDIRECT_URIS:
        assert code == 0
        assert "is already registered with these settings; nothing changed." in (
            capsys.readouterr().out
        )
        assert app_writes(looker) == []
    else:  # a looker-sdk before 26.18 sees only the first URI, and refuses to replace it
        assert code == 2
        assert capsys.readouterr().err == REFUSED_ONE_URI.format(guid=NEW_GUID, old=other)


ADDED = "https://jupyter.example.com/looker-nb-auth/callback"


def _kept(app: dict[str, Any] | None) -> list[str]:
    """What Looker kept: ``redirect_uris``, or the one ``redirect_uri`` of a Looker before 26.18."""
    assert app is not None
    return list(app.get("redirect_uris") or [app["redirect_uri"]])


@pytest.mark.parametrize("precedence", REDIRECT_URI_PRECEDENCES)
def test_adding_a_redirect_uri_says_only_what_looker_kept(
    precedence: RedirectUriPrecedence,
    looker: FakeLooker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """How Looker combines redirect_uri with redirect_uris is undocumented. Under each way, the
    URI is added and the output says so, or nothing is claimed and the error says what Looker
    kept. Before the fix, "deprecated" and "one_uri" printed "added" for a URI Looker dropped."""
    use_admin(monkeypatch, looker)
    looker.config.redirect_uri_precedence = precedence

    code = main(register_args(looker, guid=CLIENT_GUID, target=("--redirect-uri", ADDED)))

    out, err = capsys.readouterr()
    kept = _kept(admin_get_app(looker, CLIENT_GUID))
    if not SDK_LISTS_REDIRECT_URIS or precedence == "ignore_list":  # one URI per app: refused
        assert (code, err) == (2, REFUSED_ONE_URI.format(guid=CLIENT_GUID, old=REDIRECT_URI))
        assert kept == [REDIRECT_URI]
    elif precedence == "one_uri":
        assert (code, out) == (1, "")
        assert err == (
            f"looker-nb-auth register: Looker did not keep redirect URI {ADDED} for OAuth app "
            f"{CLIENT_GUID} on {looker.api_url}: it kept {REDIRECT_URI}; this Looker seems to "
            f"keep one redirect URI per app, so register {ADDED} under another --client-guid, "
            "or pass --replace to make it the only one.\n"
        )
        assert kept == [REDIRECT_URI]
    else:
        assert code == 0
        assert f": added redirect URI {ADDED} (now {REDIRECT_URI}, {ADDED})," in out
        assert kept == [REDIRECT_URI, ADDED]


def test_a_write_that_drops_other_redirect_uris_is_reported(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Looker that keeps one URI drops the app's others too: the admin hears which."""
    use_admin(monkeypatch, looker)
    first, second = "https://a.example.com/cb", "https://b.example.com/cb"
    looker.register_app(NEW_GUID, display_name="Notebooks", redirect_uris=[first, second])
    looker.config.redirect_uri_precedence = "one_uri"

    code = main(register_args(looker, target=("--redirect-uri", ADDED)))

    err = capsys.readouterr().err
    if not SDK_LISTS_REDIRECT_URIS:
        assert (code, err) == (2, REFUSED_ONE_URI.format(guid=NEW_GUID, old=first))
        return
    assert code == 1
    assert err.startswith(
        f"looker-nb-auth register: Looker did not keep redirect URI {ADDED} for OAuth app "
        f"{NEW_GUID} on {looker.api_url}: it kept {first}, and dropped {second} (logins "
        "through it stop working now); "
    )
    assert _kept(admin_get_app(looker, NEW_GUID)) == [first]


@pytest.mark.parametrize("precedence", REDIRECT_URI_PRECEDENCES)
def test_registering_and_replacing_are_read_back_under_every_precedence(
    precedence: RedirectUriPrecedence,
    looker: FakeLooker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_admin(monkeypatch, looker)
    looker.config.redirect_uri_precedence = precedence
    app_path = f"/api/4.0/oauth_client_apps/{NEW_GUID}"

    assert main(register_args(looker)) == 0
    assert _kept(admin_get_app(looker, NEW_GUID)) == [HUB_URI]
    looker.reset_counters()
    assert main([*register_args(looker, target=("--redirect-uri", ADDED)), "--replace"]) == 0

    calls = [(m, p) for m, p in looker.requests if p == app_path]
    assert calls[-2:] == [("PATCH", app_path), ("GET", app_path)]  # read back after writing
    assert _kept(admin_get_app(looker, NEW_GUID)) == [ADDED]
    assert "(replaced)" in capsys.readouterr().out


def test_a_disabled_app_is_enabled_again(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_admin(monkeypatch, looker)
    looker.register_app(
        NEW_GUID, HUB_URI, "Notebooks", "Jupyter notebooks on the company hub.", enabled=False
    )

    assert main(register_args(looker)) == 0

    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"Updated OAuth app {NEW_GUID} on {looker.api_url}: enabled False -> True."
    app = admin_get_app(looker, NEW_GUID)
    assert app is not None
    assert app["enabled"] is True


def test_hub_url_registers_the_hubs_user_redirect_uri(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_admin(monkeypatch, looker)

    assert main(register_args(looker, target=("--hub-url", "https://example.com/jhub/"))) == 0

    expected = "https://example.com/jhub/hub/user-redirect/looker-nb-auth/callback"
    assert f"with redirect URI {expected}." in capsys.readouterr().out
    app = admin_get_app(looker, NEW_GUID)
    assert app is not None
    assert app["redirect_uri"] == expected


def test_credentials_and_base_url_from_looker_ini_with_base_url_flag_winning(
    looker: FakeLooker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = tmp_path / "admin.ini"
    ini.write_text(
        "[Other]\nbase_url = http://nowhere.invalid\n\n"
        f"[Looker]\nbase_url = {closed_port_url()}\n"
        f"client_id = {looker.config.admin_client_id}\n"
        f'client_secret = "{looker.config.admin_client_secret}"\n'
    )

    assert main([*register_args(looker), "--ini", str(ini)]) == 0  # [Looker], --base-url wins

    assert capsys.readouterr().out.startswith(
        f"Registered OAuth app {NEW_GUID} on {looker.api_url}"
    )


def test_everything_from_the_looker_ini_in_the_working_directory(
    looker: FakeLooker, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("looker.ini").write_text(
        f"[Admin]\nbase_url = {looker.api_url}/\n"
        f"client_id = {looker.config.admin_client_id}\n"
        f"client_secret = {looker.config.admin_client_secret}\n"
    )

    assert main([*register_args(None), "--section", "Admin"]) == 0

    out = capsys.readouterr().out
    assert out.startswith(f"Registered OAuth app {NEW_GUID} on {looker.api_url} with")
    assert f"LOOKERSDK_BASE_URL={looker.api_url}\n" in out


def test_bad_admin_credentials_are_one_sentence_and_exit_1(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", looker.config.admin_client_id)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "not-the-admin-secret-4711")

    assert main(register_args(looker)) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"looker-nb-auth register: Looker at {looker.api_url} refused the admin API3 "
        "credentials (HTTP 404); check LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET (or "
        "client_id and client_secret in looker.ini) against the API keys of a Looker admin.\n"
    )
    assert "not-the-admin-secret-4711" not in captured.err
    assert admin_get_app(looker, NEW_GUID) is None


def test_missing_credentials_are_one_sentence_and_exit_1(
    looker: FakeLooker, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(register_args(looker)) == 1

    err = capsys.readouterr().err
    assert err == (
        "looker-nb-auth register: No Looker admin API3 credentials were found; set "
        "LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET, or put client_id and client_secret in "
        "the [Looker] section of looker.ini.\n"
    )
    assert looker.requests == []


def test_a_users_looker_ini_client_id_alone_is_not_admin_credentials(
    looker: FakeLooker, capsys: pytest.CaptureFixture[str]
) -> None:
    # In a user's looker.ini, client_id is the OAuth app's guid; with no secret it is no API3 key.
    Path("looker.ini").write_text(
        f"[Looker]\nbase_url = {looker.api_url}\nclient_id = {CLIENT_GUID}\n"
    )

    assert main(register_args(None)) == 1

    assert "No Looker admin API3 credentials were found" in capsys.readouterr().err


def test_unreachable_looker_is_one_sentence_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", "admin")
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "admin-secret-0815")
    url = closed_port_url()

    code = main(["register", "--base-url", url, *register_args(None)[1:]])

    assert code == 1
    err = capsys.readouterr().err
    assert err == (
        f"looker-nb-auth register: Could not reach Looker at {url} (connection refused); check "
        "the Looker API URL (--base-url, LOOKERSDK_BASE_URL or base_url in looker.ini) and that "
        "this machine can reach it.\n"
    )
    assert "admin-secret-0815" not in err


def test_looker_server_errors_are_reported_with_their_status(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_admin(monkeypatch, looker)
    looker.fail_next(1, 503)  # the API3 login

    assert main(register_args(looker)) == 1

    assert "answered HTTP 503" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--base-url", "looker.example.com", "--redirect-uri", HUB_URI],
            "The Looker API URL from --base-url is 'looker.example.com', which is not an http(s) "
            "URL; set it to a URL such as https://mycompany.cloud.looker.com.",
        ),
        (
            ["--base-url", "https://looker.example.com/api/4.0", "--redirect-uri", HUB_URI],
            "The Looker API URL from --base-url ends in /api/4.0; set it to the API host alone "
            "(for example https://looker.example.com), without /api/4.0.",
        ),
        (
            ["--base-url", "https://looker.example.com", "--redirect-uri", "/callback"],
            "The redirect URI from --redirect-uri is '/callback', which is not an http(s) URL "
            "without a fragment",
        ),
        (
            ["--base-url", "https://looker.example.com", "--hub-url", "hub.example.com"],
            "The hub URL 'hub.example.com' is not an http(s) URL with a host",
        ),
        (
            ["--redirect-uri", HUB_URI],
            "No Looker API URL is set; pass --base-url, set LOOKERSDK_BASE_URL",
        ),
        (
            ["--ini", "missing.ini", "--base-url", "https://x.example", "--redirect-uri", HUB_URI],
            "The config file missing.ini does not exist",
        ),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--client-guid", NEW_GUID, "--display-name", "N", "--description", "D"]

    assert main(["register", *args, *common]) == 2

    err = capsys.readouterr().err
    assert err.startswith("looker-nb-auth register: ")
    assert message in err
    assert err.count("\n") == 1


def test_a_missing_ini_section_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    Path("looker.ini").write_text("[Looker]\nclient_id = admin\n")

    assert main([*register_args(None), "--section", "Admin"]) == 2

    assert capsys.readouterr().err == (
        "looker-nb-auth register: looker.ini has no [Admin] section; add one or pick one of "
        "['Looker'].\n"
    )


def test_an_invalid_verify_ssl_exits_2(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_admin(monkeypatch, looker)
    monkeypatch.setenv("LOOKERSDK_VERIFY_SSL", "maybe")

    assert main(register_args(looker)) == 2

    assert capsys.readouterr().err == (
        "looker-nb-auth register: verify_ssl or timeout in looker.ini or LOOKERSDK_* is not "
        "valid; set verify_ssl to true or false and timeout to a whole number of seconds.\n"
    )
    assert looker.requests == []


def test_without_looker_sdk_register_says_how_to_install_it_and_exits_2(
    looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_admin(monkeypatch, looker)
    hide_looker_sdk(monkeypatch)

    assert main(register_args(looker)) == 2

    assert capsys.readouterr().err == (
        "looker-nb-auth register: Talking to the Looker admin API needs the official Looker SDK; "
        "run pip install 'looker-nb-auth[sdk]'.\n"
    )
    assert looker.requests == []


def test_importing_the_admin_client_does_not_import_looker_sdk() -> None:
    code = (
        "import sys, looker_nb_auth.cli.admin, looker_nb_auth.cli.register; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'looker_sdk'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_redirect_uri_and_hub_url_are_mutually_exclusive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = register_args(None, target=("--redirect-uri", HUB_URI))
    with pytest.raises(SystemExit) as exited:
        main([*args, "--hub-url", "https://hub.example.com"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["register", "--client-guid", "g", "--display-name", "N", "--description", "D"])
    assert exited.value.code == 2
    assert "one of the arguments --redirect-uri --hub-url is required" in capsys.readouterr().err


def test_the_console_script_exit_codes(looker: FakeLooker) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOKERSDK_")}
    env["LOOKERSDK_CLIENT_ID"] = looker.config.admin_client_id
    env["LOOKERSDK_CLIENT_SECRET"] = looker.config.admin_client_secret

    def run(args: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*console_script(), *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    created = run(register_args(looker))
    assert (created.returncode, created.stderr) == (0, "")
    assert created.stdout.startswith(f"Registered OAuth app {NEW_GUID}")
    again = run(register_args(looker))
    assert again.returncode == 0
    assert "nothing changed" in again.stdout
    refused = run(register_args(looker), LOOKERSDK_CLIENT_SECRET="wrong-secret-1234")
    assert refused.returncode == 1
    assert "refused the admin API3 credentials" in refused.stderr
    assert "wrong-secret-1234" not in refused.stdout + refused.stderr
    usage = run(["register", "--client-guid", NEW_GUID])
    assert usage.returncode == 2
    assert looker.config.admin_client_secret not in "".join(
        p.stdout + p.stderr for p in (created, again, refused, usage)
    )
