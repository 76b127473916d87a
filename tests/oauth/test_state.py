"""The OAuth state: unguessable, naming the JupyterHub server that asked, and checked."""

import re

import pytest

from looker_nb_auth import LookerSession
from looker_nb_auth.oauth.state import (
    is_valid_state,
    new_state,
    state_server_name,
    with_server_name,
)

UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]+$")


def test_states_are_unique_and_carry_at_least_128_bits() -> None:
    states = {new_state() for _ in range(200)}
    assert len(states) == 200
    # base64url carries 6 bits per character
    assert min(len(s) for s in states) * 6 >= 128


@pytest.mark.parametrize("name", ["second", "a", "ünïcødé server", "x" * 128, "with.dots/and?"])
def test_a_named_server_s_state_names_it(name: str) -> None:
    state = new_state(name)
    assert UNRESERVED.match(state)
    assert is_valid_state(state)
    assert state_server_name(state) == name
    assert state != new_state(name)


def test_tagging_a_state_keeps_its_random_part() -> None:
    plain = new_state()
    tagged = with_server_name(plain, "second")
    assert tagged.startswith(plain + ".")
    assert state_server_name(tagged) == "second"
    assert with_server_name(plain, "") == plain


def test_the_default_server_s_state_is_plain_random() -> None:
    state = new_state()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", state)
    assert state_server_name(state) == ""
    assert new_state("") != state


@pytest.mark.parametrize(
    "state",
    [
        "",
        "short",
        "a" * 129,
        "a" * 43 + ".",
        "a" * 43 + ".%%",
        "a" * 43 + ".A",  # not whole base64
        "a" * 43 + ".__8",  # not UTF-8
        "a" * 43 + "." + "QUFB" * 50,  # longer than any name we make
        "a" * 43 + ".c2Vjb25k.c2Vjb25k",
    ],
)
def test_states_we_never_make_are_refused(state: str) -> None:
    assert not is_valid_state(state)
    assert state_server_name(state) is None


@pytest.mark.parametrize("value", [None, 42, b"a" * 43, ["a" * 43]])
def test_only_a_string_can_be_a_state(value: object) -> None:
    assert not is_valid_state(value)


def test_a_name_too_long_for_a_state_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than 128 bytes"):
        new_state("x" * 129)


def test_a_kernel_on_a_named_server_puts_its_name_in_the_state(
    session: LookerSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVER_NAME", "second")
    assert state_server_name(session.start_login().state) == "second"
    monkeypatch.delenv("JUPYTERHUB_SERVER_NAME")
    assert state_server_name(session.start_login().state) == ""
