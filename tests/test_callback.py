import pytest

from looker_nb_auth import LookerAuthError
from looker_nb_auth.oauth.callback import parse_callback


def test_pasted_redirect_url_is_read() -> None:
    result = parse_callback("http://localhost:8888/looker-nb-auth/callback?code=abc&state=xyz")
    assert (result.code, result.state, result.error) == ("abc", "xyz", None)


def test_bare_query_and_mapping_are_read() -> None:
    assert parse_callback("?code=abc&state=xyz").code == "abc"
    assert parse_callback({"code": "abc", "state": "xyz"}).state == "xyz"


def test_error_is_read_before_code() -> None:
    result = parse_callback(
        "http://x/cb?error=access_denied&error_description=The+user+denied+access.&state=s"
    )
    assert result.error == "access_denied"
    assert result.error_description == "The user denied access."


@pytest.mark.parametrize(
    ("callback", "words"),
    [
        ("http://x/cb?code=abc", "no state"),
        ("http://x/cb?state=s", "neither a code nor an error"),
        ("http://x/cb?code=a&code=b&state=s", "repeats code"),
        ("http://x/cb?state=s&code=" + "a" * 5000, "oversized"),
    ],
)
def test_malformed_callbacks_get_one_clear_sentence(callback: str, words: str) -> None:
    with pytest.raises(LookerAuthError, match=words) as info:
        parse_callback(callback)
    assert "abc" not in str(info.value)


def test_callback_repr_hides_the_code() -> None:
    assert "sekrit" not in repr(parse_callback("?code=sekrit&state=s"))
