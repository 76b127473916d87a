"""Fixtures: a Jupyter server (pytest-jupyter) with looker_nb_auth and no unauthenticated access.

pytest-jupyter's fixtures are imported here instead of being named in ``pytest_plugins``, which
pytest accepts only in the top-level conftest; this also keeps its autouse fixtures (an event loop
per test, server cleanup) to this directory.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403
from traitlets.config import Config

from looker_nb_auth._protocol import DEFAULTS_ENV, SECRET_ENV, SERVER_URL_ENV
from looker_nb_auth.server.extension import SETTINGS_KEY, Extension

from .helpers import LOOKER_API, LOOKER_CLIENT, Routes, start_extension

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Any JupyterServerAuthWarning (an undecorated handler verb) fails the test."""
    auth_warnings = pytest.mark.filterwarnings(
        "error::jupyter_server.utils.JupyterServerAuthWarning"
    )
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(auth_warnings)


@pytest.fixture
def jp_server_config() -> Config:
    return Config(
        {
            "ServerApp": {
                # terminals (which pytest-jupyter adds by default) has an undecorated verb
                "jpserver_extensions": {"looker_nb_auth": True, "jupyter_server_terminals": False},
                "allow_unauthenticated_access": False,
                "reraise_server_extension_failures": True,  # a failing load() fails the test
            },
            "LookerNbAuth": {"base_url": LOOKER_API, "client_guid": LOOKER_CLIENT},
        }
    )


@pytest.fixture(autouse=True)
def _kernel_environment() -> Iterator[None]:
    """The extension exports into os.environ: start each test without, and restore afterwards."""
    names = (SERVER_URL_ENV, SECRET_ENV, DEFAULTS_ENV)
    saved = {name: os.environ.pop(name, None) for name in names}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def extension(jp_serverapp: Any, jp_asyncio_loop: asyncio.AbstractEventLoop) -> Extension:
    """This server run of the extension, started as a real server starts it."""
    jp_asyncio_loop.run_until_complete(start_extension(jp_serverapp))
    ext = jp_serverapp.web_app.settings[SETTINGS_KEY]
    assert isinstance(ext, Extension)
    return ext


@pytest.fixture
def routes(
    extension: Extension, http_server_client: Any, jp_base_url: str, jp_serverapp: Any
) -> Routes:
    return Routes(
        client=http_server_client,
        base_url=jp_base_url,
        token=jp_serverapp.identity_provider.token,
        extension=extension,
    )
