"""The extension loads, declares authentication on every route, and tells kernels where it is."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import pytest
from jupyter_server.utils import JupyterServerAuthWarning
from tornado import web
from tornado.httpclient import AsyncHTTPClient
from traitlets import TraitError
from traitlets.config import Config

from looker_nb_auth._protocol import DEFAULTS_ENV, SECRET_ENV, SECRET_HEADER, SERVER_URL_ENV
from looker_nb_auth.server.extension import (
    SETTINGS_KEY,
    Extension,
    LookerNbAuth,
    kernel_server_url,
    server_defaults,
)
from looker_nb_auth.server.handlers import routes as route_table

from .helpers import LOOKER_API, LOOKER_CLIENT, Routes, new_state


def test_extension_is_enabled_and_loaded(jp_serverapp: Any) -> None:
    package = jp_serverapp.extension_manager.extensions["looker_nb_auth"]
    assert package.enabled
    assert all(point.linked for point in package.extension_points.values())
    assert isinstance(jp_serverapp.web_app.settings[SETTINGS_KEY], Extension)


async def test_routes_answer_under_the_base_url(routes: Routes) -> None:
    response = await routes.pickup("x" * 43, auth="anonymous")
    assert response.code == 403  # the route exists (not 404) and refuses strangers


def test_every_verb_declares_its_authentication(jp_serverapp: Any, extension: Extension) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jp_serverapp.web_app.add_handlers(".*$", route_table("/other/", extension.context))
    assert not [w for w in caught if issubclass(w.category, JupyterServerAuthWarning)]
    for _, handler, _ in route_table("/", extension.context):
        for verb in ("get", "post", "delete"):
            method = getattr(handler, verb)
            if method is not getattr(web.RequestHandler, verb):
                assert hasattr(method, "__allow_unauthenticated") or hasattr(method, "__wrapped__")


async def test_kernels_get_the_bound_url_and_the_secret(
    routes: Routes, extension: Extension, http_server_port: Any, jp_base_url: str
) -> None:
    await extension.exported.wait()
    port = http_server_port[0].getsockname()[1]
    assert os.environ[SERVER_URL_ENV] == f"http://127.0.0.1:{port}{jp_base_url}"
    assert os.environ[SECRET_ENV] == routes.secret
    assert len(routes.secret) >= 43


async def test_a_kernel_logs_in_with_nothing_but_the_environment(
    routes: Routes, extension: Extension
) -> None:
    await extension.exported.wait()
    server, secret = os.environ[SERVER_URL_ENV], os.environ[SECRET_ENV]
    state = new_state()
    client = AsyncHTTPClient(force_instance=True)
    try:
        registered = await client.fetch(
            f"{server}looker-nb-auth/pending",
            method="POST",
            body=json.dumps({"state": state}),
            headers={SECRET_HEADER: secret},
            raise_error=False,
        )
        picked = await client.fetch(
            f"{server}looker-nb-auth/pickup?state={state}&wait=0",
            headers={SECRET_HEADER: secret},
            raise_error=False,
        )
    finally:
        client.close()
    assert (registered.code, picked.code) == (201, 204)


async def test_defaults_carry_the_configured_settings_and_a_redirect_uri(
    extension: Extension, jp_serverapp: Any, http_server_port: Any, jp_base_url: str
) -> None:
    await extension.exported.wait()
    port = http_server_port[0].getsockname()[1]
    assert json.loads(os.environ[DEFAULTS_ENV]) == {
        "base_url": LOOKER_API,
        "client_guid": LOOKER_CLIENT,
        "redirect_uri": f"http://localhost:{port}{jp_base_url}looker-nb-auth/callback",
    }


def test_a_configured_redirect_uri_wins() -> None:
    config = LookerNbAuth(
        config=Config(
            {
                "LookerNbAuth": {
                    "base_url": LOOKER_API,
                    "looker_url": "https://looker.example",
                    "client_guid": LOOKER_CLIENT,
                    "redirect_uri": "https://hub.example/hub/user-redirect/looker-nb-auth/callback",
                    "display_name": "Notebooks",
                }
            }
        )
    )
    assert server_defaults(config, "http://localhost:8888/") == {
        "base_url": LOOKER_API,
        "looker_url": "https://looker.example",
        "client_guid": LOOKER_CLIENT,
        "redirect_uri": "https://hub.example/hub/user-redirect/looker-nb-auth/callback",
        "display_name": "Notebooks",
    }


@pytest.mark.parametrize(
    ("ip", "tls", "expected"),
    [
        ("", False, "http://127.0.0.1:8888/base/"),
        ("0.0.0.0", False, "http://127.0.0.1:8888/base/"),
        ("localhost", False, "http://127.0.0.1:8888/base/"),
        ("127.0.0.1", True, "https://127.0.0.1:8888/base/"),
        ("::", False, "http://[::1]:8888/base/"),
        ("::1", False, "http://[::1]:8888/base/"),
        ("10.1.2.3", False, "http://10.1.2.3:8888/base/"),  # listens on that address only
        ("jupyter.internal", False, "http://jupyter.internal:8888/base/"),
    ],
)
def test_kernels_reach_the_server_over_loopback_when_they_can(
    ip: str, tls: bool, expected: str
) -> None:
    assert kernel_server_url(ip=ip, port=8888, base_url="/base/", tls=tls) == expected


def test_the_base_url_gets_a_trailing_slash() -> None:
    assert kernel_server_url(ip="", port=1, base_url="/b", tls=False) == "http://127.0.0.1:1/b/"


@pytest.mark.parametrize("trait", ["base_url", "looker_url", "redirect_uri"])
@pytest.mark.parametrize("value", ["looker.example", "ftp://looker.example", "https://"])
def test_urls_must_be_http(trait: str, value: str) -> None:
    with pytest.raises(TraitError, match=rf"^LookerNbAuth\.{trait} must be an http or https URL"):
        LookerNbAuth(**{trait: value})


@pytest.mark.parametrize("trait", ["pending_ttl", "max_pending", "pickup_wait_max"])
def test_limits_must_be_positive(trait: str) -> None:
    with pytest.raises(TraitError, match=rf"^LookerNbAuth\.{trait} must be greater than 0"):
        LookerNbAuth(**{trait: 0})


def test_every_setting_is_documented() -> None:
    traits = LookerNbAuth.class_traits(config=True)
    assert set(traits) == {
        "base_url",
        "looker_url",
        "client_guid",
        "redirect_uri",
        "display_name",
        "pending_ttl",
        "max_pending",
        "pickup_wait_max",
    }
    assert all(trait.help for trait in traits.values())
