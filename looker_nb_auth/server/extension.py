"""The Jupyter Server extension: configuration, routes, and the kernels' way back to this server.

An admin configures it in ``jupyter_server_config.py``::

    c.LookerNbAuth.base_url = "https://company.looker.com:19999"
    c.LookerNbAuth.client_guid = "notebooks"
    # Exactly what is registered in Looker; on JupyterHub:
    c.LookerNbAuth.redirect_uri = "https://hub.example/hub/user-redirect/looker-nb-auth/callback"

When the server's event loop starts (its port is bound by then), the extension puts three
variables into the server's environment, which the kernels it starts inherit:

- ``LOOKER_NB_AUTH_SERVER_URL``: this server over loopback, e.g. ``http://127.0.0.1:8888/base/``
  (not exported when the server listens on a unix socket);
- ``LOOKER_NB_AUTH_SECRET``: a random secret for this server run, sent by kernels in the
  ``X-Looker-Nb-Auth-Secret`` header;
- ``LOOKER_NB_AUTH_DEFAULTS``: JSON of the configured settings, always with a ``redirect_uri``;
- ``LOOKER_NB_AUTH_SERVER_CERT``: with TLS (``ServerApp.certfile``), the server's certificate
  file, which kernels pin: its name is not ``127.0.0.1``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join
from tornado.ioloop import IOLoop
from traitlets import Float, Int, TraitError, Unicode, validate
from traitlets.config import Configurable

from .._protocol import CALLBACK_PATH, CERT_ENV, DEFAULTS_ENV, SECRET_ENV, SERVER_URL_ENV
from ..jupyterhub import HubServer
from .handlers import HandlerContext, routes
from .pending import ResultStore

__all__ = [
    "CALLBACK_PATH",
    "CERT_ENV",
    "DEFAULTS_ENV",
    "SECRET_ENV",
    "SERVER_URL_ENV",
    "SETTINGS_KEY",
    "Extension",
    "LookerNbAuth",
    "export_environment",
    "kernel_server_url",
    "load",
    "server_defaults",
]

#: ``serverapp.web_app.settings[SETTINGS_KEY]`` is this server run's ``Extension``.
SETTINGS_KEY = "looker_nb_auth"
_DEFAULT_KEYS = ("base_url", "looker_url", "client_guid", "redirect_uri", "display_name")


class LookerNbAuth(Configurable):
    """``c.LookerNbAuth``: defaults handed to kernels, and limits of the callback store."""

    base_url = Unicode(
        "",
        config=True,
        help="Looker API URL, e.g. https://company.looker.com:19999 (kernels' default base_url).",
    )
    looker_url = Unicode(
        "",
        config=True,
        help="Looker web UI URL that serves /auth, when it differs from base_url; "
        "empty: read from {base_url}/versions.",
    )
    client_guid = Unicode(
        "", config=True, help="client_guid of the OAuth app registered in Looker."
    )
    redirect_uri = Unicode(
        "",
        config=True,
        help="The redirect URI registered in Looker, character for character; set it explicitly. "
        "On JupyterHub: https://HUB/hub/user-redirect/looker-nb-auth/callback. Empty: this "
        "server's own URL as it prints it (ServerApp.connection_url) + looker-nb-auth/callback, "
        "which is right only if browsers reach the server under exactly that URL.",
    )
    display_name = Unicode(
        "", config=True, help="Name of the OAuth app, shown when kernels register it in Looker."
    )
    pending_ttl = Float(
        600.0,
        config=True,
        help="Seconds a login may take from its start until the kernel picks up Looker's answer.",
    )
    max_pending = Int(
        256, config=True, help="Most logins pending at once; more are refused with HTTP 429."
    )
    pickup_wait_max = Float(
        60.0, config=True, help="Longest a kernel's pickup request may wait, in seconds."
    )

    @validate("base_url", "looker_url", "redirect_uri")
    def _http_url(self, proposal: Any) -> str:
        value: str = proposal["value"]
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            name = proposal["trait"].name
            raise TraitError(f"LookerNbAuth.{name} must be an http or https URL, not {value!r}.")
        return value

    @validate("pending_ttl", "max_pending", "pickup_wait_max")
    def _positive(self, proposal: Any) -> float:
        value: float = proposal["value"]
        if not value > 0:
            name = proposal["trait"].name
            raise TraitError(f"LookerNbAuth.{name} must be greater than 0, not {value!r}.")
        return value


@dataclass
class Extension:
    """One server run of the extension (``web_app.settings[SETTINGS_KEY]``)."""

    config: LookerNbAuth
    context: HandlerContext
    #: Set once the environment for kernels has been exported.
    exported: asyncio.Event = field(default_factory=asyncio.Event)


def kernel_server_url(*, ip: str, port: int, base_url: str, tls: bool) -> str:
    """How a kernel on this machine reaches the server: loopback for wildcard or local binds."""
    if ip in ("", "localhost"):
        host = "127.0.0.1"
    else:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            host = ip  # a host name: the server listens on its addresses only
        else:
            if address.is_unspecified:
                address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
            host = f"[{address}]" if address.version == 6 else str(address)
    path = base_url if base_url.endswith("/") else base_url + "/"
    return f"{'https' if tls else 'http'}://{host}:{port}{path}"


def server_defaults(config: LookerNbAuth, connection_url: str | None) -> dict[str, str]:
    """The configured settings for kernels; ``redirect_uri`` defaults to this server's callback."""
    defaults = {key: getattr(config, key) for key in _DEFAULT_KEYS if getattr(config, key)}
    if "redirect_uri" not in defaults and connection_url:
        defaults["redirect_uri"] = url_path_join(connection_url, CALLBACK_PATH)
    return defaults


def export_environment(
    serverapp: ServerApp, extension: Extension, environ: MutableMapping[str, str]
) -> None:
    """Put the server URL, the secret and the defaults where kernels started later inherit them."""
    log = serverapp.log
    if serverapp.sock:
        log.warning(
            "looker-nb-auth: this server listens on the unix socket %s, which kernels cannot "
            "reach over HTTP; their Looker logins fall back to a loopback callback or a pasted "
            "URL. Set c.LookerNbAuth.redirect_uri to the URL browsers use.",
            serverapp.sock,
        )
        defaults = server_defaults(extension.config, None)
    else:
        url = kernel_server_url(
            ip=serverapp.ip,
            port=serverapp.port,
            base_url=serverapp.web_app.settings["base_url"],
            tls=bool(serverapp.certfile),
        )
        environ[SERVER_URL_ENV] = url
        environ[SECRET_ENV] = extension.context.secret
        if serverapp.certfile:
            environ[CERT_ENV] = os.path.abspath(serverapp.certfile)
        log.debug("looker-nb-auth: kernels reach this server at %s", url)
        defaults = server_defaults(extension.config, serverapp.connection_url)
    environ[DEFAULTS_ENV] = json.dumps(defaults)
    extension.exported.set()


def _scrub_login_redirects(settings: dict[str, Any]) -> None:
    """An unauthenticated callback is sent to ``/login?next=<callback URL with the code>``."""
    keys = list(settings.get("extra_log_scrub_param_keys") or [])
    if "next" not in keys:
        settings["extra_log_scrub_param_keys"] = [*keys, "next"]


def load(serverapp: object) -> None:
    """Register the routes; export the environment for kernels once the port is bound."""
    if not isinstance(serverapp, ServerApp):
        raise TypeError(
            "looker-nb-auth is a Jupyter Server extension; load it with jupyter server."
        )
    config = LookerNbAuth(parent=serverapp)
    context = HandlerContext(
        store=ResultStore(ttl=config.pending_ttl, max_pending=config.max_pending),
        secret=secrets.token_urlsafe(32),
        pickup_wait_max=config.pickup_wait_max,
        hub=HubServer.from_environment(os.environ),
    )
    extension = Extension(config=config, context=context)
    web_app = serverapp.web_app
    base_url: str = web_app.settings["base_url"]
    web_app.settings[SETTINGS_KEY] = extension
    _scrub_login_redirects(web_app.settings)
    # ServerWebApplication.add_handlers (it checks every verb is decorated) is unannotated.
    web_app.add_handlers(".*$", routes(base_url, context))  # type: ignore[no-untyped-call]

    def when_bound() -> None:
        export_environment(serverapp, extension, os.environ)

    # Extensions load before ServerApp queues the binding of its socket on the IOLoop; queueing
    # twice runs after that, so serverapp.port is the port actually listened on.
    loop = IOLoop.current()
    loop.add_callback(loop.add_callback, when_bound)
    serverapp.log.info(
        "looker-nb-auth: Looker login callback ready at %s", url_path_join(base_url, CALLBACK_PATH)
    )
