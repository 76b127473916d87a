"""The robot user: a person in a browser, minus the browser."""

from __future__ import annotations

import logging

import pytest

from looker_nb_auth.fake_looker import FakeLooker, RobotError, authorize_in_browser

from .helpers import (
    GRACE,
    HTTP,
    REDIRECT_URI,
    Login,
    authorize_url,
    get_user,
    new_verifier,
    query_of,
    redeem,
)


def test_robot_returns_the_redirect_without_fetching_it(looker: FakeLooker) -> None:
    location = authorize_in_browser(authorize_url(looker, new_verifier()))
    assert location.startswith(REDIRECT_URI + "?code=")  # nothing listens there; never fetched


def test_robot_logs_in_with_the_given_credentials(looker: FakeLooker) -> None:
    verifier = new_verifier()
    location = authorize_in_browser(authorize_url(looker, verifier), email=GRACE)
    tokens = redeem(looker, Login(verifier, query_of(location)["code"], "")).json()
    assert get_user(looker, tokens["access_token"]).json()["email"] == GRACE


def test_robot_raises_with_the_error_pages_sentence(looker: FakeLooker) -> None:
    url = authorize_url(looker, new_verifier(), client_id="nope")
    with pytest.raises(RobotError, match="No OAuth client app is registered") as info:
        authorize_in_browser(url)
    assert info.value.status_code == 400


def test_robot_keeps_its_http_client_quiet_but_not_other_logging(
    looker: FakeLooker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = authorize_url(looker, new_verifier())
    code = query_of(authorize_in_browser(url))["code"]
    assert code not in caplog.text and query_of(url)["code_challenge"] not in caplog.text
    assert not any(r.name == "httpx" for r in caplog.records)
    HTTP.get(f"{looker.api_url}/versions")
    assert any(r.name == "httpx" for r in caplog.records)  # the filter is gone again
