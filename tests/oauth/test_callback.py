import pytest

from looker_nb_auth import MalformedCallback, ServerRestarted, StateMismatch
from looker_nb_auth._secret import Secret
from looker_nb_auth.oauth.callback import MAX_QUERY_CHARS, parse_callback
from looker_nb_auth.oauth.state import new_state

STATE = new_state()


def test_pasted_redirect_url_is_read() -> None:
    result = parse_callback(f"http://localhost:8888/looker-nb-auth/callback?code=abc&state={STATE}")
    assert result.code is not None and result.code.reveal() == "abc"
    assert (result.state, result.error) == (STATE, None)


def test_bare_query_and_mapping_are_read() -> None:
    assert parse_callback(f"?code=abc&state={STATE}").code == Secret("abc")
    assert parse_callback({"code": "abc", "state": STATE}).state == STATE


def test_error_is_read_before_code() -> None:
    result = parse_callback(
        f"http://x/cb?error=access_denied&error_description=The+user+denied+access.&state={STATE}"
        "&code=ignored"
    )
    assert (result.error, result.code) == ("access_denied", None)
    assert result.error_description == "The user denied access."
    assert result.answer == {
        "error": "access_denied",
        "error_description": "The user denied access.",
    }


@pytest.mark.parametrize(
    ("callback", "error", "words"),
    [
        ("http://x/cb?code=abc", StateMismatch, "no state"),
        ("http://x/cb?code=abc&state=short", StateMismatch, "not one this package makes"),
        (f"http://x/cb?state={STATE}", MalformedCallback, "neither a code nor an error"),
        (f"http://x/cb?code=a&code=b&state={STATE}", MalformedCallback, "repeats code"),
        (f"http://x/cb?state={STATE}&code=" + "a" * 5000, MalformedCallback, "oversized"),
        ("?code=abc&x=" + "a" * MAX_QUERY_CHARS, MalformedCallback, "oversized"),
        (f"?code=%ff&state={STATE}", MalformedCallback, "not valid UTF-8"),
        (f"?code=abc&state={STATE}&server_stopped=1", ServerRestarted, "stopped"),
    ],
)
def test_malformed_callbacks_get_one_clear_sentence(
    callback: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words) as info:
        parse_callback(callback)
    assert "abc" not in str(info.value)


def test_a_callback_error_has_a_sentence_for_the_page_too() -> None:
    with pytest.raises(MalformedCallback) as info:
        parse_callback(f"?code=a&code=b&state={STATE}")
    assert info.value.page == (
        "This login link repeats a parameter; go back to the notebook and click Log in to "
        "Looker again."
    )


def test_a_bad_state_keeps_lookers_own_error_for_the_page() -> None:
    with pytest.raises(StateMismatch) as info:
        parse_callback("?error=access_denied&error_description=No.")
    assert info.value.looker_said == "Looker said: access_denied (No.)"


def test_callback_repr_hides_the_code() -> None:
    assert "sekrit" not in repr(parse_callback(f"?code=sekrit&state={STATE}"))
