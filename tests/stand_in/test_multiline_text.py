"""``multiline_text``: ``events.category`` as text of three lines with a comma and a double
quote, written as RFC 4180 says (quoted, inner quotes doubled) in CSV and as ``\\n`` in json."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker

QUERY = {"model": "demo", "view": "events", "fields": ["events.id", "events.category"]}
TEXT = 'signup\nsecond line, with a comma\nand a "quote"'


@pytest.fixture
def grace(looker: FakeLooker, grace: httpx.Client) -> httpx.Client:
    """conftest's Grace, on a stand-in with 10 events."""
    looker.config.big_rows = 10
    return grace


def test_csv_quotes_a_value_with_line_breaks_and_json_keeps_them(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    plain = grace.post("queries/run/csv", json={**QUERY, "limit": "1"}).text
    assert "\n".join(plain.splitlines()[1:]) == "evt-0000001,signup"
    looker.config.multiline_text = True
    text = grace.post("queries/run/csv", json={**QUERY, "limit": "1"}).text
    assert text.split("\r\n", 1)[1] == 'evt-0000001,"' + TEXT.replace('"', '""') + '"\r\n'
    assert list(csv.reader(io.StringIO(text, newline="")))[1] == ["evt-0000001", TEXT]
    rows = grace.post("queries/run/json", json={**QUERY, "limit": "1"}).json()
    assert rows == [{"events.id": "evt-0000001", "events.category": TEXT}]
