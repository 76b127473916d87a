from pathlib import Path

import pytest

from looker_nb_auth import ConfigurationError
from looker_nb_auth._settings import resolve_settings

FULL = {"base_url": "https://api.arg", "client_guid": "arg-guid", "redirect_uri": "http://arg/cb"}
ENV = {
    "LOOKERSDK_BASE_URL": "https://api.env",
    "LOOKERSDK_CLIENT_GUID": "env-guid",
    "LOOKERSDK_REDIRECT_URI": "http://env/cb",
    "LOOKERSDK_LOOKER_URL": "https://ui.env",
    "LOOKERSDK_VERIFY_SSL": "false",
    "LOOKERSDK_TIMEOUT": "30",
}
INI = """\
[Looker]
base_url = https://api.ini
looker_url = https://ui.ini
client_id = "ini-guid"
redirect_uri = http://ini/cb
verify_ssl = true
timeout = 45
"""


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    path = tmp_path / "looker.ini"
    path.write_text(INI)
    return path


def test_explicit_arguments_win_over_environment_and_ini(ini: Path) -> None:
    settings = resolve_settings(**FULL, config_file=ini, environ=ENV)  # type: ignore[arg-type]
    assert (settings.base_url, settings.client_guid, settings.redirect_uri) == (
        "https://api.arg",
        "arg-guid",
        "http://arg/cb",
    )
    assert settings.looker_url == "https://ui.env"  # not given: next source
    assert settings.sources["base_url"] == "argument"


def test_environment_wins_over_ini(ini: Path) -> None:
    settings = resolve_settings(config_file=ini, environ=ENV)
    assert settings.base_url == "https://api.env"
    assert settings.verify_ssl is False and settings.timeout == 30
    assert settings.sources["client_guid"] == "environment (LOOKERSDK_CLIENT_GUID)"


def test_ini_section_in_looker_sdk_format_is_read(ini: Path) -> None:
    settings = resolve_settings(config_file=ini, environ={})
    assert settings.client_guid == "ini-guid"  # client_id is the OAuth client guid; quotes stripped
    assert settings.looker_url == "https://ui.ini"
    assert settings.timeout == 45 and settings.verify_ssl is True
    assert settings.sources["redirect_uri"] == f"{ini} [Looker]"


def test_looker_ini_in_the_working_directory_is_found(
    ini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ini.parent)
    assert resolve_settings(environ={}).base_url == "https://api.ini"


def test_defaults_apply_last() -> None:
    settings = resolve_settings(**FULL, environ={})  # type: ignore[arg-type]
    assert settings.verify_ssl is True and settings.timeout == 120 and settings.looker_url is None
    assert settings.api_url == "https://api.arg/api/4.0/"


@pytest.mark.parametrize("missing", ["base_url", "client_guid", "redirect_uri"])
def test_missing_required_setting_names_it_and_where_to_put_it(missing: str) -> None:
    values = {k: v for k, v in FULL.items() if k != missing}
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(**values, environ={})  # type: ignore[arg-type]
    message = str(info.value)
    assert missing in message and "LOOKERSDK_" in message and "looker.ini" in message


HUB_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "jupyterhub.md"
MISSING_GUID = (
    "The Looker OAuth client guid (client_guid) is not set: pass client_guid= to login(), set "
    "LOOKERSDK_CLIENT_GUID, add it to looker.ini, or ask your Jupyter admin to set "
    "c.LookerNbAuth.client_guid."
)


def test_the_missing_setting_sentence_word_for_word() -> None:
    """docs/jupyterhub.md keys its troubleshooting table on this sentence."""
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(base_url="https://api.arg", redirect_uri="http://arg/cb", environ={})
    assert str(info.value) == MISSING_GUID
    assert MISSING_GUID in HUB_GUIDE.read_text()


def test_every_missing_setting_is_named_in_one_sentence() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(environ={})
    assert str(info.value) == (
        "The Looker API URL (base_url), the Looker OAuth client guid (client_guid) and the OAuth "
        "redirect URI (redirect_uri) are not set: pass base_url=, client_guid= and redirect_uri= "
        "to login(), set LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_GUID and LOOKERSDK_REDIRECT_URI, add "
        "them to looker.ini, or ask your Jupyter admin to set c.LookerNbAuth.base_url, "
        "c.LookerNbAuth.client_guid and c.LookerNbAuth.redirect_uri."
    )


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ({"base_url": "api.looker.com"}, "not an http(s) URL"),
        ({"base_url": "https://x.looker.com/api/4.0"}, "without /api/4.0"),
        ({"redirect_uri": "ftp://x/cb"}, "redirect_uri"),
        ({"timeout": -1}, "above 0"),
    ],
)
def test_invalid_values_are_refused_with_the_fix(override: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words.replace("(", r"\(").replace(")", r"\)")):
        resolve_settings(**{**FULL, **override}, environ={})  # type: ignore[arg-type]


def test_bad_boolean_in_environment_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="LOOKERSDK_VERIFY_SSL"):
        resolve_settings(**FULL, environ={"LOOKERSDK_VERIFY_SSL": "maybe"})  # type: ignore[arg-type]


def test_redirect_uri_is_kept_byte_for_byte_including_trailing_slash() -> None:
    settings = resolve_settings(**{**FULL, "redirect_uri": "http://arg/cb/"}, environ={})  # type: ignore[arg-type]
    assert settings.redirect_uri == "http://arg/cb/"


def test_missing_explicit_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        resolve_settings(config_file=tmp_path / "nope.ini", environ={})


def test_unknown_section_is_a_clear_error(ini: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"no \[Other\] section"):
        resolve_settings(config_file=ini, section="Other", environ={})


def test_real_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    assert resolve_settings().client_guid == "env-guid"


def test_jupyter_server_config_comes_after_ini_and_before_defaults(ini: Path) -> None:
    server = (
        '{"base_url": "https://api.server", "client_guid": "server-guid",'
        ' "redirect_uri": "http://server/cb", "looker_url": "https://ui.server"}'
    )
    settings = resolve_settings(environ={"LOOKER_NB_AUTH_DEFAULTS": server})
    assert settings.client_guid == "server-guid"
    assert settings.sources["client_guid"] == "Jupyter server config (c.LookerNbAuth)"
    from_ini = resolve_settings(config_file=ini, environ={"LOOKER_NB_AUTH_DEFAULTS": server})
    assert from_ini.client_guid == "ini-guid"


def test_malformed_server_defaults_are_ignored() -> None:
    settings = resolve_settings(**FULL, environ={"LOOKER_NB_AUTH_DEFAULTS": "{not json"})  # type: ignore[arg-type]
    assert settings.client_guid == "arg-guid"


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("base_url", "https://ada:hunter2@api.looker.example"),
        ("looker_url", "https://ada:hunter2@ui.looker.example"),
        ("redirect_uri", "http://ada:hunter2@127.0.0.1:8765/cb"),
        ("base_url", "https://hunter2@api.looker.example#frag"),  # refused for both: no echo
    ],
)
def test_a_password_in_a_url_is_refused_without_being_repeated(name: str, url: str) -> None:
    """Looker logs in with OAuth: a user name or password in a URL is a mistake, and echoing it
    would put it in tracebacks, progress lines and saved notebooks."""
    with pytest.raises(ConfigurationError, match="user name or password") as info:
        resolve_settings(**{**FULL, name: url}, environ={})
    assert "hunter2" not in str(info.value)
    assert "ada" not in str(info.value)
