"""``looker-nb-auth hub-service``: the hub service process, as JupyterHub starts it.

JupyterHub runs it as the managed service ``looker`` and gives it its ``JUPYTERHUB_*``
environment (its URL, prefix, API token, OAuth client); the admin adds the Looker settings
(``LOOKER_NB_AUTH_*``, read by ``service_config``). It listens on the host and port of
``JUPYTERHUB_SERVICE_URL``; the hub's proxy sends ``{hub}/services/looker/`` there.

The access log shows method, path and status only: Looker's callback carries the code in its
query string, so no query string is ever logged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import secrets
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from .._errors import ConfigurationError
from .._settings import Settings, check_url
from .store import KEY_ENV, LoginStore, parse_keys

__all__ = ["ServiceConfig", "run_service", "service_config"]

log = logging.getLogger(__name__)

#: The service's own settings (besides JupyterHub's ``JUPYTERHUB_*``).
BASE_URL_ENV = "LOOKER_NB_AUTH_BASE_URL"
CLIENT_GUID_ENV = "LOOKER_NB_AUTH_CLIENT_GUID"
REDIRECT_URI_ENV = "LOOKER_NB_AUTH_REDIRECT_URI"
LOOKER_URL_ENV = "LOOKER_NB_AUTH_LOOKER_URL"
DB_URL_ENV = "LOOKER_NB_AUTH_HUB_DB_URL"
DEFAULT_DB_URL = "sqlite:///looker-nb-auth-hub.sqlite"
#: Threads the broker's calls run on (token requests, Looker round trips).
WORKERS = 32


@dataclass(frozen=True)
class ServiceConfig:
    settings: Settings
    db_url: str
    keys: list[bytes]
    host: str
    port: int
    prefix: str
    public_url: str


def _required(environ: Mapping[str, str], name: str, what: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(
            f"{name} ({what}) is not set; set it in the service's environment in "
            "jupyterhub_config.py (c.JupyterHub.services)."
        )
    return value


def service_config(environ: Mapping[str, str] | None = None) -> ServiceConfig:
    """The service's settings from its environment; ``ConfigurationError`` names what is
    missing or wrong."""
    env = os.environ if environ is None else environ
    source = "the hub service's environment"
    looker_url = env.get(LOOKER_URL_ENV, "").strip()
    settings = Settings(
        base_url=check_url(
            BASE_URL_ENV, _required(env, BASE_URL_ENV, "Looker API URL"), source, kind="api"
        ),
        client_guid=_required(env, CLIENT_GUID_ENV, "Looker OAuth client guid"),
        redirect_uri=check_url(
            REDIRECT_URI_ENV,
            _required(env, REDIRECT_URI_ENV, "{hub}/services/looker/callback"),
            source,
            kind="redirect",
        ),
        looker_url=check_url(LOOKER_URL_ENV, looker_url, source, kind="web")
        if looker_url
        else None,
        sources={"base_url": source, "client_guid": source, "redirect_uri": source},
    )
    keys = parse_keys(env.get(KEY_ENV, ""))
    service_url = _required(env, "JUPYTERHUB_SERVICE_URL", "set by JupyterHub")
    parts = urlsplit(service_url)
    if parts.hostname is None or parts.port is None:
        raise ConfigurationError(
            f"JUPYTERHUB_SERVICE_URL is {service_url!r}; give the service a url with a host and "
            "port in c.JupyterHub.services, e.g. http://127.0.0.1:10101."
        )
    return ServiceConfig(
        settings=settings,
        db_url=env.get(DB_URL_ENV, "").strip() or DEFAULT_DB_URL,
        keys=keys,
        host=parts.hostname,
        port=parts.port,
        prefix=env.get("JUPYTERHUB_SERVICE_PREFIX") or "/services/looker/",
        public_url=env.get("JUPYTERHUB_PUBLIC_URL", ""),
    )


def _log_request(handler: object) -> None:
    """Tornado's access log without the query string (the callback's carries the code)."""
    from tornado.log import access_log
    from tornado.web import RequestHandler

    assert isinstance(handler, RequestHandler)
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING
    request = handler.request
    access_log.log(
        level,
        "%d %s %s %.1fms",
        status,
        request.method,
        request.path,
        1000.0 * request.request_time(),
    )


def rotate_keys(environ: Mapping[str, str] | None = None) -> int:
    """Re-encrypt every login with the first key of ``LOOKER_NB_AUTH_HUB_CRYPT_KEY`` (all the
    keys decrypt); only the database URL and the keys are needed."""
    env = os.environ if environ is None else environ
    db_url = env.get(DB_URL_ENV, "").strip() or DEFAULT_DB_URL
    store = LoginStore(db_url, parse_keys(env.get(KEY_ENV, "")))
    try:
        return store.rotate()
    finally:
        store.close()


async def _serve(config: ServiceConfig) -> None:
    from jupyterhub.services.auth import HubAuth, HubOAuth
    from tornado.web import Application

    from .broker import Broker
    from .handlers import Context
    from .routes import routes

    store = LoginStore(config.db_url, config.keys)
    http = httpx.Client(verify=config.settings.verify_ssl, timeout=config.settings.timeout)
    executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="looker-hub")
    ctx = Context(
        broker=Broker(config.settings, store, http),
        executor=executor,
        oauth=HubOAuth(),
        token_auth=HubAuth(),
        prefix=config.prefix,
        public_url=config.public_url,
    )
    app = Application(
        routes(ctx),
        cookie_secret=os.environ.get("LOOKER_NB_AUTH_HUB_COOKIE_SECRET") or secrets.token_bytes(32),
        xsrf_cookies=True,
        log_function=_log_request,
    )
    server = app.listen(config.port, config.host, xheaders=True)
    log.info("Looker hub service listening on %s:%d%s", config.host, config.port, config.prefix)
    try:
        await asyncio.Event().wait()
    finally:
        server.stop()
        executor.shutdown(wait=False)
        http.close()
        store.close()


def run_service(*, rotate: bool = False, ip: str | None = None) -> int:
    """Run the service until stopped (or, with ``rotate``, re-encrypt every login and exit),
    listening on ``ip`` (default: the host of ``JUPYTERHUB_SERVICE_URL``)."""
    logging.basicConfig(
        level=logging.INFO, format="[%(levelname)s %(asctime)s %(name)s] %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs URLs at INFO
    if rotate:
        done = rotate_keys()
        print(f"Re-encrypted {done} Looker logins with the first key of {KEY_ENV}.")
        return 0
    config = service_config()
    if ip:
        config = dataclasses.replace(config, host=ip)
    asyncio.run(_serve(config))
    return 0
