"""The hub service behind a real JupyterHub: configurable-http-proxy, the shared-password
authenticator, local process servers, and the service ``looker`` configured as
docs/jupyterhub.md says. API-level (httpx, no browser): hub users log in to Looker through the
service's pages and JupyterHub's OAuth; their servers' own ``JUPYTERHUB_API_TOKEN`` gets their
access token; nothing else gets anyone's.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from e2e.hub import require_proxy
from support import ADA, GRACE

from looker_nb_auth.hub.store import LoginStore

from .service_hub import ADMIN, ADMIN_PASSWORD, HubBrowser, ServiceHub, json_of, service_hub

LOGIN_SENTENCE = "You are not logged in to Looker on this hub"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceHub]:
    proxy = require_proxy()
    with service_hub(tmp_path_factory.mktemp("jupyterhub"), proxy) as stack:
        yield stack


@pytest.fixture(scope="module")
def server_tokens(stack: ServiceHub) -> dict[str, str]:
    """Ada's and Grace's servers' JUPYTERHUB_API_TOKEN (what their kernels send)."""
    for user in ("ada", "grace"):
        HubBrowser(stack, user).close()  # a hub login makes the hub user
    return stack.spawn("ada", "grace")


@pytest.fixture
def browsers(stack: ServiceHub) -> Iterator[dict[str, HubBrowser]]:
    opened = {user: HubBrowser(stack, user) for user in ("ada", "grace")}
    yield opened
    for browser in opened.values():
        browser.close()


def logged_in(browsers: dict[str, HubBrowser], user: str, email: str) -> None:
    response = browsers[user].log_in_to_looker(email)
    assert response.status_code == 200, response.text
    assert "every notebook on this hub is logged in now" in response.text


def token_of(stack: ServiceHub, token: str) -> httpx.Response:
    with stack.api(token) as api:
        return api.get("api/token")


def looker_me(stack: ServiceHub, access_token: str) -> str:
    """Who Looker says the access token belongs to."""
    response = httpx.get(
        f"{stack.looker.api_url}/api/4.0/user",
        headers={"Authorization": f"Bearer {access_token}"},
        trust_env=False,
    )
    email = response.raise_for_status().json()["email"]
    assert isinstance(email, str)
    return email


def assert_no_secret_in_the_logs(stack: ServiceHub) -> None:
    log = stack.log()
    leaked = [secret for secret in stack.looker.secrets_seen() if secret in log]
    assert leaked == [], "a token, code or verifier is in the hub's (or the service's) log"
    # JupyterHub logs its own OAuth redirects with the code masked as [secret].
    assert not re.search(r"callback\?[^ ]*code=(?!\[secret\])", log)


def test_each_users_server_token_gets_their_own_looker_token(
    stack: ServiceHub, browsers: dict[str, HubBrowser], server_tokens: dict[str, str]
) -> None:
    logged_in(browsers, "ada", ADA)
    logged_in(browsers, "grace", GRACE)
    answers = {}
    for user in ("ada", "grace"):
        response = token_of(stack, server_tokens[user])
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        answers[user] = json_of(response)
        assert "refresh_token" not in answers[user]
    assert looker_me(stack, str(answers["ada"]["access_token"])) == ADA
    assert looker_me(stack, str(answers["grace"]["access_token"])) == GRACE
    assert answers["ada"]["looker_user"] == {
        "id": answers["ada"]["looker_user"]["id"],  # type: ignore[index]
        "display_name": "Ada Lovelace",
        "email": ADA,
    }
    assert 0 < float(answers["ada"]["expires_in"]) <= 3600  # type: ignore[arg-type]
    assert answers["ada"]["token_type"] == "Bearer"
    assert answers["ada"]["base_url"] == stack.looker.api_url  # the kernel has no settings
    # The user is whoever the token belongs to: no parameter names another.
    with stack.api(server_tokens["ada"]) as api:
        for params in ({"user": "grace"}, {"name": "grace"}):
            response = api.get("api/token", params=params)
            assert looker_me(stack, response.json()["access_token"]) == ADA
    assert_no_secret_in_the_logs(stack)


def test_a_token_of_no_hub_user_gets_403(stack: ServiceHub) -> None:
    robot = token_of(stack, stack.robot_token)  # a service with access, but no user
    assert robot.status_code == 403
    assert json_of(robot)["message"] == (
        "This token belongs to no hub user; call with a hub user's or their server's token."
    )
    for token in (None, "not-a-token", stack.hub.api_token):
        with stack.api(token) as api:
            response = api.get("api/token")
        assert response.status_code == 403, token
        assert "access_token" not in response.text


def test_bad_input_gets_4xx_and_one_sentence(
    stack: ServiceHub, browsers: dict[str, HubBrowser]
) -> None:
    ada = browsers["ada"]
    ada.looker_login_url()  # through JupyterHub's OAuth: the service's cookie
    callback = f"{stack.service_url}callback"
    state = "s" * 43
    for query in (
        "",
        "?code=abc",
        "?state=" + state,
        f"?code=abc&state={state}",  # no login pending under it
        "?code=abc&state=not-ours",
        f"?code=a&code=b&state={state}",
        "?code=" + "x" * 5000 + f"&state={state}",  # over MAX_VALUE_CHARS
        "?error=access_denied&state=" + state,
        "?code=%ff&state=" + state,
    ):
        response = ada.client.get(callback + query)
        assert 400 <= response.status_code < 500, (query[:40], response.status_code)
        assert "id='message'" in response.text, (query[:40], response.status_code)
    # A callback refused before it is read (a token of no hub user) logs no query string.
    marker = "code-that-must-not-be-logged-" + "7" * 20
    with stack.api(stack.robot_token) as robot:
        refused = robot.get(f"callback?code={marker}&state={state}")
    assert refused.status_code == 403
    # next must stay on the hub: an absolute URL elsewhere is dropped, the login goes on.
    auth = ada.looker_login_url("?next=//evil.example/x")
    assert auth.startswith(stack.looker.web_url)
    with stack.api(stack.user_token("ada")) as api:
        assert api.post("api/token").status_code == 405
        assert api.delete("api/admin/logins/grace").status_code == 403
    with stack.api(stack.user_token(ADMIN)) as api:
        missing = api.delete("api/admin/logins/nobody")
        assert missing.status_code == 404
        assert json_of(missing)["message"] == "Hub user nobody has no Looker login on this hub."
        assert api.get("api/admin/logins/ada").status_code == 405
    log = stack.log()
    assert "Traceback" not in log
    assert marker not in log


def test_an_admin_lists_logins_and_ends_one(
    stack: ServiceHub, browsers: dict[str, HubBrowser], server_tokens: dict[str, str]
) -> None:
    logged_in(browsers, "ada", ADA)
    with stack.api(stack.user_token(ADMIN)) as admin:
        listed = admin.get("api/admin/logins")
        assert listed.status_code == 200
        rows = {row["user"]: row for row in listed.json()}
        assert rows["ada"]["looker_user"]["email"] == ADA
        assert rows["ada"]["logged_in_at"] > 0
        assert not [s for s in stack.looker.secrets_seen() if s in listed.text]
        ada_id = rows["ada"]["looker_user"]["id"]
        ended = admin.delete("api/admin/logins/ada")
        assert ended.status_code == 200, ended.text
    assert stack.looker.live_refresh_tokens(ada_id) == 0  # revoked at Looker
    response = token_of(stack, server_tokens["ada"])
    assert response.status_code == 401
    body = json_of(response)
    assert str(body["message"]).startswith(LOGIN_SENTENCE)
    assert body["login_url"] == f"{urlpath(stack.service_url)}login"
    assert body["base_url"] == stack.looker.api_url
    with stack.api(server_tokens["ada"]) as api:  # not an admin
        assert api.get("api/admin/logins").status_code == 403
    assert_no_secret_in_the_logs(stack)


def urlpath(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_a_user_logs_out_on_their_page(
    stack: ServiceHub, browsers: dict[str, HubBrowser], server_tokens: dict[str, str]
) -> None:
    logged_in(browsers, "grace", GRACE)
    grace = browsers["grace"]
    page = grace.client.get(stack.service_url)
    assert page.status_code == 200
    assert "logged in to Looker as Grace Hopper (grace@example.com)" in page.text
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
    assert xsrf is not None
    out = grace.client.post(f"{stack.service_url}logout", data={"_xsrf": xsrf.group(1)})
    assert out.status_code == 302, out.text
    assert token_of(stack, server_tokens["grace"]).status_code == 401
    assert "you are not logged in" in grace.client.get(stack.service_url).text


def test_an_admin_ends_a_login_on_the_admin_page(
    stack: ServiceHub, browsers: dict[str, HubBrowser], server_tokens: dict[str, str]
) -> None:
    logged_in(browsers, "grace", GRACE)
    assert browsers["grace"].walk(f"{stack.service_url}admin", stop_at="x:").status_code == 403
    boss = HubBrowser(stack, ADMIN, ADMIN_PASSWORD)
    try:
        page = boss.walk(f"{stack.service_url}admin", stop_at="x:")
        assert page.status_code == 200, page.text
        assert "Grace Hopper (grace@example.com)" in page.text
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        assert xsrf is not None
        ended = boss.client.post(
            f"{stack.service_url}admin/logout", data={"_xsrf": xsrf.group(1), "user": "grace"}
        )
        assert ended.status_code == 302, ended.text
    finally:
        boss.close()
    assert token_of(stack, server_tokens["grace"]).status_code == 401


def test_a_restarted_service_keeps_the_logins(
    stack: ServiceHub, browsers: dict[str, HubBrowser], server_tokens: dict[str, str]
) -> None:
    logged_in(browsers, "ada", ADA)
    stack.restart_service()  # killed; JupyterHub starts its managed service again
    response = token_of(stack, server_tokens["ada"])
    assert response.status_code == 200, response.text
    assert looker_me(stack, response.json()["access_token"]) == ADA


def test_the_database_without_the_key_yields_nothing(
    stack: ServiceHub, browsers: dict[str, HubBrowser], server_tokens: dict[str, str]
) -> None:
    logged_in(browsers, "ada", ADA)
    access = token_of(stack, server_tokens["ada"]).json()["access_token"]
    data = stack.db_file.read_bytes()
    assert ADA.encode() in data  # the file the service writes
    assert access.encode() not in data
    assert [s for s in stack.looker.secrets_seen() if s.encode() in data] == []
    stolen = LoginStore(f"sqlite:///{stack.db_file}", [Fernet.generate_key()])
    try:
        assert stolen.get("ada") is None
    finally:
        stolen.close()


#: How many kernels of one user ask the service for a token at once in the storm tests.
KERNELS = 100


def kernels_client(stack: ServiceHub, server_token: str) -> httpx.Client:
    """The service's API as a server's ``KERNELS`` kernels reach it, one connection each."""
    return httpx.Client(
        base_url=stack.service_url,
        headers={"Authorization": f"token {server_token}"},
        timeout=60.0,
        limits=httpx.Limits(max_connections=KERNELS),
        trust_env=False,
    )


def ask_at_once(
    client: httpx.Client, params: dict[str, str] | None = None
) -> list[tuple[int, str]]:
    """``KERNELS`` threads ask ``api/token`` (with ``params``) at the same moment: each one's
    status and the access token it got (``""``: none)."""
    start = threading.Barrier(KERNELS)

    def kernel(_: int) -> tuple[int, str]:
        start.wait()
        response = client.get("api/token", params=params)
        return response.status_code, response.json().get("access_token", "")

    with ThreadPoolExecutor(KERNELS) as pool:
        return list(pool.map(kernel, range(KERNELS)))


def test_a_refresh_storm_of_100_kernels_costs_one_refresh(
    stack: ServiceHub, browsers: dict[str, HubBrowser], server_tokens: dict[str, str]
) -> None:
    logged_in(browsers, "ada", ADA)
    old = token_of(stack, server_tokens["ada"]).json()["access_token"]
    expire_in_the_database(stack.db_file, "ada")
    stack.looker.expire_access_tokens()
    stack.looker.reset_counters()
    with kernels_client(stack, server_tokens["ada"]) as client:
        answers = ask_at_once(client)
    assert {status for status, _ in answers} == {200}
    tokens = {token for _, token in answers}
    assert len(tokens) == 1 and old not in tokens
    assert stack.looker.token_requests["refresh_token"] == 1
    assert looker_me(stack, tokens.pop()) == ADA


def test_100_kernels_reporting_the_token_looker_refused_cost_one_refresh(
    stack: ServiceHub, browsers: dict[str, HubBrowser], server_tokens: dict[str, str]
) -> None:
    logged_in(browsers, "ada", ADA)
    old = token_of(stack, server_tokens["ada"]).json()["access_token"]
    refused = hashlib.sha256(old.encode()).hexdigest()
    stack.looker.expire_access_tokens()  # still valid by its clock: only Looker's 401 says so
    stack.looker.reset_counters()
    with kernels_client(stack, server_tokens["ada"]) as client:
        answers = ask_at_once(client, params={"refused": refused})
        assert {status for status, _ in answers} == {200}
        tokens = {token for _, token in answers}
        assert len(tokens) == 1 and old not in tokens
        assert stack.looker.token_requests["refresh_token"] == 1
        assert looker_me(stack, next(iter(tokens))) == ADA
        late = client.get("api/token", params={"refused": refused})  # already renewed
        assert late.json()["access_token"] in tokens
        assert stack.looker.token_requests["refresh_token"] == 1
        for bad in (old, "x" * 64, refused.upper()):  # a fingerprint only: never the token
            response = client.get("api/token", params={"refused": bad})
            assert response.status_code == 400, response.text
            assert json_of(response)["message"] == (
                "refused= takes the SHA-256 of a token, in hex."
            )
    assert old not in stack.log()


def expire_in_the_database(db_file: Path, user: str) -> None:
    """The stored access token was obtained two hours ago (so it expired an hour ago)."""
    with sqlite3.connect(db_file) as db:
        changed = db.execute(
            "UPDATE looker_nb_auth_logins SET obtained_at = obtained_at - 7200 WHERE hub_user = ?",
            (user,),
        ).rowcount
    assert changed == 1
