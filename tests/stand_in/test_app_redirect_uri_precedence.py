"""``redirect_uri_precedence``: how an app write combines the deprecated ``redirect_uri`` with
``redirect_uris`` (Looker does not say), each plausible way as a knob."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from looker_nb_auth.fake_looker import (
    FakeLooker,
    FakeLookerConfig,
    RobotError,
    authorize_in_browser,
)
from looker_nb_auth.fake_looker._config import RedirectUriPrecedence

from .helpers import CLIENT_GUID, REDIRECT_URI, admin_token, authorize_url, bearer, new_client

HUB = "https://hub.example/hub/user-redirect/looker-nb-auth/callback"
LOOPBACK = "http://127.0.0.1:8765/callback"


@pytest.fixture
def admin_api(looker: FakeLooker) -> Iterator[httpx.Client]:
    """An API client logged in as the admin with API3 credentials."""
    headers = bearer(admin_token(looker))
    with new_client(base_url=f"{looker.api_url}/api/4.0/", headers=headers) as client:
        yield client


def _kept(admin_api: httpx.Client, guid: str) -> tuple[object, object]:
    """What a GET of the app answers: ``redirect_uri`` and ``redirect_uris`` (None: absent)."""
    response = admin_api.get(f"oauth_client_apps/{guid}")
    assert response.status_code == 200, response.text
    body = response.json()
    return body["redirect_uri"], body.get("redirect_uris")


@pytest.mark.parametrize(
    ("precedence", "kept"),
    [
        ("list", (REDIRECT_URI, [REDIRECT_URI, HUB])),
        ("deprecated", (REDIRECT_URI, [REDIRECT_URI])),
        ("ignore_list", (REDIRECT_URI, None)),
        ("one_uri", (REDIRECT_URI, [REDIRECT_URI])),
    ],
)
def test_an_update_with_both_fields_keeps_what_the_precedence_says(
    looker: FakeLooker,
    admin_api: httpx.Client,
    precedence: RedirectUriPrecedence,
    kept: tuple[object, object],
) -> None:
    looker.config.redirect_uri_precedence = precedence
    both = {"redirect_uri": REDIRECT_URI, "redirect_uris": [REDIRECT_URI, HUB]}

    response = admin_api.patch(f"oauth_client_apps/{CLIENT_GUID}", json=both)

    assert response.status_code == 200, response.text
    assert (response.json()["redirect_uri"], response.json().get("redirect_uris")) == kept
    assert _kept(admin_api, CLIENT_GUID) == kept


@pytest.mark.parametrize(
    ("precedence", "kept"),
    [
        ("list", (HUB, [HUB, LOOPBACK])),
        ("deprecated", (HUB, [HUB, LOOPBACK])),  # nothing to win against
        ("ignore_list", (REDIRECT_URI, None)),  # unchanged
        ("one_uri", (HUB, [HUB])),
    ],
)
def test_an_update_with_the_list_alone_keeps_what_the_precedence_says(
    looker: FakeLooker,
    admin_api: httpx.Client,
    precedence: RedirectUriPrecedence,
    kept: tuple[object, object],
) -> None:
    looker.config.redirect_uri_precedence = precedence
    body = {"redirect_uris": [HUB, LOOPBACK]}

    assert admin_api.patch(f"oauth_client_apps/{CLIENT_GUID}", json=body).status_code == 200

    assert _kept(admin_api, CLIENT_GUID) == kept


def test_deprecated_precedence_takes_a_redirect_uri_that_is_not_the_lists_first(
    looker: FakeLooker, admin_api: httpx.Client
) -> None:
    """With ``list`` that body is a 422; a Looker where the old field wins takes it as it is."""
    looker.config.redirect_uri_precedence = "deprecated"
    body = {"redirect_uri": LOOPBACK, "redirect_uris": [HUB, LOOPBACK], "display_name": "D"}

    assert admin_api.post("oauth_client_apps/d", json=body).status_code == 200

    assert _kept(admin_api, "d") == (LOOPBACK, [LOOPBACK])


def test_ignore_list_needs_the_single_field_to_register(
    looker: FakeLooker, admin_api: httpx.Client
) -> None:
    looker.config.redirect_uri_precedence = "ignore_list"
    body = {"redirect_uris": [HUB], "display_name": "Old Looker"}

    response = admin_api.post("oauth_client_apps/old", json=body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "redirect_uri"


def test_a_uri_the_app_did_not_keep_gets_the_error_page(
    looker: FakeLooker, admin_api: httpx.Client
) -> None:
    """What was kept is what ``/auth`` accepts: the dropped URI no longer logs in."""
    looker.config.redirect_uri_precedence = "deprecated"
    both = {"redirect_uri": REDIRECT_URI, "redirect_uris": [REDIRECT_URI, HUB]}
    admin_api.patch(f"oauth_client_apps/{CLIENT_GUID}", json=both)

    with pytest.raises(RobotError):
        authorize_in_browser(authorize_url(looker, "v" * 43, redirect_uri=HUB))


def test_an_unknown_precedence_is_refused() -> None:
    with pytest.raises(ValueError, match="redirect_uri_precedence"):
        FakeLookerConfig(redirect_uri_precedence="both")  # type: ignore[arg-type]
