from urllib.parse import parse_qs, urlsplit

from looker_nb_auth import AuthorizationRequest
from looker_nb_auth.oauth.authorize import authorize_url
from looker_nb_auth.oauth.pkce import code_challenge


def test_authorize_url_is_on_the_ui_host_with_exact_parameters() -> None:
    url = authorize_url(
        "https://example.looker.com:9999/",
        client_guid="my-app",
        redirect_uri="https://hub.example/hub/user-redirect/looker-nb-auth/callback",
        state="S",
        challenge="C",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "example.looker.com:9999", "/auth")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["my-app"],
        "redirect_uri": ["https://hub.example/hub/user-redirect/looker-nb-auth/callback"],
        "scope": ["cors_api"],
        "state": ["S"],
        "code_challenge_method": ["S256"],
        "code_challenge": ["C"],
    }


def test_request_commits_to_its_verifier_and_state() -> None:
    request = AuthorizationRequest.new(
        "https://looker.example", client_guid="g", redirect_uri="http://localhost:8888/cb"
    )
    query = parse_qs(urlsplit(request.url).query)
    assert query["state"] == [request.state]
    assert query["code_challenge"] == [code_challenge(request.code_verifier)]
    assert request.code_verifier.reveal() not in request.url


def test_request_repr_shows_no_secret() -> None:
    request = AuthorizationRequest.new(
        "https://looker.example", client_guid="g", redirect_uri="http://localhost:8888/cb"
    )
    assert request.code_verifier.reveal() not in repr(request)
    assert request.state not in repr(request)
