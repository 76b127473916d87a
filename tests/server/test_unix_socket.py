"""A server on a unix socket: kernels cannot reach it over HTTP, so no URL or secret is exported."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.serverapp import DEFAULT_JUPYTER_SERVER_PORT
from traitlets.config import Config

from looker_nb_auth._protocol import DEFAULTS_ENV, SECRET_ENV, SERVER_URL_ENV

from .helpers import LOOKER_API, LOOKER_CLIENT, start_extension


@pytest.fixture
def jp_server_config(jp_server_config: Config, tmp_path: Path) -> Config:
    jp_server_config.ServerApp.sock = str(tmp_path / "jupyter.sock")
    return jp_server_config


@pytest.fixture
def jp_http_port() -> int:
    return DEFAULT_JUPYTER_SERVER_PORT  # ServerApp refuses a port other than the default with sock


async def test_nothing_to_reach_is_exported_and_a_warning_says_why(
    jp_serverapp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    await start_extension(jp_serverapp)
    assert SERVER_URL_ENV not in os.environ
    assert SECRET_ENV not in os.environ
    assert json.loads(os.environ[DEFAULTS_ENV]) == {
        "base_url": LOOKER_API,
        "client_guid": LOOKER_CLIENT,
    }
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unix socket" in message and "redirect_uri" in message for message in warnings)
