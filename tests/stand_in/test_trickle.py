"""A results body at the pace of a slow network or proxy: ``body_trickle`` sends it in small
pieces with pauses between them, ``body_endless`` never ends it (blank lines after the rows)."""

from __future__ import annotations

import json

import httpx

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig
from looker_nb_auth.fake_looker._trickle import LINK_BYTES, TRICKLE_BYTES, paced


def test_a_trickling_body_arrives_whole_in_small_pieces(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    whole = grace.get("looks/1/run/csv").content
    looker.config.body_trickle = 0.001
    with grace.stream("GET", "looks/1/run/csv") as response:
        pieces = list(response.iter_raw())
    assert b"".join(pieces) == whole
    assert len(pieces) >= len(whole) // TRICKLE_BYTES
    assert max(len(piece) for piece in pieces) <= TRICKLE_BYTES


def test_an_endless_body_keeps_sending_blank_lines_after_the_rows(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    whole = grace.get("looks/1/run/json").content
    looker.config.body_endless = True
    looker.config.body_trickle = 0.001
    received = b""
    with grace.stream("GET", "looks/1/run/json") as response:
        for piece in response.iter_raw():
            received += piece
            if len(received) >= len(whole) + 20:
                break  # the body has not ended, and would not
    assert received.startswith(whole)
    assert received[len(whole) :].strip() == b""  # whitespace: the JSON is still valid
    assert json.loads(received) == json.loads(whole)


def test_turning_endless_off_ends_the_body(grace: httpx.Client, looker: FakeLooker) -> None:
    whole = grace.get("looks/1/run/csv").content
    looker.config.body_endless = True
    looker.config.body_trickle = 0.001
    received = b""
    with grace.stream("GET", "looks/1/run/csv") as response:
        for piece in response.iter_raw():
            received += piece
            if len(received) > len(whole):
                looker.config.body_endless = False
    assert received.rstrip(b"\n") == whole.rstrip(b"\n")


def test_a_body_at_a_link_rate_arrives_whole(grace: httpx.Client, looker: FakeLooker) -> None:
    whole = grace.get("looks/1/run/csv").content
    looker.config.link_rate = 1e6
    with grace.stream("GET", "looks/1/run/csv") as response:
        assert response.read() == whole


def test_a_link_rate_schedules_each_piece_when_the_rate_allows() -> None:
    config = FakeLookerConfig(link_rate=LINK_BYTES * 10)  # ten pieces a second
    body: list[str | bytes] = [b"x" * (LINK_BYTES * 2 + 5), "y" * LINK_BYTES]
    paces = list(paced(body, config, clock=lambda: 0.0))  # no time passes while sending
    assert [len(piece) for piece, _ in paces] == [LINK_BYTES, LINK_BYTES, 5, LINK_BYTES]
    sent = [LINK_BYTES, 2 * LINK_BYTES, 2 * LINK_BYTES + 5, 3 * LINK_BYTES + 5]
    assert [pause for _, pause in paces] == [n / (LINK_BYTES * 10) for n in sent]


def test_a_link_rate_waits_only_for_what_the_clock_has_not_covered() -> None:
    config = FakeLookerConfig(link_rate=LINK_BYTES)  # one piece a second
    times = iter([0.0, 0.25, 1.5])  # started, then as each piece goes out
    paces = list(paced([b"x" * (LINK_BYTES * 2)], config, clock=lambda: next(times)))
    assert [pause for _, pause in paces] == [0.75, 0.5]
