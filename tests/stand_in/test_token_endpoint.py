"""POST /api/token (code and refresh grants), logout and token lifetimes."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, ManualClock, authorize_in_browser
from looker_nb_auth.fake_looker._config import TokenErrorBody

from .helpers import (
    ADA,
    CLIENT_GUID,
    GRACE,
    HTTP,
    REDIRECT_URI,
    Login,
    authorize_url,
    bearer,
    challenge_of,
    get_user,
    log_in,
    query_of,
    redeem,
    refresh,
    tokens_for,
)

RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


DOCS = "https://cloud.google.com/looker/docs/r/api/support"
#: The body the stand-in refuses token requests with in this test (``token_error_body``).
_BODY = {"shape": "oauth"}


@pytest.fixture(autouse=True, params=["oauth", "looker"])
def token_error_body(
    request: pytest.FixtureRequest, looker: FakeLooker, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Every test runs with both bodies Looker may refuse a token request with: RFC 6749's
    ``{"error", "error_description"}`` and its API's ``{"message", "documentation_url"}``."""
    shape: TokenErrorBody = request.param
    looker.config.token_error_body = shape
    monkeypatch.setitem(_BODY, "shape", shape)
    return shape


def _error_body(error: str, description: str) -> dict[str, str]:
    """The refusal's body in this test's shape."""
    if _BODY["shape"] == "oauth":
        return {"error": error, "error_description": description}
    return {"message": description, "documentation_url": DOCS}


def _refused(response: httpx.Response, error: str, words: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    if _BODY["shape"] == "oauth":
        assert set(body) == {"error", "error_description"}
        assert body["error"] == error
        assert words in body["error_description"]
    else:
        assert set(body) == {"message", "documentation_url"}
        assert words in body["message"]
        assert body["documentation_url"] == DOCS


# -- authorization_code ---------------------------------------------------------------------------


def test_code_redeems_for_bearer_tokens_that_are_not_cached(looker: FakeLooker) -> None:
    response = redeem(looker, log_in(looker))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert get_user(looker, body["access_token"]).json()["email"] == ADA


def test_rfc7636_appendix_b_pair_is_accepted(looker: FakeLooker) -> None:
    url = authorize_url(looker, "unused", code_challenge=RFC7636_CHALLENGE)
    code = query_of(authorize_in_browser(url))["code"]
    assert redeem(looker, Login(RFC7636_VERIFIER, code, "")).status_code == 200


@pytest.mark.parametrize(
    "verifier",
    [
        "A" * 43 + "another-valid-looking-verifier",
        RFC7636_VERIFIER,  # valid shape, wrong pair
        "short",
        "x" * 129,
        "has spaces in it but is long enough to pass the length check",
        "",
    ],
)
def test_wrong_verifier_is_refused(looker: FakeLooker, verifier: str) -> None:
    login = log_in(looker)
    response = redeem(looker, login, code_verifier=verifier)
    if verifier == "":
        _refused(response, "invalid_request", "code_verifier")
    else:
        _refused(response, "invalid_grant", "code_verifier does not match")


def test_the_challenge_itself_is_not_a_verifier(looker: FakeLooker) -> None:
    login = log_in(looker)
    response = redeem(looker, login, code_verifier=challenge_of(login.verifier))
    _refused(response, "invalid_grant", "code_verifier does not match")


def test_a_failed_redemption_uses_up_the_code(looker: FakeLooker) -> None:
    login = log_in(looker)
    redeem(looker, login, code_verifier="B" * 64)
    _refused(redeem(looker, login), "invalid_grant", "already used")


def test_reused_code_is_refused_and_revokes_its_tokens(looker: FakeLooker) -> None:
    login = log_in(looker)
    first = redeem(looker, login).json()
    _refused(redeem(looker, login), "invalid_grant", "already used")
    assert get_user(looker, first["access_token"]).status_code == 401
    _refused(refresh(looker, first["refresh_token"]), "invalid_grant", "invalid")


def test_expired_code_is_refused(looker: FakeLooker, clock: ManualClock) -> None:
    login = log_in(looker)
    clock.advance(60)
    _refused(redeem(looker, login), "invalid_grant", "expired")


def test_code_is_good_until_just_before_its_ttl(looker: FakeLooker, clock: ManualClock) -> None:
    login = log_in(looker)
    clock.advance(59.9)
    assert redeem(looker, login).status_code == 200


def test_code_ttl_knob_shortens_the_code_lifetime(looker: FakeLooker, clock: ManualClock) -> None:
    looker.config.code_ttl = 5
    login = log_in(looker)
    clock.advance(5)
    _refused(redeem(looker, login), "invalid_grant", "expired")


def test_unknown_code_is_refused(looker: FakeLooker) -> None:
    login = log_in(looker)
    _refused(redeem(looker, login, code="made-up"), "invalid_grant", "unknown")


@pytest.mark.parametrize(
    "redirect_uri",
    [REDIRECT_URI + "/", REDIRECT_URI.replace("http:", "https:"), "http://127.0.0.1:8888/other"],
)
def test_redirect_uri_other_than_the_codes_is_refused(
    looker: FakeLooker, redirect_uri: str
) -> None:
    response = redeem(looker, log_in(looker), redirect_uri=redirect_uri)
    _refused(response, "invalid_grant", "redirect_uri does not match")


def test_unknown_client_is_invalid_client(looker: FakeLooker) -> None:
    _refused(redeem(looker, log_in(looker), client_id="nope"), "invalid_client", "client_id")


def test_code_issued_to_another_client_is_refused(looker: FakeLooker) -> None:
    looker.register_app("other-app", REDIRECT_URI)
    response = redeem(looker, log_in(looker), client_id="other-app")
    _refused(response, "invalid_grant", "another client")


@pytest.mark.parametrize("missing", ["client_id", "redirect_uri", "code", "code_verifier"])
def test_missing_parameter_is_invalid_request(looker: FakeLooker, missing: str) -> None:
    body = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        "code": "c",
        "code_verifier": "v" * 43,
    }
    del body[missing]
    response = HTTP.post(f"{looker.api_url}/api/token", json=body)
    _refused(response, "invalid_request", missing)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"grant_type": "authorization_code"}', "application/x-www-form-urlencoded"),
        (b'{"grant_type": "authorization_code"}', "text/plain"),
        (b'{"grant_type": "authorization_code"}', None),
        (b"grant_type=authorization_code&code=x", "application/x-www-form-urlencoded"),
        (b'{"grant_type": "authorization_code"', "application/json"),
        (b'["grant_type", "authorization_code"]', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"", "application/json"),
    ],
)
def test_body_that_is_not_a_json_object_is_invalid_request(
    looker: FakeLooker, content: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = HTTP.post(f"{looker.api_url}/api/token", content=content, headers=headers)
    _refused(response, "invalid_request", "JSON")


def test_json_with_a_charset_parameter_is_accepted(looker: FakeLooker) -> None:
    login = log_in(looker)
    body = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        "code": login.code,
        "code_verifier": login.verifier,
    }
    response = HTTP.post(
        f"{looker.api_url}/api/token",
        content=json.dumps(body),
        headers={"Content-Type": "application/json;charset=UTF-8"},
    )
    assert response.status_code == 200


def test_non_string_parameter_is_invalid_request(looker: FakeLooker) -> None:
    login = log_in(looker)
    body = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        "code": [login.code],
        "code_verifier": login.verifier,
    }
    response = HTTP.post(f"{looker.api_url}/api/token", json=body)
    _refused(response, "invalid_request", "string")


def test_basic_authentication_is_refused(looker: FakeLooker) -> None:
    login = log_in(looker)
    body = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        "code": login.code,
        "code_verifier": login.verifier,
    }
    response = HTTP.post(
        f"{looker.api_url}/api/token", json=body, auth=httpx.BasicAuth(CLIENT_GUID, "")
    )
    assert response.status_code == 401
    assert response.json() == _error_body("invalid_client", "Failed Basic Authentication")


@pytest.mark.parametrize("grant_type", ["client_credentials", "password", "implicit", ""])
def test_other_grant_types_are_unsupported(looker: FakeLooker, grant_type: str) -> None:
    body = {"grant_type": grant_type, "client_id": CLIENT_GUID}
    response = HTTP.post(f"{looker.api_url}/api/token", json=body)
    _refused(response, "unsupported_grant_type", "authorization_code")


def test_missing_grant_type_is_invalid_request(looker: FakeLooker) -> None:
    response = HTTP.post(f"{looker.api_url}/api/token", json={"client_id": CLIENT_GUID})
    _refused(response, "invalid_request", "grant_type")


def test_token_requests_are_counted_by_grant_type_including_refused_ones(
    looker: FakeLooker,
) -> None:
    tokens = tokens_for(looker)
    redeem(looker, Login("v" * 43, "bogus", ""))
    refresh(looker, tokens["refresh_token"])
    refresh(looker, "bogus")
    assert looker.token_requests == {"authorization_code": 2, "refresh_token": 2}


# -- refresh_token --------------------------------------------------------------------------------


def test_refresh_issues_a_new_access_token_and_rotates_the_refresh_token(
    looker: FakeLooker,
) -> None:
    tokens = tokens_for(looker)
    response = refresh(looker, tokens["refresh_token"])
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    new = response.json()
    assert new["access_token"] != tokens["access_token"]
    assert new["refresh_token"] != tokens["refresh_token"]
    assert get_user(looker, new["access_token"]).status_code == 200


def test_rotated_away_refresh_token_is_refused(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    assert refresh(looker, tokens["refresh_token"]).status_code == 200
    _refused(refresh(looker, tokens["refresh_token"]), "invalid_grant", "refresh token")


def test_without_rotation_the_same_refresh_token_comes_back(looker: FakeLooker) -> None:
    looker.config.rotate_refresh_tokens = False
    tokens = tokens_for(looker)
    for _ in range(2):
        assert (
            refresh(looker, tokens["refresh_token"]).json()["refresh_token"]
            == (tokens["refresh_token"])
        )


def test_omitted_refresh_token_leaves_the_key_out_and_the_old_one_keeps_working(
    looker: FakeLooker,
) -> None:
    looker.config.omit_refresh_token = True
    tokens = tokens_for(looker)
    for _ in range(3):
        response = refresh(looker, tokens["refresh_token"])
        assert response.status_code == 200
        assert "refresh_token" not in response.json()


def test_refresh_without_redirect_uri_is_accepted(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    body = {"grant_type": "refresh_token", "client_id": CLIENT_GUID}
    body["refresh_token"] = tokens["refresh_token"]
    assert HTTP.post(f"{looker.api_url}/api/token", json=body).status_code == 200


def test_refresh_with_a_wrong_redirect_uri_is_refused(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    response = refresh(looker, tokens["refresh_token"], redirect_uri=REDIRECT_URI + "/")
    _refused(response, "invalid_grant", "redirect_uri does not match")


def test_refresh_with_another_registered_redirect_uri_than_the_logins_is_refused(
    looker: FakeLooker,
) -> None:
    second = "http://127.0.0.1:8765/callback"
    app = next(a for a in looker.config.apps if a.client_guid == CLIENT_GUID)
    app.redirect_uris = [REDIRECT_URI, second]
    tokens = tokens_for(looker)  # logged in through REDIRECT_URI
    _refused(
        refresh(looker, tokens["refresh_token"], redirect_uri=second),
        "invalid_grant",
        "redirect_uri does not match",
    )
    assert refresh(looker, tokens["refresh_token"]).status_code == 200


def test_user_who_left_the_apps_group_can_no_longer_redeem_or_refresh(looker: FakeLooker) -> None:
    looker.register_app("group-2", REDIRECT_URI, group_id="2")
    looker.config.users[1].group_ids = ["1", "2"]
    login = log_in(looker, GRACE, client_guid="group-2")
    tokens = redeem(looker, log_in(looker, GRACE, client_guid="group-2"), client_id="group-2")
    assert tokens.status_code == 200
    looker.config.users[1].group_ids = ["1"]
    _refused(redeem(looker, login, client_id="group-2"), "invalid_grant", "not allowed")
    response = refresh(looker, tokens.json()["refresh_token"], client_id="group-2")
    _refused(response, "invalid_grant", "not allowed")


def test_refresh_by_another_client_is_refused(looker: FakeLooker) -> None:
    looker.register_app("other-app", REDIRECT_URI)
    tokens = tokens_for(looker)
    response = refresh(looker, tokens["refresh_token"], client_id="other-app")
    _refused(response, "invalid_grant", "another client")
    _refused(refresh(looker, tokens["refresh_token"], client_id="nope"), "invalid_client", "")


def test_refresh_token_expires_after_its_ttl(looker: FakeLooker, clock: ManualClock) -> None:
    tokens = tokens_for(looker)
    clock.advance(looker.config.refresh_token_ttl)
    _refused(refresh(looker, tokens["refresh_token"]), "invalid_grant", "expired")


def test_concurrent_refreshes_with_one_token_let_exactly_one_win(looker: FakeLooker) -> None:
    token = tokens_for(looker)["refresh_token"]
    barrier = threading.Barrier(16)
    statuses: list[int] = []

    def attempt() -> None:
        barrier.wait()
        statuses.append(refresh(looker, token).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [400] * 15


# -- access token lifetime and revocation ---------------------------------------------------------


def test_access_token_expires_after_expires_in(looker: FakeLooker, clock: ManualClock) -> None:
    tokens = tokens_for(looker)
    clock.advance(3599)
    assert get_user(looker, tokens["access_token"]).status_code == 200
    clock.advance(1)
    assert get_user(looker, tokens["access_token"]).status_code == 401
    assert refresh(looker, tokens["refresh_token"]).status_code == 200


def test_access_token_ttl_knob_sets_expires_in(looker: FakeLooker) -> None:
    looker.config.access_token_ttl = 5
    assert tokens_for(looker)["expires_in"] == 5


def test_logout_revokes_the_access_token_and_its_refresh_token(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    response = HTTP.delete(f"{looker.api_url}/api/logout", headers=bearer(tokens["access_token"]))
    assert response.status_code == 204 and response.content == b""
    assert get_user(looker, tokens["access_token"]).status_code == 401
    _refused(refresh(looker, tokens["refresh_token"]), "invalid_grant", "revoked")


def test_logout_also_revokes_tokens_refreshed_from_the_same_login(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    newer = refresh(looker, tokens["refresh_token"]).json()
    HTTP.delete(f"{looker.api_url}/api/4.0/logout", headers=bearer(newer["access_token"]))
    _refused(refresh(looker, newer["refresh_token"]), "invalid_grant", "revoked")


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic YTpi", "Bearer"])
def test_logout_without_a_valid_token_is_401(looker: FakeLooker, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = HTTP.delete(f"{looker.api_url}/api/logout", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "message": "Requires authentication.",
        "documentation_url": "https://cloud.google.com/looker/docs/r/api/support",
    }


def test_expire_access_tokens_keeps_refresh_tokens_valid(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    looker.expire_access_tokens()
    assert get_user(looker, tokens["access_token"]).status_code == 401
    new = refresh(looker, tokens["refresh_token"]).json()
    assert get_user(looker, new["access_token"]).status_code == 200


def test_revoke_user_tokens_kills_only_that_users_tokens(looker: FakeLooker) -> None:
    ada, grace = tokens_for(looker, ADA), tokens_for(looker, GRACE)
    looker.revoke_user_tokens("1")
    assert get_user(looker, ada["access_token"]).status_code == 401
    _refused(refresh(looker, ada["refresh_token"]), "invalid_grant", "revoked")
    assert get_user(looker, grace["access_token"]).status_code == 200
    assert refresh(looker, grace["refresh_token"]).status_code == 200


def test_live_refresh_tokens_counts_what_looker_would_honour(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    user = get_user(looker, tokens["access_token"]).json()["id"]
    assert looker.live_refresh_tokens(user) == 1
    assert refresh(looker, tokens["refresh_token"]).status_code == 200  # rotated: still one
    assert looker.live_refresh_tokens(user) == 1
    looker.revoke_user_tokens(user)
    assert looker.live_refresh_tokens(user) == 0
