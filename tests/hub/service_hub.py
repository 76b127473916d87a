"""A real JupyterHub (tests/e2e/hub.py's harness) running the hub service ``looker`` the way
docs/jupyterhub.md configures it, on the Looker stand-in, and the HTTP clients the tests act
through: a hub user's browser (hub login with the shared password, then JupyterHub's OAuth for
the service) and the tokens a user's server or an admin has.

The one harness of every test that needs the service under a real hub: the service's own tests
(tests/hub/test_service_hub.py), a kernel's (tests/client/test_hub_tokens.py: this process acts
as a kernel with ``user_token``), the browser's (tests/e2e/test_hub_service_e2e.py), and
benchmarks/bench_hub.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography.fernet import Fernet
from e2e.helpers import free_port
from e2e.hub import HUB_PASSWORD, NO_PROXY, Hub, find_proxy
from support import CLIENT_GUID

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig, authorize_in_browser

__all__ = [
    "ADMIN",
    "ADMIN_PASSWORD",
    "CLIENT_GUID",
    "SERVICE_SCOPE",
    "HubBrowser",
    "ServiceHub",
    "json_of",
    "service_hub",
]

ADMIN = "boss"
#: SharedPasswordAuthenticator's password for admin_users (32+ characters).
ADMIN_PASSWORD = "an-admin-password-for-the-hub-service-tests"
#: A service with access to ``looker`` but no hub user behind it.
ROBOT = "robot"
SERVICE = "looker"
#: What a token needs to call the service (docs/jupyterhub.md gives it to every server).
SERVICE_SCOPE = "access:services!service=looker"
#: How long the hub may take to (re)start the service or spawn a server.
START_TIMEOUT = 60.0

_EXTRA = """
import sys
c.Authenticator.admin_users = {{{admin!r}}}
c.SharedPasswordAuthenticator.admin_password = {admin_password!r}
# The tests service makes users' tokens, with the service's scope among them.
c.JupyterHub.load_roles[0]["scopes"] += ["tokens", "access:services!service=looker"]
c.JupyterHub.services = c.JupyterHub.services + [
    {{
        "name": "looker",
        "url": "http://127.0.0.1:{service_port}",
        "command": [{python!r}, "-m", "looker_nb_auth", "hub-service"],
        "cwd": {service_dir!r},
        "environment": {environment!r},
        "oauth_no_confirm": True,
    }},
    {{"name": {robot!r}, "api_token": {robot_token!r}}},
]
# docs/jupyterhub.md: every user, and every user's server token, may use the service.
c.JupyterHub.load_roles = c.JupyterHub.load_roles + [
    {{"name": "user", "scopes": ["self", "access:services!service=looker"]}},
    {{
        "name": "server",
        "scopes": [
            "users:activity!user",
            "access:servers!server",
            "access:services!service=looker",
        ],
    }},
    {{"name": "robot", "scopes": ["access:services!service=looker"], "services": [{robot!r}]}},
]
"""


@dataclass
class ServiceHub:
    hub: Hub
    looker: FakeLooker
    service_dir: Path
    robot_token: str
    key: bytes
    service_port: int
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def service_url(self) -> str:
        """The service through the hub's proxy."""
        return f"{self.hub.url}services/{SERVICE}/"

    @property
    def db_file(self) -> Path:
        """The default database: SQLite in the service's working directory."""
        return self.service_dir / "looker-nb-auth-hub.sqlite"

    @property
    def public_service_url(self) -> str:
        """The service as a browser reaches it (the same: through the hub's proxy)."""
        return self.service_url

    @property
    def direct_service_url(self) -> str:
        """The service's own port, past the proxy (what a spawner may set instead)."""
        return f"http://127.0.0.1:{self.service_port}{self.hub.base_path}services/{SERVICE}/"

    def api(self, token: str | None) -> httpx.Client:
        """The service's JSON API with ``token`` (``None``: no Authorization header)."""
        headers = {} if token is None else {"Authorization": f"token {token}"}
        return httpx.Client(
            base_url=self.service_url, headers=headers, timeout=30.0, trust_env=False
        )

    def user_token(self, user: str, scopes: tuple[str, ...] | None = None) -> str:
        """An API token of hub user ``user`` (made if new): with the user's permissions (as the
        hub's token page makes; one per user, kept) or with ``scopes`` only (a new one each
        time, e.g. ``(SERVICE_SCOPE,)`` as a server's)."""
        if scopes is None and user in self._tokens:
            return self._tokens[user]
        with self.hub.api() as api:
            if api.get(f"hub/api/users/{user}").status_code == 404:
                api.post(f"hub/api/users/{user}").raise_for_status()
            body: dict[str, object] = {"note": "tests"}
            if scopes is not None:
                body["scopes"] = list(scopes)
            response = api.post(f"hub/api/users/{user}/tokens", json=body)
        token: str = response.raise_for_status().json()["token"]
        if scopes is None:
            self._tokens[user] = token
        return token

    def log_in(self, user: str, email: str) -> str:
        """Hub user ``user`` logs in to Looker as ``email`` through the service's pages, as
        their browser does; returns the service's page after Looker's callback."""
        browser = HubBrowser(self, user)
        try:
            response = browser.log_in_to_looker(email)
        finally:
            browser.close()
        assert response.status_code == 200, response.text[:500]
        return response.text

    def service_pid(self) -> int | None:
        """The running hub-service process (JupyterHub started it in ``service_dir``)."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                cwd = os.readlink(entry / "cwd")
            except OSError:  # it ended meanwhile, or is not ours to read
                continue
            if b"hub-service" in cmdline and cwd == str(self.service_dir):
                return int(entry.name)
        return None

    def restart_service(self) -> None:
        """Kill the service; JupyterHub starts it again (a managed service). Returns once
        another process answers."""
        before = self.service_pid()
        assert before is not None, "no hub-service process runs"
        os.kill(before, signal.SIGKILL)
        deadline = time.monotonic() + START_TIMEOUT
        while self.service_pid() in (before, None):
            if time.monotonic() > deadline:
                raise TimeoutError("JupyterHub did not start the service again")
            self.hub.pause()
        self.wait_for_service()

    def wait_for_service(self, *, timeout: float = START_TIMEOUT) -> None:
        """Until the service answers through the proxy (a call with no token: 403)."""
        deadline = time.monotonic() + timeout
        with self.api(None) as api:
            while True:
                try:
                    if api.get("api/token").status_code == 403:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("the hub service did not answer:\n" + self.log()[-4000:])
                self.hub.pause()

    def log(self) -> str:
        """The hub's log, which has the service's output too."""
        return self.hub.log_text()

    # -- users' servers -------------------------------------------------------------------------

    def spawn(self, *users: str) -> dict[str, str]:
        """Start each user's default server; their ``JUPYTERHUB_API_TOKEN``s, as the servers
        (and their kernels) have them in their environment."""
        with self.hub.api(timeout=START_TIMEOUT) as api:
            for user in users:
                api.post(f"hub/api/users/{user}/server").raise_for_status()
            deadline = time.monotonic() + START_TIMEOUT
            tokens: dict[str, str] = {}
            while len(tokens) < len(users):
                for user in users:
                    model = api.get(f"hub/api/users/{user}").raise_for_status().json()
                    server = model.get("servers", {}).get("")
                    if user not in tokens and server and server.get("ready"):
                        pid = int(server["state"]["pid"])
                        environ = _environ(pid)
                        tokens[user] = environ["JUPYTERHUB_API_TOKEN"]
                        assert environ["LOOKER_NB_AUTH_HUB_SERVICE_URL"] == self.service_url
                if time.monotonic() > deadline:
                    raise TimeoutError("the servers did not start:\n" + self.log()[-4000:])
                if len(tokens) < len(users):
                    self.hub.pause()
        return tokens


class HubBrowser:
    """A hub user's browser, as httpx: logged in to the hub with the shared password, following
    JupyterHub's OAuth into the service and Looker's pages (the stand-in's robot)."""

    def __init__(self, stack: ServiceHub, user: str, password: str = HUB_PASSWORD) -> None:
        self.stack = stack
        self.user = user
        self.client = httpx.Client(timeout=30.0, trust_env=False, follow_redirects=False)
        page = self.client.get(f"{stack.hub.url}hub/login")
        found = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        assert found is not None, page.text
        response = self.client.post(
            f"{stack.hub.url}hub/login",
            data={"username": user, "password": password, "_xsrf": found.group(1)},
        )
        assert response.status_code == 302, response.text

    def close(self) -> None:
        self.client.close()

    def walk(self, url: str, *, stop_at: str) -> httpx.Response:
        """GET ``url`` and follow redirects on the hub until one leaves for ``stop_at``'s
        origin (returned unfollowed) or a page answers."""
        response = self.client.get(url)
        for _ in range(10):
            if not response.is_redirect:
                return response
            location = urljoin(str(response.url), response.headers["location"])
            if _origin(location) == _origin(stop_at):
                return response
            response = self.client.get(location)
        raise AssertionError(f"too many redirects from {url}")

    def looker_login_url(self, query: str = "") -> str:
        """The service's /login (with ``query``), through JupyterHub's OAuth the first time:
        the Looker authorize URL it redirects to."""
        url = f"{self.stack.service_url}login{query}"
        response = self.walk(url, stop_at=self.stack.looker.web_url)
        assert response.is_redirect, response.text
        return urljoin(str(response.url), response.headers["location"])

    def log_in_to_looker(self, email: str) -> httpx.Response:
        """The whole login: service /login → Looker's pages → the service's /callback."""
        callback = authorize_in_browser(self.looker_login_url(), email=email)
        assert callback.startswith(f"{self.stack.service_url}callback?")
        return self.client.get(callback)


def _environ(pid: int) -> dict[str, str]:
    """A process's environment, as it started with it."""
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = [entry.decode().split("=", 1) for entry in entries if b"=" in entry]
    return {name: value for name, value in pairs}


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


@contextmanager
def service_hub(
    home: Path, proxy: str | None = None, *, config: FakeLookerConfig | None = None
) -> Iterator[ServiceHub]:
    """The Looker stand-in (with ``config``'s knobs) and a hub running the service, the app
    registered for the service's callback; stopped afterwards."""
    proxy = proxy or find_proxy()
    if proxy is None:
        raise RuntimeError(NO_PROXY)
    service_dir = home / "looker-service"
    service_dir.mkdir()
    key = Fernet.generate_key()
    robot_token = Fernet.generate_key().decode()  # any unguessable text
    service_port = free_port()
    with FakeLooker(config or FakeLookerConfig()) as looker:
        hub = Hub(
            home=home,
            port=free_port(),
            hub_port=free_port(),
            proxy_api_port=free_port(),
            proxy=proxy,
            environment={},
        )
        redirect_uri = f"{hub.url}services/{SERVICE}/callback"
        looker.register_app(
            CLIENT_GUID,
            redirect_uri,
            display_name="looker-nb-auth hub service",
            description="Tests of the hub service on a real JupyterHub.",
        )
        environment = {
            "LOOKER_NB_AUTH_BASE_URL": looker.api_url,
            "LOOKER_NB_AUTH_LOOKER_URL": looker.web_url,
            "LOOKER_NB_AUTH_CLIENT_GUID": CLIENT_GUID,
            "LOOKER_NB_AUTH_REDIRECT_URI": redirect_uri,
            "LOOKER_NB_AUTH_HUB_CRYPT_KEY": key.decode(),
        }
        hub.environment["LOOKER_NB_AUTH_HUB_SERVICE_URL"] = f"{hub.url}services/{SERVICE}/"
        hub.extra_config = _EXTRA.format(
            admin=ADMIN,
            admin_password=ADMIN_PASSWORD,
            service_port=service_port,
            python=sys.executable,
            service_dir=str(service_dir),
            environment=environment,
            robot=ROBOT,
            robot_token=robot_token,
        )
        hub.start()
        stack = ServiceHub(hub, looker, service_dir, robot_token, key, service_port)
        try:
            stack.wait_for_service()
            yield stack
        finally:
            hub.stop()


def json_of(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert isinstance(body, dict), json.dumps(body)
    return body
