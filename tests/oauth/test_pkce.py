import base64
import hashlib
import re

import pytest

from looker_nb_auth import LookerSession
from looker_nb_auth._secret import Secret
from looker_nb_auth.jupyterhub import is_valid_state, state_server_name, with_server_name
from looker_nb_auth.oauth.pkce import code_challenge, new_code_verifier, new_state

UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]+$")


def test_rfc7636_appendix_b_vector() -> None:
    assert (
        code_challenge(Secret("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_verifier_is_within_rfc_length_and_alphabet_and_not_hex() -> None:
    verifier = new_code_verifier().reveal()
    assert 43 <= len(verifier) <= 128
    assert len(verifier) != 64  # Looker's legacy hex heuristic keys on 2^n lengths
    assert UNRESERVED.match(verifier)
    assert not re.fullmatch(r"[0-9a-f]+", verifier)


def test_challenge_is_unpadded_base64url_sha256() -> None:
    verifier = new_code_verifier()
    challenge = code_challenge(verifier)
    assert "=" not in challenge and "+" not in challenge and "/" not in challenge
    padded = challenge + "=" * (-len(challenge) % 4)
    assert base64.urlsafe_b64decode(padded) == hashlib.sha256(verifier.reveal().encode()).digest()


def test_verifiers_and_states_are_unique_and_carry_at_least_128_bits() -> None:
    states = {new_state() for _ in range(200)}
    verifiers = {new_code_verifier() for _ in range(200)}
    assert len(states) == 200 and len(verifiers) == 200
    # base64url carries 6 bits per character
    assert min(len(s) for s in states) * 6 >= 128


@pytest.mark.parametrize("name", ["second", "a", "ünïcødé server", "x" * 128, "with.dots/and?"])
def test_a_named_server_s_state_names_it(name: str) -> None:
    state = with_server_name(new_state(), name)
    assert UNRESERVED.match(state)
    assert is_valid_state(state)
    assert state_server_name(state) == name
    assert state != with_server_name(new_state(), name)


def test_the_default_server_s_state_is_plain_random() -> None:
    state = new_state()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", state)
    assert state_server_name(state) == ""


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


def test_a_name_too_long_for_a_state_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than 128 bytes"):
        with_server_name(new_state(), "x" * 129)


def test_a_kernel_on_a_named_server_puts_its_name_in_the_state(
    session: LookerSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVER_NAME", "second")
    assert state_server_name(session.start_login().state) == "second"
    monkeypatch.delenv("JUPYTERHUB_SERVER_NAME")
    assert state_server_name(session.start_login().state) == ""
