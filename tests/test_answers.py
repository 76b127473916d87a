"""The one map from a Looker HTTP answer to the package's error."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from looker_nb_auth import (
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    LookerUnreachable,
    QueryError,
    QueryNotFound,
    RateLimited,
    Settings,
    UnexpectedResponse,
)
from looker_nb_auth._answers import (
    MAX_RETRY_AFTER,
    Kind,
    LookerAnswer,
    api_error,
    unavailable,
    unreachable,
)

SETTINGS = Settings("https://looker.example:19999", "guid", "https://jupyter.example/cb")


def answer(status: int, body: object = None, **headers: str) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, Kind.OK), (204, Kind.OK), (401, Kind.LOGIN), (403, Kind.FORBIDDEN),
        (404, Kind.MISSING), (400, Kind.REFUSED), (422, Kind.REFUSED),
        (429, Kind.RATE_LIMITED), (500, Kind.SERVER_ERROR), (503, Kind.SERVER_ERROR),
        (302, Kind.UNEXPECTED), (405, Kind.UNEXPECTED), (418, Kind.UNEXPECTED),
    ],
)  # fmt: skip
def test_a_status_means_one_thing(status: int, kind: Kind) -> None:
    assert Kind.of(status) is kind


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, LoginRequired), (403, QueryError), (404, QueryNotFound), (400, QueryError),
        (422, QueryError), (429, RateLimited), (500, LookerServerError),
        (502, LookerServerError), (418, UnexpectedResponse), (302, UnexpectedResponse),
    ],
)  # fmt: skip
def test_each_api_answer_maps_to_the_error_a_user_can_act_on(
    status: int, expected: type[LookerAuthError]
) -> None:
    error = api_error(answer(status, {"message": "Looker's words."}), "the query")
    assert type(error) is expected
    assert error.status_code == status
    assert str(error).endswith(".") and "\n" not in str(error)


def test_lookers_words_and_its_first_field_error_are_quoted() -> None:
    body = {
        "message": "Validation Failed.",
        "errors": [
            {"field": "fields", "message": "orders.nope is not a field."},
            {"field": "limit", "message": "not a number"},
        ],
    }
    error = api_error(answer(422, body), "the query")
    assert str(error) == (
        "Looker refused the query (Looker said: Validation Failed; fields: orders.nope is not a "
        "field); fix it and run it again."
    )
    assert isinstance(error, QueryError)
    assert error.looker_message == "Validation Failed; fields: orders.nope is not a field"
    assert error.description == "Validation Failed."


def test_a_field_error_that_repeats_the_message_is_said_once() -> None:
    body = {"message": "Unknown field.", "errors": [{"field": "f", "message": "Unknown field."}]}
    assert LookerAnswer.of(answer(400, body)).said == "Unknown field"


def test_a_404_names_what_is_missing_and_drops_lookers_bare_not_found() -> None:
    error = api_error(answer(404, {"message": "Not found"}), "the Look", missing="Look '999'")
    assert str(error) == (
        "Looker has no Look '999', or you may not see it (HTTP 404); check the name and your "
        "access."
    )
    assert isinstance(error, QueryNotFound) and error.looker_message is None


def test_without_lookers_words_the_sentence_quotes_nothing() -> None:
    error = api_error(answer(500, "not json"), "GET /api/4.0/user")
    assert str(error) == "Looker answered 500 to GET /api/4.0/user; try again in a minute."


def test_an_oauth_error_code_alone_is_quoted() -> None:
    assert LookerAnswer.of(answer(400, {"error": "invalid_grant"})).said == "invalid_grant"


@pytest.mark.parametrize(
    ("retry_after", "seconds", "words"),
    [("1", 1.0, "wait 1 s"), ("600", 600.0, "wait 10 min"), ("10800", 10800.0, "wait 3 h")],
)
def test_a_429_says_how_long_looker_asked_to_wait(
    retry_after: str, seconds: float, words: str
) -> None:
    body = {"message": "Too Many Requests"}
    error = api_error(answer(429, body, **{"Retry-After": retry_after}), "GET /api/4.0/user")
    assert isinstance(error, RateLimited) and error.retry_after == seconds
    assert str(error) == (
        "Looker's rate limit or API quota is used up (HTTP 429 to GET /api/4.0/user) (Looker "
        f"said: Too Many Requests); {words} and try again."
    )


def test_a_retry_after_date_is_read_as_seconds_from_now() -> None:
    date = email.utils.formatdate(time.time() + 120, usegmt=True)
    seconds = LookerAnswer.of(answer(429, None, **{"Retry-After": date})).retry_after
    assert seconds is not None and 100 < seconds <= 120


def test_without_retry_after_a_429_says_a_minute() -> None:
    assert "wait a minute" in str(api_error(answer(429), "the query"))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 418])
def test_only_429_and_5xx_mean_looker_could_not_serve_any_request(status: int) -> None:
    assert unavailable(answer(status), "the token request") is None


@pytest.mark.parametrize(
    ("exc", "kind"),
    [(httpx.ConnectError("refused"), "failed"), (httpx.ReadTimeout("slow"), "timed out")],
)
def test_no_answer_at_all_is_unreachable_naming_the_host(
    exc: httpx.TransportError, kind: str
) -> None:
    error = unreachable(SETTINGS, exc)
    assert isinstance(error, LookerUnreachable)
    assert str(error) == (
        f"The connection to Looker at https://looker.example:19999 {kind} "
        f"({type(exc).__name__}); check base_url and your network, then try again."
    )


@pytest.mark.parametrize(
    "hostile",
    ["²", "١٢", "-5", "1e9", "3.5", "nan", "inf", "Mon, 99 Foo 2026 99:99:99 GMT", "\x00", "٣"],
)
def test_a_retry_after_that_is_neither_seconds_nor_a_date_is_ignored(hostile: str) -> None:
    """RFC 9110: delta-seconds are ASCII digits; anything else says nothing about when."""
    raw = [(b"Retry-After", hostile.encode())]  # as a server sends it: bytes, UTF-8 here
    error = api_error(httpx.Response(429, headers=raw), "the query")
    assert isinstance(error, RateLimited) and error.retry_after is None
    assert "wait a minute" in str(error)


def test_a_retry_after_of_400_digits_is_capped_not_infinite() -> None:
    error = api_error(answer(429, None, **{"Retry-After": "9" * 400}), "the query")
    assert isinstance(error, RateLimited)
    assert error.retry_after == MAX_RETRY_AFTER
    assert f"wait {round(MAX_RETRY_AFTER / 3600)} h" in str(error)
