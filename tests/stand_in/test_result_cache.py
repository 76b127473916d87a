"""The result cache of the big explore demo::events: repeats, keys, size, the knob, streaming."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import looker_nb_auth.fake_looker as fake_looker
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
from looker_nb_auth.fake_looker._events import EVENT_DIMENSIONS, EVENT_MEASURES

from .helpers import GRACE, HTTP, bearer, tokens_for

ALL_FIELDS = [*EVENT_DIMENSIONS, *EVENT_MEASURES]


@pytest.fixture
def grace(looker: FakeLooker, grace: httpx.Client) -> httpx.Client:
    """conftest's Grace, on a stand-in with 3,000 events."""
    looker.config.big_rows = 3000
    return grace


def _events(**overrides: object) -> dict[str, object]:
    fields = ["events.id", "events.amount", "events.event_time"]
    return {"model": "demo", "view": "events", "fields": fields, "limit": "-1", **overrides}


def _run(client: httpx.Client, result_format: str, body: object, **params: int) -> bytes:
    response = client.post(f"queries/run/{result_format}", json=body, params=params)
    assert response.status_code == 200, response.text
    return response.content


def _stats(looker: FakeLooker) -> tuple[int, int, int]:
    stats = looker.result_cache
    return stats.rendered, stats.served, stats.entries


@pytest.mark.parametrize("result_format", ["csv", "json", "json_bi"])
def test_a_repeat_run_is_served_from_the_cache_byte_for_byte(
    grace: httpx.Client, looker: FakeLooker, result_format: str
) -> None:
    first = _run(grace, result_format, _events())
    assert _stats(looker) == (1, 0, 1)
    second = _run(grace, result_format, _events())
    assert second == first and len(first) > 100_000
    assert _stats(looker) == (1, 1, 1)


def test_a_cached_json_detail_says_from_cache_and_keeps_the_first_ran_at(
    grace: httpx.Client, looker: FakeLooker, clock: ManualClock
) -> None:
    first = json.loads(_run(grace, "json_detail", _events()))
    clock.advance(60.0)
    second = json.loads(_run(grace, "json_detail", _events()))
    assert first["from_cache"] is False and second["from_cache"] is True
    assert second["ran_at"] == first["ran_at"]  # the run whose rows these are
    assert second == {**first, "from_cache": True}
    assert _stats(looker) == (1, 1, 1)


def test_another_limit_format_or_query_is_rendered_again(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    _run(grace, "json", _events())
    assert len(json.loads(_run(grace, "json", _events(), limit=5))) == 5
    _run(grace, "csv", _events())
    _run(grace, "json", _events(fields=["events.id"]))
    assert _stats(looker) == (4, 0, 2)
    assert len(json.loads(_run(grace, "json", _events(), limit=5))) == 5  # the limit is a key
    assert _stats(looker) == (5, 0, 2)  # it was evicted: the cache holds two answers


def test_the_cache_keeps_the_last_two_distinct_answers(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    a, b, c = (_events(limit=str(n)) for n in (10, 20, 30))
    answers = {n: _run(grace, "json", body) for n, body in (("a", a), ("b", b), ("c", c))}
    assert _stats(looker) == (3, 0, 2)
    assert _run(grace, "json", c) == answers["c"]  # kept
    assert _run(grace, "json", b) == answers["b"]  # kept, now the most recently used
    assert _stats(looker) == (3, 2, 2)
    assert _run(grace, "json", a) == answers["a"]  # gone: rendered again, evicting c
    assert _stats(looker) == (4, 2, 2)
    _run(grace, "json", b)
    _run(grace, "json", c)
    assert _stats(looker) == (5, 3, 2)


def test_result_cache_off_renders_every_run(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.result_cache = False
    answers = [json.loads(_run(grace, "json_detail", _events())) for _ in range(3)]
    assert [a["from_cache"] for a in answers] == [False, False, False]
    assert _stats(looker) == (3, 0, 0)
    looker.config.result_cache = True
    _run(grace, "json_detail", _events())
    assert json.loads(_run(grace, "json_detail", _events()))["from_cache"] is True
    assert _stats(looker) == (4, 1, 1)


def test_query_task_results_go_through_the_cache_with_the_tasks_own_id(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    query_id = grace.post("queries", json=_events()).json()["id"]
    tasks = []
    for _ in range(2):
        created = grace.post(
            "query_tasks", json={"query_id": query_id, "result_format": "json_detail"}
        )
        tasks.append(created.json()["id"])
    first, second = (grace.get(f"query_tasks/{t}/results").json() for t in tasks)
    assert _stats(looker) == (1, 1, 1)
    assert (first["id"], second["id"]) == tuple(tasks)
    assert (first["from_cache"], second["from_cache"]) == (False, True)
    assert second["data"] == first["data"] and len(first["data"]) == 3000
    inline = json.loads(_run(grace, "json_detail", _events()))  # a synchronous repeat
    assert inline["from_cache"] is True and inline["id"] == "" and inline["data"] == first["data"]
    assert _stats(looker) == (1, 2, 1)


def test_orders_results_are_not_cached(grace: httpx.Client, looker: FakeLooker) -> None:
    body = {"model": "demo", "view": "orders", "fields": ["orders.id"]}
    for _ in range(2):
        assert json.loads(_run(grace, "json_detail", body))["from_cache"] is False
    assert _stats(looker) == (0, 0, 0)


def test_failing_queries_and_another_big_rows_are_not_served_from_the_cache(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    cached = _run(grace, "json", _events())
    looker.config.fail_queries_with = "SQL Error: down"
    assert json.loads(_run(grace, "json", _events())) == [{"looker_error": "SQL Error: down"}]
    looker.config.fail_queries_with = None
    assert _run(grace, "json", _events()) == cached
    looker.config.big_rows = 3001
    assert len(json.loads(_run(grace, "json", _events()))) == 3001
    assert _stats(looker) == (2, 1, 2)


def _raw_request(looker: FakeLooker, body: dict[str, object]) -> socket.socket:
    """An HTTP/1.1 request on a socket whose small receive buffer holds the answer back."""
    token = tokens_for(looker, GRACE)["access_token"]
    payload = json.dumps(body).encode()
    host, port = looker.api_url.removeprefix("http://").rsplit(":", 1)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
    sock.settimeout(60)
    sock.connect((host, int(port)))
    sock.sendall(
        b"POST /api/4.0/queries/run/json HTTP/1.1\r\n"
        + f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n".encode()
        + f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n".encode()
        + b"Connection: close\r\n\r\n"
        + payload
    )
    return sock


def test_a_first_run_streams_while_it_renders_and_is_cached_once_complete(
    looker: FakeLooker,
) -> None:
    """The answer (~15 MB) is far larger than the socket buffers, so the stand-in cannot have
    finished it while the client holds back: a first run that rendered everything before its
    first byte would already be in the cache here."""
    looker.config.big_rows = 70_000
    sock = _raw_request(looker, _events(fields=ALL_FIELDS))
    with sock:
        received = sock.recv(4096)
        assert received.startswith(b"HTTP/1.1 200")
        assert _stats(looker) == (1, 0, 0)  # rendering, sending, not yet kept
        while chunk := sock.recv(1 << 20):
            received += chunk
    assert received.endswith(b"\r\n0\r\n\r\n") and len(received) > 10_000_000
    assert _stats(looker) == (1, 0, 1)


def test_command_line_no_result_cache_turns_the_cache_off(tmp_path: Path) -> None:
    source_root = str(Path(fake_looker.__file__).parent.parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable,
        "-m",
        "looker_nb_auth.fake_looker",
        "--port",
        "0",
        "--big-rows",
        "5",
        "--no-result-cache",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        words = process.stdout.readline().split()
        assert "API" in words, f"no banner; stderr: {process.stderr.read()[-2000:]}"
        api_url = words[words.index("API") + 1]
        login = HTTP.post(
            f"{api_url}/api/4.0/login",
            data={"client_id": "demo-admin-client-id", "client_secret": "demo-admin-client-secret"},
        )
        headers = bearer(login.json()["access_token"])
        runs = [
            HTTP.post(f"{api_url}/api/4.0/queries/run/json_detail", json=_events(), headers=headers)
            for _ in range(2)
        ]
        assert [r.json()["from_cache"] for r in runs] == [False, False]
        assert len(runs[1].json()["data"]) == 5
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()  # a failed assertion must not leave the stand-in running
        process.communicate()
