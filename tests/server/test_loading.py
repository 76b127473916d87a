"""The extension loads, declares authentication on every route, and, once the server has started,
tells kernels where it is."""

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

from looker_nb_auth import server
from looker_nb_auth._errors import ConfigurationError
from looker_nb_auth._protocol import DEFAULTS_ENV, SECRET_ENV, SECRET_HEADER, SERVER_URL_ENV
from looker_nb_auth._settings import check_url, resolve_settings
from looker_nb_auth.oauth.state import new_state
from looker_nb_auth.server.extension import (
    SETTINGS_KEY,
    Extension,
    LookerNbAuth,
    kernel_server_url,
    load,
    server_defaults,
    start,
)
from looker_nb_auth.server.handlers import kernel_only
from looker_nb_auth.server.handlers import routes as route_table

from .helpers import LOOKER_API, LOOKER_CLIENT, Routes, start_extension


def test_extension_is_enabled_and_loaded(jp_serverapp: Any) -> None:
    package = jp_serverapp.extension_manager.extensions["looker_nb_auth"]
    assert package.enabled
    assert all(point.linked for point in package.extension_points.values())
    assert isinstance(jp_serverapp.web_app.settings[SETTINGS_KEY], Extension)


async def test_routes_answer_under_the_base_url(routes: Routes) -> None:
    response = await routes.pickup("x" * 43, auth="anonymous")
    assert response.code == 403  # the route exists (not 404) and refuses strangers


def test_jupyter_server_finds_both_hooks() -> None:
    assert server._load_jupyter_server_extension is load
    assert server._start_jupyter_server_extension is start


async def test_loading_exports_nothing_until_the_server_has_started(jp_serverapp: Any) -> None:
    """The port may not be bound while extensions load: only the start hook exports."""
    assert isinstance(jp_serverapp.web_app.settings[SETTINGS_KEY], Extension)  # loaded
    assert not {SERVER_URL_ENV, SECRET_ENV, DEFAULTS_ENV} & set(os.environ)
    await start_extension(jp_serverapp)
    assert {SERVER_URL_ENV, SECRET_ENV, DEFAULTS_ENV} <= set(os.environ)


def test_every_verb_declares_its_authentication(jp_serverapp: Any, extension: Extension) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jp_serverapp.web_app.add_handlers(".*$", route_table("/other/", extension.context))
    assert not [w for w in caught if issubclass(w.category, JupyterServerAuthWarning)]
    guard = kernel_only(lambda handler: None).__code__
    for _, handler, _ in route_table("/", extension.context):
        for verb in ("get", "post", "delete"):
            method = getattr(handler, verb)
            if method is not getattr(web.RequestHandler, verb):
                assert hasattr(method, "__allow_unauthenticated") or hasattr(method, "__wrapped__")
            if hasattr(method, "__allow_unauthenticated"):  # Jupyter lets anyone through: we don't
                assert method.__wrapped__.__code__ is guard, f"{handler.__name__}.{verb}"


async def test_kernels_get_the_bound_url_and_the_secret(
    routes: Routes, http_server_port: Any, jp_base_url: str
) -> None:
    port = http_server_port[0].getsockname()[1]
    assert os.environ[SERVER_URL_ENV] == f"http://127.0.0.1:{port}{jp_base_url}"
    assert os.environ[SECRET_ENV] == routes.secret
    assert len(routes.secret) >= 43


async def test_a_kernel_logs_in_with_nothing_but_the_environment(routes: Routes) -> None:
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
            f"{server}looker-nb-auth/pickup",
            method="POST",
            body=json.dumps({"state": state, "wait": 0}),
            headers={SECRET_HEADER: secret},
            raise_error=False,
        )
    finally:
        client.close()
    assert (registered.code, picked.code) == (201, 204)


async def test_defaults_carry_the_configured_settings_and_a_redirect_uri(
    extension: Extension, http_server_port: Any, jp_base_url: str
) -> None:
    port = http_server_port[0].getsockname()[1]
    assert json.loads(os.environ[DEFAULTS_ENV]) == {
        "base_url": LOOKER_API,
        "client_guid": LOOKER_CLIENT,
        "redirect_uri": f"http://localhost:{port}{jp_base_url}looker-nb-auth/callback",
        "_derived": "redirect_uri",
    }


async def test_a_derived_redirect_uri_is_labelled_as_derived_in_kernels(
    extension: Extension,
) -> None:
    """Not "c.LookerNbAuth": the admin did not set it, the server made it from its own URL."""
    settings = resolve_settings(environ=dict(os.environ))
    assert settings.sources["redirect_uri"] == (
        "this Jupyter server's own URL (c.LookerNbAuth.redirect_uri is not set)"
    )
    assert settings.sources["client_guid"] == "Jupyter server config (c.LookerNbAuth)"


def test_a_configured_redirect_uri_wins() -> None:
    config = LookerNbAuth(
        config=Config(
            {
                "LookerNbAuth": {
                    "base_url": LOOKER_API,
                    "looker_url": "https://looker.example",
                    "client_guid": LOOKER_CLIENT,
                    "redirect_uri": "https://hub.example/hub/user-redirect/looker-nb-auth/callback",
                }
            }
        )
    )
    assert server_defaults(config, "http://localhost:8888/") == {
        "base_url": LOOKER_API,
        "looker_url": "https://looker.example",
        "client_guid": LOOKER_CLIENT,
        "redirect_uri": "https://hub.example/hub/user-redirect/looker-nb-auth/callback",
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


URL_KINDS = {"base_url": "api", "looker_url": "web", "redirect_uri": "redirect"}


@pytest.mark.parametrize(("trait", "kind"), URL_KINDS.items())
@pytest.mark.parametrize("value", ["looker.example", "ftp://looker.example", "https://"])
def test_urls_must_be_http(trait: str, kind: Any, value: str) -> None:
    """With the kernels' own sentence: the one URL check, naming c.LookerNbAuth."""
    with pytest.raises(ConfigurationError) as kernels_say:
        check_url(trait, value, "c.LookerNbAuth", kind=kind)
    with pytest.raises(TraitError) as refused:
        LookerNbAuth(**{trait: value})
    assert str(refused.value) == str(kernels_say.value)
    assert str(refused.value).startswith(f"{trait} from c.LookerNbAuth is {value!r}, which is not")


def test_a_base_url_with_the_api_path_is_refused_by_the_server_not_in_every_kernel() -> None:
    config = Config({"LookerNbAuth": {"base_url": "https://x/api/4.0"}})
    with pytest.raises(TraitError) as refused:
        LookerNbAuth(config=config)
    assert str(refused.value) == (
        "base_url from c.LookerNbAuth ends in /api/4.0; set it to the API host alone "
        "(for example https://x), without /api/4.0."
    )


async def test_a_bad_url_in_the_config_is_logged_as_one_sentence_and_nothing_is_exported(
    jp_configurable_serverapp: Any, jp_server_config: Config, capfd: pytest.CaptureFixture[str]
) -> None:
    jp_server_config.ServerApp.reraise_server_extension_failures = False  # as in a real server
    jp_server_config.LookerNbAuth.base_url = "https://x/api/4.0"
    serverapp = jp_configurable_serverapp(config=jp_server_config)
    assert SETTINGS_KEY not in serverapp.web_app.settings  # no routes either
    await start(serverapp)
    assert not {SERVER_URL_ENV, SECRET_ENV, DEFAULTS_ENV} & set(os.environ)
    # what the admin reads in the server's log (written before pytest-jupyter reroutes it)
    logged = capfd.readouterr().err
    assert "looker_nb_auth | extension failed loading" in logged
    assert "base_url from c.LookerNbAuth ends in /api/4.0; set it to the API host alone" in logged


def test_urls_are_kept_as_the_kernels_would_read_them() -> None:
    """Trailing slashes dropped from the API and UI URLs; the redirect URI byte for byte."""
    config = LookerNbAuth(
        base_url=f"{LOOKER_API}/",
        looker_url="https://looker.example/",
        redirect_uri="https://hub.example/callback/",
    )
    assert (config.base_url, config.looker_url, config.redirect_uri) == (
        LOOKER_API,
        "https://looker.example",
        "https://hub.example/callback/",
    )


@pytest.mark.parametrize(
    "trait", ["pending_ttl", "max_pending", "max_pending_per_kernel", "pickup_wait_max"]
)
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
        "pending_ttl",
        "max_pending",
        "max_pending_per_kernel",
        "pickup_wait_max",
    }
    assert all(trait.help for trait in traits.values())
