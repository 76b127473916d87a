"""``token_error_body`` and ``token_error_status``: the bodies and statuses Looker may refuse a
token request with (it does not document them), each a knob."""

from __future__ import annotations

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig
from looker_nb_auth.fake_looker._config import TOKEN_ERROR_BODIES, TokenErrorBody

from .helpers import CLIENT_GUID, HTTP, REDIRECT_URI, log_in, redeem

DOCS = "https://cloud.google.com/looker/docs/r/api/support"


@pytest.mark.parametrize("body", TOKEN_ERROR_BODIES)
@pytest.mark.parametrize("status", [401, 403, 404, 422])
def test_token_error_status_answers_every_refusal_with_that_status(
    looker: FakeLooker, body: TokenErrorBody, status: int
) -> None:
    looker.config.token_error_body = body
    looker.config.token_error_status = status
    login = log_in(looker)
    assert redeem(looker, login).status_code == 200

    reused = redeem(looker, login)
    basic = HTTP.post(
        f"{looker.api_url}/api/token",
        json={"grant_type": "authorization_code", "client_id": CLIENT_GUID},
        auth=httpx.BasicAuth(CLIENT_GUID, ""),
    )

    assert (reused.status_code, basic.status_code) == (status, status)
    if body == "oauth":
        assert reused.json()["error"] == "invalid_grant"
        assert "already used" in reused.json()["error_description"]
    else:
        assert reused.json() == {
            "message": "The authorization code was already used; its tokens are revoked.",
            "documentation_url": DOCS,
        }


def test_looker_body_is_lookers_api_error_model_at_the_refusals_own_status(
    looker: FakeLooker,
) -> None:
    looker.config.token_error_body = "looker"

    response = redeem(looker, log_in(looker), redirect_uri=REDIRECT_URI + "/")

    assert response.status_code == 400
    assert response.json() == {
        "message": "redirect_uri does not match the one the authorization code was issued for.",
        "documentation_url": DOCS,
    }


@pytest.mark.parametrize(
    ("knobs", "words"),
    [
        ({"token_error_body": "rfc"}, "token_error_body"),
        ({"token_error_status": 200}, "token_error_status"),
        ({"token_error_status": 503}, "token_error_status"),
    ],
)
def test_unknown_token_refusal_knobs_are_refused(knobs: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        FakeLookerConfig(**knobs)  # type: ignore[arg-type]
