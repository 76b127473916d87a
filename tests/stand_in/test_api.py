"""The API host: /versions, authentication, /api/4.0/user, API3 login and OAuth app admin."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from looker_sdk.rtl import serialize
from looker_sdk.sdk.api40 import models as models40

from looker_nb_auth.fake_looker import FakeLooker

from .helpers import (
    ADA,
    CLIENT_GUID,
    GRACE,
    HTTP,
    REDIRECT_URI,
    admin_token,
    bearer,
    get_user,
    log_in,
    new_client,
    redeem,
    refresh,
    tokens_for,
)

DOCS = "https://cloud.google.com/looker/docs/r/api/support"
REQUIRES_AUTH = {"message": "Requires authentication.", "documentation_url": DOCS}


def test_versions_needs_no_login_and_names_both_hosts(
    api: httpx.Client, looker: FakeLooker
) -> None:
    version = {
        "version": "4.0",
        "full_version": "4.0.26.0",
        "status": "current",
        "swagger_url": f"{looker.api_url}/api/4.0/swagger.json",
    }
    assert api.get("/versions").json() == {
        "looker_release_version": "26.0.0",
        "current_version": version,
        "supported_versions": [version],
        "api_server_url": looker.api_url,
        "web_server_url": looker.web_url,
    }


def test_versions_honours_the_fields_parameter(api: httpx.Client, looker: FakeLooker) -> None:
    response = api.get("/versions", params={"fields": "web_server_url,current_version(version)"})
    assert response.json() == {
        "web_server_url": looker.web_url,
        "current_version": {"version": "4.0"},
    }


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer nope", "Basic YTpi", "nope", "token"]
)
def test_api_without_a_live_bearer_token_is_401(
    api: httpx.Client, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = api.get("/api/4.0/user", headers=headers)
    assert response.status_code == 401
    assert response.json() == REQUIRES_AUTH


def test_user_is_the_tokens_owner_in_lookers_shape(looker: FakeLooker) -> None:
    body = get_user(looker, tokens_for(looker, GRACE)["access_token"]).json()
    assert body["id"] == "2" and body["email"] == GRACE
    assert (body["first_name"], body["last_name"], body["display_name"]) == (
        "Grace",
        "Hopper",
        "Grace Hopper",
    )
    assert body["is_disabled"] is False and body["locale"] == "en"
    assert body["url"] == f"{looker.api_url}/api/4.0/users/2"
    for key in ("role_ids", "group_ids", "personal_folder_id", "home_folder_id", "can"):
        assert key in body


def test_user_shows_the_groups_of_the_config(looker: FakeLooker) -> None:
    assert get_user(looker, tokens_for(looker, ADA)["access_token"]).json()["group_ids"] == [
        "1",
        "2",
    ]
    looker.config.users[1].group_ids = ["1", "7"]
    assert get_user(looker, tokens_for(looker, GRACE)["access_token"]).json()["group_ids"] == [
        "1",
        "7",
    ]


def test_fields_parameter_trims_the_user_to_the_named_fields(looker: FakeLooker) -> None:
    token = tokens_for(looker, GRACE)["access_token"]
    url = f"{looker.api_url}/api/4.0/user"
    response = HTTP.get(url, params={"fields": "id,email,display_name"}, headers=bearer(token))
    assert response.json() == {"id": "2", "email": GRACE, "display_name": "Grace Hopper"}
    nested = HTTP.get(url, params={"fields": "id, can(show)"}, headers=bearer(token))
    assert nested.json() == {"id": "2", "can": {"show": True}}
    assert HTTP.get(url, params={"fields": ""}, headers=bearer(token)).json()["email"] == GRACE


@pytest.mark.parametrize(
    "fields", ["id,no_such_field", "id,,email", "id,", "id(", "id)", "can(show", "id email", "a;b"]
)
def test_fields_parameter_with_unknown_or_malformed_names_is_400(
    looker: FakeLooker, fields: str
) -> None:
    token = tokens_for(looker, GRACE)["access_token"]
    url = f"{looker.api_url}/api/4.0/user"
    response = HTTP.get(url, params={"fields": fields}, headers=bearer(token))
    assert response.status_code == 400
    assert response.json()["message"] and response.json()["documentation_url"] == DOCS


def test_user_deserializes_into_the_looker_sdk_model(looker: FakeLooker) -> None:
    response = get_user(looker, tokens_for(looker)["access_token"])
    user = serialize.deserialize40(data=response.text, structure=models40.User)
    assert isinstance(user, models40.User)
    assert (user.id, user.email, user.display_name) == ("1", ADA, "Ada Lovelace")


def test_users_by_id_shows_yourself_and_hides_others_from_non_admins(looker: FakeLooker) -> None:
    grace = tokens_for(looker, GRACE)["access_token"]
    with new_client(base_url=looker.api_url, headers=bearer(grace)) as api:
        assert api.get("/api/4.0/users/2").json()["email"] == GRACE
        assert api.get("/api/4.0/users/1").status_code == 403
        assert api.get("/api/4.0/users/99").status_code == 404


def test_unknown_api_path_is_a_lookerish_404(api: httpx.Client) -> None:
    for response in (api.get("/api/4.0/nope"), api.get("/api/3.1/user"), api.post("/api/x")):
        assert response.status_code == 404
        assert response.json() == {"message": "Not found", "documentation_url": DOCS}


# -- API3 login -----------------------------------------------------------------------------------


def test_api3_login_gives_an_admin_token_without_a_refresh_token(
    api: httpx.Client, looker: FakeLooker
) -> None:
    response = api.post(
        "/api/4.0/login",
        data={"client_id": "demo-admin-client-id", "client_secret": "demo-admin-client-secret"},
    )
    body = response.json()
    assert response.status_code == 200 and body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600 and body.get("refresh_token") is None
    assert get_user(looker, body["access_token"]).json()["email"] == ADA


@pytest.mark.parametrize(
    "data",
    [
        {"client_id": "demo-admin-client-id", "client_secret": "wrong"},
        {"client_id": "wrong", "client_secret": "demo-admin-client-secret"},
        {"client_id": "demo-admin-client-id"},
        {},
    ],
)
def test_api3_login_with_bad_credentials_is_404(api: httpx.Client, data: dict[str, str]) -> None:
    response = api.post("/api/4.0/login", data=data)
    assert response.status_code == 404
    assert response.json() == {"message": "Not found", "documentation_url": DOCS}


# -- OAuth client apps ----------------------------------------------------------------------------


@pytest.fixture
def admin_api(looker: FakeLooker) -> Iterator[httpx.Client]:
    """An API client logged in as the admin with API3 credentials."""
    headers = bearer(admin_token(looker))
    with new_client(base_url=f"{looker.api_url}/api/4.0/", headers=headers) as client:
        yield client


def test_admin_registers_reads_updates_and_deletes_an_app(
    admin_api: httpx.Client, looker: FakeLooker
) -> None:
    body = {
        "redirect_uri": "https://hub.example/hub/user-redirect/looker-nb-auth/callback",
        "display_name": "Notebooks",
        "description": "Jupyter notebooks",
        "enabled": True,
    }
    created = admin_api.post("oauth_client_apps/hub-app", json=body)
    assert created.status_code == 200
    app = serialize.deserialize40(data=created.text, structure=models40.OauthClientApp)
    assert isinstance(app, models40.OauthClientApp)
    assert (app.client_guid, app.redirect_uri, app.display_name) == (
        "hub-app",
        body["redirect_uri"],
        "Notebooks",
    )
    assert admin_api.get("oauth_client_apps/hub-app").json()["description"] == "Jupyter notebooks"
    guids = [a["client_guid"] for a in admin_api.get("oauth_client_apps").json()]
    assert guids == [CLIENT_GUID, "hub-app"]

    updated = admin_api.patch("oauth_client_apps/hub-app", json={"description": "Updated"})
    assert updated.json()["description"] == "Updated"
    assert updated.json()["display_name"] == "Notebooks"

    deleted = admin_api.delete("oauth_client_apps/hub-app")
    assert deleted.status_code == 204
    assert admin_api.get("oauth_client_apps/hub-app").status_code == 404


def test_deleting_an_unknown_app_succeeds_as_on_looker(admin_api: httpx.Client) -> None:
    response = admin_api.delete("oauth_client_apps/never-registered")
    assert response.status_code == 204 and response.content == b""
    assert admin_api.get("oauth_client_apps/never-registered").status_code == 404


HUB = "https://hub.example/hub/user-redirect/looker-nb-auth/callback"
LOOPBACK = "http://127.0.0.1:8765/callback"


def _app_model(response: httpx.Response) -> models40.OauthClientApp:
    assert response.status_code == 200, response.text
    app = serialize.deserialize40(data=response.text, structure=models40.OauthClientApp)
    assert isinstance(app, models40.OauthClientApp)
    return app


def test_app_written_with_redirect_uri_alone_lists_it_in_redirect_uris(
    admin_api: httpx.Client,
) -> None:
    created = admin_api.post(
        "oauth_client_apps/one", json={"redirect_uri": HUB, "display_name": "1"}
    )
    app = _app_model(created)
    assert (app.redirect_uri, app.redirect_uris) == (HUB, [HUB])
    listed = next(a for a in admin_api.get("oauth_client_apps").json() if a["client_guid"] == "one")
    assert (listed["redirect_uri"], listed["redirect_uris"]) == (HUB, [HUB])


def test_app_written_with_redirect_uris_has_their_first_as_redirect_uri(
    admin_api: httpx.Client,
) -> None:
    body = {"redirect_uris": [HUB, LOOPBACK], "display_name": "Two"}
    app = _app_model(admin_api.post("oauth_client_apps/two", json=body))
    assert (app.redirect_uri, app.redirect_uris) == (HUB, [HUB, LOOPBACK])
    app = _app_model(admin_api.get("oauth_client_apps/two"))
    assert (app.redirect_uri, app.redirect_uris) == (HUB, [HUB, LOOPBACK])

    swapped = admin_api.patch("oauth_client_apps/two", json={"redirect_uris": [LOOPBACK, HUB]})
    assert (swapped.json()["redirect_uri"], swapped.json()["redirect_uris"]) == (
        LOOPBACK,
        [LOOPBACK, HUB],
    )
    both = {"redirect_uri": HUB, "redirect_uris": [HUB, LOOPBACK]}  # as looker-sdk 26.18+ sends
    assert admin_api.patch("oauth_client_apps/two", json=both).json()["redirect_uris"] == [
        HUB,
        LOOPBACK,
    ]
    single = admin_api.patch("oauth_client_apps/two", json={"redirect_uri": LOOPBACK})
    assert (single.json()["redirect_uri"], single.json()["redirect_uris"]) == (LOOPBACK, [LOOPBACK])
    untouched = admin_api.patch("oauth_client_apps/two", json={"description": "Still one URI"})
    assert untouched.json()["redirect_uris"] == [LOOPBACK]


def test_fields_parameter_trims_apps_and_the_apps_list(admin_api: httpx.Client) -> None:
    fields = {"fields": "client_guid,redirect_uris"}
    one = admin_api.get(f"oauth_client_apps/{CLIENT_GUID}", params=fields)
    assert one.json() == {"client_guid": CLIENT_GUID, "redirect_uris": [REDIRECT_URI]}
    listed = admin_api.get("oauth_client_apps", params=fields).json()
    assert listed == [{"client_guid": CLIENT_GUID, "redirect_uris": [REDIRECT_URI]}]
    body = {"redirect_uri": HUB, "display_name": "F"}
    created = admin_api.post("oauth_client_apps/f", json=body, params={"fields": "enabled"})
    assert created.json() == {"enabled": True}


def test_looker_sdk_register_body_with_several_redirect_uris_round_trips(
    admin_api: httpx.Client,
) -> None:
    body = models40.WriteOauthClientApp(
        redirect_uri=HUB, redirect_uris=[HUB, LOOPBACK], display_name="SDK", enabled=True
    )
    response = admin_api.post(
        "oauth_client_apps/sdk-app",
        content=serialize.serialize40(api_model=body),
        headers={"Content-Type": "application/json"},
    )
    assert _app_model(response).redirect_uris == [HUB, LOOPBACK]


def test_registered_app_can_log_in_straight_away(
    admin_api: httpx.Client, looker: FakeLooker
) -> None:
    admin_api.post(
        "oauth_client_apps/new-app", json={"redirect_uri": REDIRECT_URI, "display_name": "New"}
    )
    login = log_in(looker, client_guid="new-app")
    assert redeem(looker, login, client_id="new-app").status_code == 200


def test_registering_an_existing_app_is_409(admin_api: httpx.Client) -> None:
    body = {"redirect_uri": REDIRECT_URI, "display_name": "Again"}
    response = admin_api.post(f"oauth_client_apps/{CLIENT_GUID}", json=body)
    assert response.status_code == 409 and "already exists" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "No redirect"}, "redirect_uri"),
        ({"redirect_uri": REDIRECT_URI}, "display_name"),
        ({"redirect_uri": "", "display_name": "x"}, "redirect_uri"),
        ({"redirect_uri": "not a url", "display_name": "x"}, "redirect_uri"),
        ({"redirect_uri": "ftp://x/cb", "display_name": "x"}, "redirect_uri"),
        ({"redirect_uri": REDIRECT_URI + "#frag", "display_name": "x"}, "redirect_uri"),
        ({"redirect_uri": REDIRECT_URI, "display_name": "x", "enabled": "yes"}, "enabled"),
        ({"redirect_uri": 5, "display_name": "x"}, "redirect_uri"),
        ({"redirect_uris": ["a", "b"], "display_name": "x"}, "redirect_uris"),
        ({"redirect_uris": [], "display_name": "x"}, "redirect_uris"),
        ({"redirect_uris": REDIRECT_URI, "display_name": "x"}, "redirect_uris"),
        ({"redirect_uris": [REDIRECT_URI, 5], "display_name": "x"}, "redirect_uris"),
        ({"redirect_uris": [REDIRECT_URI, REDIRECT_URI], "display_name": "x"}, "redirect_uris"),
        ({"redirect_uris": [REDIRECT_URI, "https://x/#f"], "display_name": "x"}, "redirect_uris"),
        (
            {"redirect_uri": "https://x/a", "redirect_uris": [REDIRECT_URI], "display_name": "x"},
            "redirect_uri",
        ),
    ],
)
def test_registering_with_missing_or_bad_fields_is_422(
    admin_api: httpx.Client, body: dict[str, object], field: str
) -> None:
    response = admin_api.post("oauth_client_apps/bad-app", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["field"] == field
    assert admin_api.get("oauth_client_apps/bad-app").status_code == 404


def test_registering_with_a_body_that_is_not_json_is_400(admin_api: httpx.Client) -> None:
    response = admin_api.post("oauth_client_apps/x", content=b"{nope")
    assert response.status_code == 400 and "JSON" in response.json()["message"]


def test_non_admin_cannot_manage_apps(looker: FakeLooker) -> None:
    grace = tokens_for(looker, GRACE)["access_token"]
    with new_client(base_url=f"{looker.api_url}/api/4.0/", headers=bearer(grace)) as api:
        body = {"redirect_uri": REDIRECT_URI, "display_name": "Mine"}
        for response in (
            api.get("oauth_client_apps"),
            api.get(f"oauth_client_apps/{CLIENT_GUID}"),
            api.post("oauth_client_apps/mine", json=body),
            api.patch(f"oauth_client_apps/{CLIENT_GUID}", json={"enabled": False}),
            api.delete(f"oauth_client_apps/{CLIENT_GUID}"),
            api.delete(f"oauth_client_apps/{CLIENT_GUID}/users/1"),
        ):
            assert response.status_code == 403, response.request.url
            assert response.json()["message"]


def test_deleting_an_app_invalidates_its_tokens(
    admin_api: httpx.Client, looker: FakeLooker
) -> None:
    tokens = tokens_for(looker)
    admin_api.delete(f"oauth_client_apps/{CLIENT_GUID}")
    assert get_user(looker, tokens["access_token"]).status_code == 401
    assert refresh(looker, tokens["refresh_token"]).json()["error"] == "invalid_client"


def test_disabling_an_app_invalidates_its_tokens_and_refuses_logins(
    admin_api: httpx.Client, looker: FakeLooker
) -> None:
    tokens = tokens_for(looker)
    patched = admin_api.patch(f"oauth_client_apps/{CLIENT_GUID}", json={"enabled": False})
    assert patched.json()["enabled"] is False and patched.json()["tokens_invalid_before"]
    assert get_user(looker, tokens["access_token"]).status_code == 401
    admin_api.patch(f"oauth_client_apps/{CLIENT_GUID}", json={"enabled": True})
    assert refresh(looker, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_invalidate_tokens_kills_every_token_of_the_app(
    admin_api: httpx.Client, looker: FakeLooker
) -> None:
    ada, grace = tokens_for(looker, ADA), tokens_for(looker, GRACE)
    assert admin_api.delete(f"oauth_client_apps/{CLIENT_GUID}/tokens").status_code == 204
    for tokens in (ada, grace):
        assert get_user(looker, tokens["access_token"]).status_code == 401


def test_deactivating_a_user_revokes_their_tokens_and_asks_for_consent_again(
    admin_api: httpx.Client, looker: FakeLooker
) -> None:
    grace = tokens_for(looker, GRACE)
    app = admin_api.get(f"oauth_client_apps/{CLIENT_GUID}").json()
    assert [u["id"] for u in app["activated_users"]] == ["2"]
    assert admin_api.delete(f"oauth_client_apps/{CLIENT_GUID}/users/2").status_code == 204
    assert get_user(looker, grace["access_token"]).status_code == 401
    assert refresh(looker, grace["refresh_token"]).status_code == 400
    looker.reset_counters()
    log_in(looker, GRACE)
    assert ("POST", "/auth/consent") in looker.requests


def test_users_may_deactivate_themselves(looker: FakeLooker) -> None:
    grace = tokens_for(looker, GRACE)
    url = f"{looker.api_url}/api/4.0/oauth_client_apps/{CLIENT_GUID}/users/2"
    assert HTTP.delete(url, headers=bearer(grace["access_token"])).status_code == 204
    assert get_user(looker, grace["access_token"]).status_code == 401
