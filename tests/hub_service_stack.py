"""A real JupyterHub (tests/e2e/hub.py) running the looker-nb-auth hub service as its managed
service ``looker``, on the Looker stand-in, configured as docs/jupyterhub.md tells an admin to:
the service's callback registered in Looker, the server role allowed to use the service, and
``LOOKER_NB_AUTH_HUB_SERVICE_URL`` in every server's environment.

Kernel-side tests run in the test process with a hub user's token (``user_token``), as a
kernel of that user's server would; ``log_in`` is a person's browser logging in to Looker
through the service's pages (hub login, the hub's OAuth for the service, Looker's forms).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography.fernet import Fernet
from e2e.helpers import free_port
from e2e.hub import HUB_PASSWORD, Hub, find_proxy

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig, authorize_in_browser

__all__ = ["ServiceStack", "service_stack"]

CLIENT_GUID = "looker-nb-auth-hub-service"
SERVICE_SCOPE = "access:services!service=looker"

_EXTRA = """
c.JupyterHub.services.append(
    {{
        "name": "looker",
        "url": "http://127.0.0.1:{port}",
        "command": [{python!r}, "-m", "looker_nb_auth", "hub-service"],
        "environment": {environment!r},
        "oauth_no_confirm": True,
    }}
)
c.JupyterHub.load_roles.append(
    {{"name": "server", "scopes": ["users:activity!user", "access:servers!server", {scope!r}]}}
)
c.JupyterHub.load_roles.append({{"name": "user", "scopes": ["self", {scope!r}]}})
c.JupyterHub.load_roles.append(
    {{"name": "tests-tokens", "scopes": ["tokens", {scope!r}], "services": ["tests"]}}
)
c.Spawner.environment["LOOKER_NB_AUTH_HUB_SERVICE_URL"] = {service_url!r}
"""


@dataclass
class ServiceStack:
    hub: Hub
    looker: FakeLooker
    #: The service as a user's server reaches it (what the spawner sets).
    service_url: str

    @property
    def public_service_url(self) -> str:
        return f"{self.hub.url}services/looker/"

    def user_token(self, name: str, scopes: tuple[str, ...] = (SERVICE_SCOPE,)) -> str:
        """A token of hub user ``name`` (created if new) with ``scopes``, as their server has."""
        with self.hub.api() as api:
            if api.get(f"hub/api/users/{name}").status_code == 404:
                api.post(f"hub/api/users/{name}").raise_for_status()
            response = api.post(
                f"hub/api/users/{name}/tokens",
                json={"scopes": list(scopes), "note": "looker-nb-auth tests"},
            )
            token: str = response.raise_for_status().json()["token"]
            return token

    def log_in(self, name: str, email: str) -> str:
        """Hub user ``name`` logs in to Looker as ``email`` through the service's pages, as a
        browser does; returns the service's page after Looker's callback."""
        with httpx.Client(timeout=30.0, trust_env=False) as browser:
            page = browser.get(f"{self.hub.url}hub/login")
            xsrf = browser.cookies.get("_xsrf") or ""
            form = {"username": name, "password": HUB_PASSWORD, "_xsrf": xsrf}
            response = browser.post(f"{self.hub.url}hub/login", data=form)
            assert response.status_code in (302, 303), page.text[:300]
            url = f"{self.public_service_url}login"
            looker_host = urlsplit(self.looker.web_url).netloc
            for _ in range(10):  # the hub's OAuth for the service, then to Looker
                response = browser.get(url)
                assert response.is_redirect, response.text[:500]
                url = urljoin(url, response.headers["location"])
                if urlsplit(url).netloc == looker_host:
                    break
            callback = authorize_in_browser(url, email=email)
            response = browser.get(callback)
            assert response.status_code == 200, response.text[:500]
            return response.text

    def service_log(self) -> str:
        return self.hub.log_text()


@contextmanager
def service_stack(home: Path, *, config: FakeLookerConfig | None = None) -> Iterator[ServiceStack]:
    """A hub with the service on a fresh stand-in; stopped afterwards."""
    proxy = find_proxy()
    if proxy is None or shutil.which("node") is None:
        raise RuntimeError(
            "configurable-http-proxy (and Node.js) are needed: `make test` installs them"
        )
    with FakeLooker(config or FakeLookerConfig()) as looker:
        hub = Hub(
            home=home,
            port=free_port(),
            hub_port=free_port(),
            proxy_api_port=free_port(),
            proxy=proxy,
            environment={},
        )
        port = free_port()
        service_url = f"http://127.0.0.1:{port}{hub.base_path}services/looker/"
        looker.register_app(
            CLIENT_GUID,
            f"{hub.url}services/looker/callback",
            display_name="looker-nb-auth hub service",
            description="Tests of the looker-nb-auth hub service.",
        )
        environment = {
            "LOOKER_NB_AUTH_BASE_URL": looker.api_url,
            "LOOKER_NB_AUTH_LOOKER_URL": looker.web_url,
            "LOOKER_NB_AUTH_CLIENT_GUID": CLIENT_GUID,
            "LOOKER_NB_AUTH_REDIRECT_URI": f"{hub.url}services/looker/callback",
            "LOOKER_NB_AUTH_HUB_DB_URL": f"sqlite:///{home}/looker-logins.sqlite",
            "LOOKER_NB_AUTH_HUB_CRYPT_KEY": Fernet.generate_key().decode(),
        }
        hub.extra_config = _EXTRA.format(
            port=port,
            python=sys.executable,
            environment=environment,
            scope=SERVICE_SCOPE,
            service_url=service_url,
        )
        hub.start()
        try:
            _wait_for_service(hub, service_url)
            yield ServiceStack(hub, looker, service_url)
        finally:
            hub.stop()


def _wait_for_service(hub: Hub, service_url: str, timeout: float = 60.0) -> None:
    """Until the service answers (JupyterHub starts it beside itself)."""
    import time

    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5.0, trust_env=False) as client:
        while True:
            try:
                client.get(f"{service_url}api/token")
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        "the hub service did not start:\n" + hub.log_text()[-4000:]
                    ) from None
            assert hub.process is not None
            if hub.process.poll() is not None:
                raise RuntimeError("jupyterhub exited:\n" + hub.log_text()[-4000:])
            time.sleep(0.2)  # polling a process's port, not synchronising test code
