import base64
import hashlib
import re

from looker_nb_auth._secret import Secret
from looker_nb_auth.oauth.pkce import code_challenge, new_code_verifier

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


def test_verifiers_are_unique() -> None:
    assert len({new_code_verifier() for _ in range(200)}) == 200
