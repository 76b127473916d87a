"""The UI host: /auth, the login form and the consent page, as strict as Looker."""

from __future__ import annotations

import re

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, ManualClock, RobotError, authorize_in_browser

from .helpers import (
    ADA,
    CLIENT_GUID,
    GRACE,
    PASSWORD,
    REDIRECT_URI,
    authorize_url,
    log_in,
    new_client,
    new_verifier,
    query_of,
    redeem,
)

SECURITY_HEADERS = {
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def _login_data(html: str, email: str, password: str = PASSWORD) -> dict[str, str]:
    """What a person submits on the login form ``html``."""
    return {
        "_xsrf": _hidden(html, "_xsrf"),
        "pending": _hidden(html, "pending"),
        "email": email,
        "password": password,
    }


def _login_form(browser: httpx.Client, looker: FakeLooker) -> httpx.Response:
    response = browser.get(authorize_url(looker, new_verifier()))
    assert response.status_code == 200 and 'type="password"' in response.text
    return response


# -- client and redirect_uri: error page, never a redirect ----------------------------------------


@pytest.mark.parametrize(
    ("overrides", "sentence"),
    [
        ({"client_id": "no-such-app"}, "No OAuth client app is registered with this client_id."),
        ({"client_id": None}, "The request has no client_id."),
        ({"client_id": ""}, "The request has no client_id."),
        ({"redirect_uri": None}, "The redirect_uri does not match"),
        ({"redirect_uri": REDIRECT_URI + "/"}, "The redirect_uri does not match"),
        ({"redirect_uri": REDIRECT_URI.replace("http:", "https:")}, "redirect_uri does not match"),
        ({"redirect_uri": REDIRECT_URI.replace(":8888", ":8889")}, "redirect_uri does not match"),
        ({"redirect_uri": REDIRECT_URI.replace("127.0.0.1", "localhost")}, "does not match"),
        ({"redirect_uri": REDIRECT_URI.upper()}, "The redirect_uri does not match"),
        ({"redirect_uri": REDIRECT_URI + "?x=1"}, "The redirect_uri does not match"),
        ({"redirect_uri": "https://evil.example/steal"}, "The redirect_uri does not match"),
    ],
)
def test_unknown_client_or_inexact_redirect_uri_gets_an_error_page_and_no_redirect(
    browser: httpx.Client, looker: FakeLooker, overrides: dict[str, str | None], sentence: str
) -> None:
    response = browser.get(authorize_url(looker, new_verifier(), **overrides))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert sentence in response.text


def test_disabled_app_gets_an_error_page(browser: httpx.Client, looker: FakeLooker) -> None:
    looker.register_app("off", REDIRECT_URI, enabled=False)
    response = browser.get(authorize_url(looker, new_verifier(), client_id="off"))
    assert response.status_code == 400 and "This OAuth client app is disabled." in response.text


def test_repeated_redirect_uri_gets_an_error_page(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    url = authorize_url(looker, new_verifier()) + "&redirect_uri=https%3A%2F%2Fevil.example%2F"
    response = browser.get(url)
    assert response.status_code == 400 and "location" not in response.headers


def test_error_page_does_not_reflect_the_request(browser: httpx.Client, looker: FakeLooker) -> None:
    response = browser.get(authorize_url(looker, new_verifier(), client_id="<script>x</script>"))
    assert response.status_code == 400
    assert "<script>" not in response.text and "x</script>" not in response.text


# -- once client and redirect are good, problems go back to the app -------------------------------


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"response_type": "token"}, "response_type"),
        ({"response_type": None}, "response_type"),
        ({"scope": None}, "scope"),
        ({"code_challenge_method": "plain"}, "code_challenge_method"),
        ({"code_challenge_method": None}, "code_challenge_method"),
        ({"code_challenge": None}, "code_challenge"),
        ({"code_challenge": "a" * 42}, "code_challenge"),
        ({"code_challenge": "a" * 44}, "code_challenge"),
        ({"code_challenge": "a" * 42 + "="}, "code_challenge"),
        ({"code_challenge": "a" * 42 + "+"}, "code_challenge"),
        ({"code_challenge": "0123456789abcdef" * 4}, "code_challenge"),  # looker_sdk's hex
    ],
)
def test_bad_parameters_redirect_back_with_invalid_request_and_the_state(
    browser: httpx.Client, looker: FakeLooker, overrides: dict[str, str | None], fragment: str
) -> None:
    url = authorize_url(looker, new_verifier(), **overrides)
    response = browser.get(url)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    params = query_of(location)
    assert params["error"] == "invalid_request"
    assert fragment in params["error_description"]
    assert params["state"] == query_of(url)["state"]
    assert "code" not in params


@pytest.mark.parametrize(
    "scope", ["openid", "all", "cors_api openid", "api cors_api", "CORS_API", ""]
)
def test_other_scopes_redirect_back_with_invalid_scope_and_the_state(
    browser: httpx.Client, looker: FakeLooker, scope: str
) -> None:
    url = authorize_url(looker, new_verifier(), scope=scope)
    response = browser.get(url)
    assert response.status_code == 302
    params = query_of(response.headers["location"])
    assert params["error"] == "invalid_scope" and "cors_api" in params["error_description"]
    assert params["state"] == query_of(url)["state"] and "code" not in params


@pytest.mark.parametrize("scope", ["cors_api", "api"])
def test_cors_api_and_api_scopes_both_log_in(looker: FakeLooker, scope: str) -> None:
    response = redeem(looker, log_in(looker, scope=scope))
    assert response.status_code == 200 and response.json()["access_token"]


def test_missing_state_redirects_back_without_a_state(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    response = browser.get(authorize_url(looker, new_verifier(), state=None))
    params = query_of(response.headers["location"])
    assert params["error"] == "invalid_request" and "state" in params["error_description"]
    assert "state" not in params


# -- login form -----------------------------------------------------------------------------------


def test_login_form_is_prefilled_with_the_first_user_and_lists_the_demo_users(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    html = _login_form(browser, looker).text
    assert re.search(rf'name="email" value="{ADA}"', html)
    assert re.search(rf'name="password" value="{PASSWORD}"', html)
    assert ADA in html and GRACE in html


def test_wrong_password_shows_the_form_again_with_one_sentence(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    html = _login_form(browser, looker).text
    response = browser.post("/login", data=_login_data(html, ADA, "wrong"))
    assert response.status_code == 401
    assert "The email or password is incorrect." in response.text
    assert 'type="password"' in response.text
    assert "looker_session" not in response.headers.get("set-cookie", "")


def test_robot_reports_the_login_error_sentence(looker: FakeLooker) -> None:
    with pytest.raises(RobotError, match=r"The email or password is incorrect\.") as info:
        authorize_in_browser(authorize_url(looker, new_verifier()), password="wrong")
    assert info.value.status_code == 401


def test_login_without_the_anti_csrf_token_is_refused(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    html = _login_form(browser, looker).text
    data = {"pending": _hidden(html, "pending"), "email": ADA, "password": PASSWORD}
    response = browser.post("/login", data=data)
    assert response.status_code == 403
    assert "looker_session" not in response.headers.get("set-cookie", "")


def test_login_with_a_forged_pending_id_is_refused(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    html = _login_form(browser, looker).text
    data = {"_xsrf": _hidden(html, "_xsrf"), "pending": "forged", "email": ADA, "password": "x"}
    response = browser.post("/login", data=data)
    assert response.status_code == 400 and "expired" in response.text


def test_login_form_expires_after_ten_minutes(
    browser: httpx.Client, looker: FakeLooker, clock: ManualClock
) -> None:
    html = _login_form(browser, looker).text
    clock.advance(601)
    data = _login_data(html, ADA)
    response = browser.post("/login", data=data)
    assert response.status_code == 400 and "start the login again" in response.text


def test_login_sets_an_httponly_session_cookie(browser: httpx.Client, looker: FakeLooker) -> None:
    html = _login_form(browser, looker).text
    data = _login_data(html, ADA)
    response = browser.post("/login", data=data)
    cookie = next(c for c in response.headers.get_list("set-cookie") if "looker_session" in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# -- consent --------------------------------------------------------------------------------------


def test_consent_page_shows_the_apps_name_and_escaped_description(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    html = _login_form(browser, looker).text
    data = _login_data(html, GRACE)
    consent = browser.post("/login", data=data)
    assert consent.status_code == 200
    assert "Fake Looker tests" in consent.text
    assert "Runs &lt;the&gt; tests &amp; more." in consent.text
    assert 'value="allow">Allow<' in consent.text and 'value="deny">Deny<' in consent.text


def test_allow_redirects_with_a_code_and_the_state(looker: FakeLooker) -> None:
    url = authorize_url(looker, new_verifier())
    location = authorize_in_browser(url)
    params = query_of(location)
    assert location.startswith(REDIRECT_URI + "?code=")
    assert set(params) == {"code", "state"} and params["state"] == query_of(url)["state"]


def test_deny_redirects_with_access_denied(looker: FakeLooker) -> None:
    url = authorize_url(looker, new_verifier())
    params = query_of(authorize_in_browser(url, approve=False))
    assert params == {
        "error": "access_denied",
        "error_description": "The user denied access.",
        "state": query_of(url)["state"],
    }


def test_consent_is_asked_once_per_user_and_app(looker: FakeLooker) -> None:
    with new_client() as browser:
        log_in(looker, ADA, client=browser)
        assert looker.requests.count(("POST", "/auth/consent")) == 1
        looker.reset_counters()
        log_in(looker, ADA, client=browser)  # logged-in browser: straight back with a code
        assert looker.requests == [("GET", "/auth")]
    looker.reset_counters()
    log_in(looker, ADA)  # a new browser logs in again, but is not asked again
    assert looker.requests == [("GET", "/auth"), ("POST", "/login")]
    looker.reset_counters()
    log_in(looker, GRACE)  # another user is asked
    assert ("POST", "/auth/consent") in looker.requests


def test_code_is_appended_to_a_redirect_uri_that_has_a_query(looker: FakeLooker) -> None:
    looker.register_app("with-query", "http://127.0.0.1:9/cb?tenant=a%20b")
    url = authorize_url(
        looker,
        new_verifier(),
        client_id="with-query",
        redirect_uri="http://127.0.0.1:9/cb?tenant=a%20b",
    )
    location = authorize_in_browser(url)
    assert location.startswith("http://127.0.0.1:9/cb?tenant=a%20b&code=")


def test_app_disabled_during_login_stops_the_login(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    html = _login_form(browser, looker).text
    app = next(a for a in looker.config.apps if a.client_guid == CLIENT_GUID)
    app.enabled = False
    data = _login_data(html, ADA)
    response = browser.post("/login", data=data)
    assert response.status_code == 400 and "location" not in response.headers


def _consent_page(browser: httpx.Client, looker: FakeLooker, client_id: str, email: str) -> str:
    html = browser.get(authorize_url(looker, new_verifier(), client_id=client_id)).text
    data = _login_data(html, email)
    consent = browser.post("/login", data=data)
    assert consent.status_code == 200 and 'value="allow"' in consent.text
    return consent.text


def test_user_outside_the_apps_group_gets_lookers_403_page_and_no_redirect(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    looker.register_app("group-2", REDIRECT_URI, group_id="2")  # Ada's group, not Grace's
    html = _consent_page(browser, looker, "group-2", GRACE)
    data = {"_xsrf": _hidden(html, "_xsrf"), "pending": _hidden(html, "pending")}
    response = browser.post("/auth/consent", data={**data, "decision": "allow"})
    assert response.status_code == 403 and "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "User not allowed to authorize app!" in response.text
    again = browser.post("/auth/consent", data={**data, "decision": "allow"})
    assert again.status_code == 400  # the pending login is used up


def test_robot_reports_lookers_not_allowed_sentence(looker: FakeLooker) -> None:
    looker.register_app("group-2", REDIRECT_URI, group_id="2")
    url = authorize_url(looker, new_verifier(), client_id="group-2")
    with pytest.raises(RobotError, match=r"^User not allowed to authorize app!$") as info:
        authorize_in_browser(url, email=GRACE)
    assert info.value.status_code == 403


def test_member_of_the_apps_group_may_authorize_it(looker: FakeLooker) -> None:
    looker.register_app("group-2", REDIRECT_URI, group_id="2")
    login = log_in(looker, ADA, client_guid="group-2")
    assert redeem(looker, login, client_id="group-2").status_code == 200
    looker.config.users[1].group_ids = ["1", "2"]  # the config is live: Grace joins group 2
    login = log_in(looker, GRACE, client_guid="group-2")
    assert redeem(looker, login, client_id="group-2").status_code == 200


@pytest.mark.parametrize("group_id", ["1", ""])
def test_all_users_group_or_no_group_lets_everyone_in(looker: FakeLooker, group_id: str) -> None:
    looker.register_app("everyone", REDIRECT_URI, group_id=group_id)
    login = log_in(looker, GRACE, client_guid="everyone")
    assert redeem(looker, login, client_id="everyone").status_code == 200


def test_approved_user_who_left_the_group_gets_the_403_page(looker: FakeLooker) -> None:
    with new_client() as browser:
        log_in(looker, GRACE, client=browser)  # approves the app
        app = next(a for a in looker.config.apps if a.client_guid == CLIENT_GUID)
        app.group_id = "2"
        response = browser.get(authorize_url(looker, new_verifier()))
        assert response.status_code == 403 and "location" not in response.headers
        assert "User not allowed to authorize app!" in response.text


# -- several redirect URIs (Looker 26.18+) --------------------------------------------------------

SECOND_URI = "http://127.0.0.1:8765/callback"


def test_any_registered_redirect_uri_is_accepted_and_the_code_goes_there(
    looker: FakeLooker,
) -> None:
    looker.register_app("multi", redirect_uris=[REDIRECT_URI, SECOND_URI])
    for uri in (REDIRECT_URI, SECOND_URI):
        login = log_in(looker, client_guid="multi", redirect_uri=uri)  # asserts the destination
        assert redeem(looker, login, client_id="multi", redirect_uri=uri).status_code == 200


@pytest.mark.parametrize(
    "uri",
    [
        SECOND_URI + "/",
        SECOND_URI.replace("http:", "https:"),
        SECOND_URI.replace("127.0.0.1", "localhost"),
        SECOND_URI.upper(),
        SECOND_URI + "?x=1",
        "http://127.0.0.1:8765/",
    ],
)
def test_near_misses_of_a_registered_redirect_uri_get_the_error_page(
    browser: httpx.Client, looker: FakeLooker, uri: str
) -> None:
    looker.register_app("multi", redirect_uris=[REDIRECT_URI, SECOND_URI])
    response = browser.get(
        authorize_url(looker, new_verifier(), client_id="multi", redirect_uri=uri)
    )
    assert response.status_code == 400 and "location" not in response.headers
    assert "The redirect_uri does not match" in response.text


def test_code_redeems_only_with_the_redirect_uri_it_was_issued_for(looker: FakeLooker) -> None:
    looker.register_app("multi", redirect_uris=[REDIRECT_URI, SECOND_URI])
    login = log_in(looker, client_guid="multi", redirect_uri=SECOND_URI)
    response = redeem(looker, login, client_id="multi", redirect_uri=REDIRECT_URI)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "redirect_uri does not match" in response.json()["error_description"]


def test_redirect_uri_removed_from_the_app_stops_logins_through_it(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    app = looker.register_app("multi", redirect_uris=[REDIRECT_URI, SECOND_URI])
    login = log_in(looker, client_guid="multi", redirect_uri=SECOND_URI)
    app.redirect_uris = [REDIRECT_URI]
    response = redeem(looker, login, client_id="multi", redirect_uri=SECOND_URI)
    assert response.status_code == 400 and "no longer registered" in response.text
    page = browser.get(
        authorize_url(looker, new_verifier(), client_id="multi", redirect_uri=SECOND_URI)
    )
    assert page.status_code == 400 and "location" not in page.headers


# -- headers --------------------------------------------------------------------------------------


def test_every_ui_response_sends_the_security_headers(
    browser: httpx.Client, looker: FakeLooker
) -> None:
    html = _login_form(browser, looker).text
    responses = [
        browser.get(authorize_url(looker, new_verifier())),  # login form
        browser.get(authorize_url(looker, new_verifier(), client_id="nope")),  # error page
        browser.get(authorize_url(looker, new_verifier(), scope="x")),  # error redirect
        browser.get("/no-such-page"),  # 404
        browser.post("/login", data={"_xsrf": _hidden(html, "_xsrf"), "pending": "x"}),
        browser.put("/auth"),  # 405
    ]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.request.url, name)


# -- split hosts (legacy 9999 / 19999) ------------------------------------------------------------


def test_split_hosts_serve_pages_only_on_the_ui_port_and_the_api_only_on_the_api_port(
    clock: ManualClock,
) -> None:
    with FakeLooker(clock=clock.now).start(ui_port=0) as looker:
        looker.register_app(CLIENT_GUID, REDIRECT_URI)
        assert looker.web_url != looker.api_url
        with new_client() as client:
            on_api = client.get(f"{looker.api_url}/auth")
            assert on_api.status_code == 404 and on_api.json()["message"] == "Not found"
            assert client.post(f"{looker.api_url}/login").status_code == 404
            assert client.get(f"{looker.web_url}/versions").status_code == 404
            on_ui = client.post(f"{looker.web_url}/api/token", json={})
            assert on_ui.status_code == 404 and on_ui.json()["message"] == "Not found"
            versions = client.get(f"{looker.api_url}/versions").json()
            assert versions["web_server_url"] == looker.web_url
            assert versions["api_server_url"] == looker.api_url
        login = log_in(looker)
        assert redeem(looker, login).status_code == 200
