"""The Jupyter Server extension: configuration, routes, and the kernels' way back to this server.

An admin configures it in ``jupyter_server_config.py``::

    c.LookerNbAuth.base_url = "https://company.looker.com:19999"
    c.LookerNbAuth.client_guid = "notebooks"
    # Exactly what is registered in Looker; on JupyterHub:
    c.LookerNbAuth.redirect_uri = "https://hub.example/hub/user-redirect/looker-nb-auth/callback"

Jupyter Server calls ``load`` while it initialises (the routes are registered then) and awaits
``start`` from ``ServerApp._post_start``, once its event loop runs and its port is bound. ``start``
puts these variables into the server's environment, which the kernels it starts inherit:

- ``LOOKER_NB_AUTH_SERVER_URL``: this server over loopback, e.g. ``http://127.0.0.1:8888/base/``
  (not exported when the server listens on a unix socket);
- ``LOOKER_NB_AUTH_SECRET``: a random secret for this server run, sent in the
  ``X-Looker-Nb-Auth-Secret`` header; each kernel is started with a secret of its own made from
  it instead (``kernel_secrets.py``), which names the kernel;
- ``LOOKER_NB_AUTH_DEFAULTS``: JSON of the configured settings, always with a ``redirect_uri``;
- ``LOOKER_NB_AUTH_SERVER_CERT``: with TLS (``ServerApp.certfile``), the server's certificate
  file, which kernels pin: its name is not ``127.0.0.1``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join
from traitlets import Float, Int, TraitError, Unicode, validate
from traitlets.config import Configurable

from .._errors import ConfigurationError
from .._protocol import (
    CALLBACK_PATH,
    CERT_ENV,
    DEFAULTS_ENV,
    DERIVED_KEY,
    MAX_PENDING,
    MAX_PENDING_PER_KERNEL,
    PENDING_TTL,
    PICKUP_WAIT_MAX,
    SECRET_ENV,
    SERVER_URL_ENV,
)
from .._settings import SETTING_NAMES, UrlKind, check_url
from ..jupyterhub import HubServer
from .handlers import HandlerContext, routes
from .kernel_ends import on_kernel_end
from .pending import ResultStore
from .saving import drop_login_widget_views

__all__ = [
    "SETTINGS_KEY",
    "Extension",
    "LookerNbAuth",
    "export_environment",
    "kernel_server_url",
    "load",
    "server_defaults",
    "start",
]

#: ``serverapp.web_app.settings[SETTINGS_KEY]`` is this server run's ``Extension``.
SETTINGS_KEY = "looker_nb_auth"
#: Where the traits' values come from, as ``check_url``'s sentences name it.
_SOURCE = "c.LookerNbAuth"
_URL_KINDS: Mapping[str, UrlKind] = {
    "base_url": "api",
    "looker_url": "web",
    "redirect_uri": "redirect",
}


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
    pending_ttl = Float(
        PENDING_TTL,
        config=True,
        help="Seconds a login may take from its start until the kernel picks up Looker's answer.",
    )
    max_pending = Int(
        MAX_PENDING,
        config=True,
        help="Most logins pending at once; more are refused with HTTP 429.",
    )
    max_pending_per_kernel = Int(
        MAX_PENDING_PER_KERNEL,
        config=True,
        help="Most logins one kernel may have pending at once; more from that kernel are "
        "refused with HTTP 429, so a kernel's flood leaves the other kernels room.",
    )
    pickup_wait_max = Float(
        PICKUP_WAIT_MAX, config=True, help="Longest a kernel's pickup request may wait, in seconds."
    )

    @validate(*_URL_KINDS)
    def _url(self, proposal: Any) -> str:
        """The kernels' own check (``check_url``), so a bad URL stops here, not in every kernel."""
        value: str = proposal["value"]
        if not value:
            return value  # unset: kernels fall back on their other sources
        name: str = proposal["trait"].name
        try:
            return check_url(name, value, _SOURCE, kind=_URL_KINDS[name])
        except ConfigurationError as exc:
            raise TraitError(str(exc)) from None

    @validate("pending_ttl", "max_pending", "max_pending_per_kernel", "pickup_wait_max")
    def _positive(self, proposal: Any) -> float:
        value: float = proposal["value"]
        if not value > 0:
            name = proposal["trait"].name
            raise TraitError(f"LookerNbAuth.{name} must be greater than 0, not {value!r}.")
        return value


#: The settings (``_settings.Settings``) that are also traits here: the kernels' defaults.
_DEFAULT_KEYS = tuple(
    name for name in SETTING_NAMES if name in LookerNbAuth.class_trait_names(config=True)
)


@dataclass
class Extension:
    """One server run of the extension (``web_app.settings[SETTINGS_KEY]``)."""

    config: LookerNbAuth
    context: HandlerContext


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
        defaults[DERIVED_KEY] = "redirect_uri"  # not from c.LookerNbAuth: kernels label it so
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


def _scrub_login_redirects(settings: dict[str, Any]) -> None:
    """An unauthenticated callback is sent to ``/login?next=<callback URL with the code>``."""
    keys = list(settings.get("extra_log_scrub_param_keys") or [])
    if "next" not in keys:
        settings["extra_log_scrub_param_keys"] = [*keys, "next"]


def load(serverapp: object) -> None:
    """``_load_jupyter_server_extension``: read ``c.LookerNbAuth`` and register the routes."""
    if not isinstance(serverapp, ServerApp):
        raise TypeError(
            "looker-nb-auth is a Jupyter Server extension; load it with jupyter server."
        )
    config = LookerNbAuth(parent=serverapp)
    context = HandlerContext(
        store=ResultStore(
            ttl=config.pending_ttl,
            max_pending=config.max_pending,
            max_per_owner=config.max_pending_per_kernel,
        ),
        secret=secrets.token_urlsafe(32),
        pickup_wait_max=config.pickup_wait_max,
        hub=HubServer.from_environment(os.environ),
    )
    context.kernels.give_to_kernels_of(serverapp.kernel_manager)
    on_kernel_end(serverapp.kernel_manager, context.kernel_ended)
    # A saved login widget keeps its text, not a view of a model that dies with its kernel.
    contents: Any = serverapp.contents_manager  # jupyter_server's ContentsManager is untyped
    contents.register_pre_save_hook(drop_login_widget_views)
    web_app = serverapp.web_app
    base_url: str = web_app.settings["base_url"]
    web_app.settings[SETTINGS_KEY] = Extension(config=config, context=context)
    _scrub_login_redirects(web_app.settings)
    # ServerWebApplication.add_handlers (it checks every verb is decorated) is unannotated.
    web_app.add_handlers(".*$", routes(base_url, context))  # type: ignore[no-untyped-call]
    serverapp.log.info(
        "looker-nb-auth: Looker login callback ready at %s", url_path_join(base_url, CALLBACK_PATH)
    )


async def start(serverapp: ServerApp) -> None:
    """``_start_jupyter_server_extension``: export the environment for kernels.

    Jupyter Server awaits it once the port is bound, so ``serverapp.port`` is the port listened
    on (with ``--port=0`` too). Nothing to do when ``load`` failed (the server logged why)."""
    extension = serverapp.web_app.settings.get(SETTINGS_KEY)
    if isinstance(extension, Extension):
        export_environment(serverapp, extension, os.environ)
