"""The logins table: encrypted at rest, readable only with a key, re-encrypted on rotation."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from looker_nb_auth._errors import ConfigurationError
from looker_nb_auth._secret import Secret
from looker_nb_auth.client.user import LookerUser
from looker_nb_auth.fake_looker import ManualClock
from looker_nb_auth.hub.store import LoginStore, parse_keys
from looker_nb_auth.oauth.token import Token

ACCESS = "access-token-text-0123456789"
REFRESH = "refresh-token-text-9876543210"
ADA = LookerUser(id="1", display_name="Ada Lovelace", email="ada@example.com")


def token(access: str = ACCESS, refresh: str | None = REFRESH, at: float = 1000.0) -> Token:
    return Token(Secret(access), Secret(refresh) if refresh else None, 3600.0, at)


def test_a_login_reads_back_with_its_secrets(store: LoginStore) -> None:
    store.save("ada", token(), ADA)
    login = store.get("ada")
    assert login is not None
    assert login.token.access_token.reveal() == ACCESS
    assert login.token.refresh_token is not None
    assert login.token.refresh_token.reveal() == REFRESH
    assert login.looker_user == ADA
    assert store.get("grace") is None


def test_the_database_file_holds_no_token_in_clear(store: LoginStore, db_file: Path) -> None:
    store.save("ada", token(), ADA)
    data = db_file.read_bytes()
    assert b"ada@example.com" in data  # the file is the one written
    assert ACCESS.encode() not in data
    assert REFRESH.encode() not in data


def test_a_stolen_database_without_the_key_yields_nothing(
    store: LoginStore, db_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store.save("ada", token(), ADA)
    thief = LoginStore(f"sqlite:///{db_file}", [Fernet.generate_key()])
    with caplog.at_level(logging.WARNING):
        assert thief.get("ada") is None
    thief.close()
    assert "cannot be decrypted" in caplog.text
    assert ACCESS not in caplog.text and REFRESH not in caplog.text


def test_rotation_re_encrypts_with_the_new_key(
    store: LoginStore, db_file: Path, key: bytes
) -> None:
    store.save("ada", token(), ADA)
    new = Fernet.generate_key()
    both = LoginStore(f"sqlite:///{db_file}", [new, key])
    assert both.rotate() == 1
    both.close()
    old_only = LoginStore(f"sqlite:///{db_file}", [key])
    assert old_only.get("ada") is None
    old_only.close()
    new_only = LoginStore(f"sqlite:///{db_file}", [new])
    login = new_only.get("ada")
    new_only.close()
    assert login is not None and login.token.refresh_token == Secret(REFRESH)


def test_a_refresh_keeps_when_the_user_logged_in(store: LoginStore, clock: ManualClock) -> None:
    store.save("ada", token(), ADA)
    first = store.get("ada")
    clock.advance(600)
    store.save("ada", token("new-access", "new-refresh", at=clock.now()), None)
    renewed = store.get("ada")
    assert first is not None and renewed is not None
    assert renewed.logged_in_at == first.logged_in_at
    assert renewed.refreshed_at == first.refreshed_at + 600
    assert renewed.looker_user == ADA


def test_delete_spares_a_login_renewed_meanwhile(store: LoginStore) -> None:
    store.save("ada", token(), ADA)
    store.save("ada", token("newer-access", "newer-refresh"), None)
    assert not store.delete("ada", only_if_refresh=Secret(REFRESH))
    assert store.get("ada") is not None
    assert store.delete("ada", only_if_refresh=Secret("newer-refresh"))
    assert store.get("ada") is None


def test_summaries_say_who_and_when_but_no_secret(store: LoginStore, clock: ManualClock) -> None:
    store.save("ada", token(), ADA)
    clock.advance(5)
    store.touch("ada")
    (summary,) = store.summaries()
    assert summary.user == "ada"
    assert summary.last_used_at == summary.logged_in_at + 5
    text = repr(summary.as_json())
    assert "ada@example.com" in text
    assert ACCESS not in text and REFRESH not in text


@pytest.mark.parametrize("text", ["", " ; ", "not-a-fernet-key"])
def test_a_missing_or_bad_key_is_one_sentence(text: str) -> None:
    with pytest.raises(ConfigurationError, match="LOOKER_NB_AUTH_HUB_CRYPT_KEY"):
        parse_keys(text)


def test_keys_are_separated_by_semicolons() -> None:
    first, second = Fernet.generate_key(), Fernet.generate_key()
    assert parse_keys(f"{first.decode()};{second.decode()}") == [first, second]
