"""A real JupyterHub on loopback for the browser tests: configurable-http-proxy from npm, a
shared-password authenticator and a local process spawner, configured the way docs/jupyterhub.md
tells an admin to (one Looker OAuth app, its redirect URI the hub's user-redirect URL).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar
from urllib.parse import quote, urlsplit

import httpx
import pytest

from .helpers import ServerProcess, _clean_environment, _user_settings

__all__ = ["HUB_PASSWORD", "NO_PROXY", "Hub", "HubUser", "find_proxy", "require_proxy"]

HUB_PASSWORD = "hub-password-for-tests"  # SharedPasswordAuthenticator wants 8+ characters
VENV_BIN = Path(sys.executable).parent
#: Where `make test` installs configurable-http-proxy (npm install --prefix .venv/node).
NPM_PREFIX = VENV_BIN.parent / "node"


def find_proxy() -> str | None:
    """The configurable-http-proxy executable: $LOOKER_NB_AUTH_CHP, .venv/node, or $PATH."""
    candidates = [
        os.environ.get("LOOKER_NB_AUTH_CHP", ""),
        str(NPM_PREFIX / "node_modules" / ".bin" / "configurable-http-proxy"),
        shutil.which("configurable-http-proxy") or "",
    ]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


NO_PROXY = (
    "configurable-http-proxy is not installed: `make test` installs it with "
    "npm install --prefix .venv/node configurable-http-proxy (or set LOOKER_NB_AUTH_CHP)"
)


def require_proxy() -> str:
    """The proxy for a test's hub: the test skips, saying why, when Node.js is missing, and
    fails when Node.js is there but the proxy is not."""
    if shutil.which("node") is None:
        pytest.skip(
            "Node.js is missing, and JupyterHub's configurable-http-proxy needs it: "
            "apt-get install nodejs npm, then make test"
        )
    proxy = find_proxy()
    if proxy is None:
        pytest.fail(NO_PROXY)
    return proxy


_CONFIG = """\
import json
c = get_config()  # noqa: F821
settings = json.loads({settings!r})
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.base_url = settings["base_path"]
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = "sqlite:///" + settings["home"] + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = settings["home"] + "/cookie_secret"
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%d" % settings["proxy_api_port"]
c.ConfigurableHTTPProxy.pid_file = settings["home"] + "/proxy.pid"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = settings["password"]
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = settings["home"] + "/users/{{username}}"
c.Spawner.cmd = [settings["singleuser"]]
c.Spawner.args = settings["spawner_args"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = settings["environment"]
c.JupyterHub.services = [{{"name": "tests", "api_token": settings["api_token"]}}]
# The recommended extras (docs/jupyterhub.md): the hook needs looker-nb-auth in the hub's env.
from looker_nb_auth.jupyterhub import user_redirect_hook
c.JupyterHub.user_redirect_hook = user_redirect_hook
c.JupyterHub.allow_named_servers = True
c.JupyterHub.load_roles = [
    {{
        "name": "tests",
        "scopes": ["admin:users", "admin:servers", "access:servers"],
        "services": ["tests"],
    }}
]
{extra}
"""


@dataclass
class Hub(ServerProcess):
    """``jupyterhub`` (and the proxy it starts) in a fresh directory."""

    name: ClassVar[str] = "jupyterhub"
    stop_timeout: ClassVar[float] = 60.0  # it stops every server it spawned first

    home: Path
    port: int
    hub_port: int
    proxy_api_port: int
    proxy: str
    environment: dict[str, str]
    extra_config: str = ""
    #: Under a prefix, as z2jh's hub.baseUrl does, so that every URL we compute must keep it.
    base_path: str = "/jhub/"
    api_token: str = field(default_factory=lambda: secrets.token_hex(24))
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    @property
    def redirect_uri(self) -> str:
        """The one redirect URI registered in Looker for every user of this hub."""
        return f"{self.url}hub/user-redirect/looker-nb-auth/callback"

    @property
    def log_path(self) -> Path:
        return self.home / "jupyterhub.log"

    def user(self, name: str, server_name: str = "") -> HubUser:
        return HubUser(self, name, server_name)

    def start(self, *, timeout: float = 90.0) -> None:
        (self.home / "users").mkdir(parents=True, exist_ok=True)
        spawner_args = ["--ServerApp.allow_unauthenticated_access=False"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            spawner_args.append("--allow-root")  # containers and CI often run as root
        settings: dict[str, Any] = {
            "port": self.port,
            "base_path": self.base_path,
            "hub_port": self.hub_port,
            "proxy_api_port": self.proxy_api_port,
            "proxy": self.proxy,
            "home": str(self.home),
            "password": HUB_PASSWORD,
            "singleuser": str(VENV_BIN / "jupyterhub-singleuser"),
            "spawner_args": spawner_args,
            "environment": self.environment,
            "api_token": self.api_token,
        }
        config = self.home / "jupyterhub_config.py"
        config.write_text(
            _CONFIG.format(settings=json.dumps(settings), extra=self.extra_config),
            encoding="utf-8",
        )
        env = _clean_environment({"JUPYTER_CONFIG_DIR": self.home / "hub-config"})
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"  # node, the proxy
        self._launch(
            [str(VENV_BIN / "jupyterhub"), "-f", str(config)],
            env=env,
            cwd=self.home,
            ready_path="hub/api/",
            timeout=timeout,
        )

    def api(self, *, timeout: float = 30.0) -> httpx.Client:
        """The hub's REST API (and users' servers) as the test service."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"token {self.api_token}"},
            timeout=timeout,
            trust_env=False,
        )

    def pause(self) -> None:
        """A poll's interval while waiting for the hub, cut short if the hub exits."""
        process = self.process
        assert process is not None
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:  # still running
            return
        raise RuntimeError("jupyterhub exited:\n" + self.log_text()[-4000:])


@dataclass
class HubUser:
    """One hub user's server (the default one, or a named one), with what
    ``e2e.helpers.Notebook`` needs of a server."""

    hub: Hub
    name: str
    server_name: str = ""
    ui: str = "lab"

    @property
    def home(self) -> Path:
        return self.hub.home / "users" / self.name

    @property
    def root_dir(self) -> Path:
        return self.home

    @property
    def path(self) -> str:
        """The server's path under the hub's URL, e.g. ``user/ada/`` or ``user/ada/second/``."""
        return f"user/{self.name}/" + (f"{self.server_name}/" if self.server_name else "")

    @property
    def url(self) -> str:
        return self.hub.url + self.path

    @property
    def _api_path(self) -> str:
        """The hub's REST API for this server."""
        if self.server_name:
            return f"hub/api/users/{self.name}/servers/{self.server_name}"
        return f"hub/api/users/{self.name}/server"

    @property
    def callback_url(self) -> str:
        """Where the hub's user-redirect sends this user's callback."""
        return f"{self.url}looker-nb-auth/callback"

    @property
    def log_text_path(self) -> Path:
        return self.hub.log_path

    def log_text(self) -> str:
        return self.hub.log_text()

    def prepare_home(self) -> None:
        """JupyterLab user settings the page helpers rely on, before the server first starts."""
        for plugin, values in _user_settings().items():
            target = self.home / ".jupyter" / "lab" / "user-settings" / plugin
            target = target.with_name(target.name + ".jupyterlab-settings")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values, indent=2), encoding="utf-8")

    def page_url(self, notebook: str, *, workspace: str) -> str:
        """Through the hub, as a shared link would: the hub spawns a stopped server first
        (``user-redirect`` for the default server, ``/hub/spawn/NAME/SERVER?next=`` for a named
        one)."""
        page = f"lab/workspaces/{workspace}/tree/{notebook}"
        if not self.server_name:
            return f"{self.hub.url}hub/user-redirect/{page}"
        next_url = quote(urlsplit(self.url).path + page, safe="")
        return f"{self.hub.url}hub/spawn/{self.name}/{self.server_name}?next={next_url}"

    def server(self) -> Mapping[str, Any] | None:
        """The hub's model of this user's default server (``None`` when it is not running)."""
        with self.hub.api() as api:
            response = api.get(f"hub/api/users/{self.name}")
        if response.status_code == 404:  # not a hub user until the first login
            return None
        model = response.raise_for_status().json()
        server: Mapping[str, Any] | None = model.get("servers", {}).get(self.server_name)
        return server if server and server.get("ready") else None

    def stop_server(self, *, timeout: float = 60.0) -> None:
        """Stop the server and wait until the hub says it is gone."""
        deadline = time.monotonic() + timeout
        with self.hub.api() as api:
            response = api.delete(self._api_path)
            assert response.status_code in (202, 204), response.text
            while True:
                model = api.get(f"hub/api/users/{self.name}").raise_for_status().json()
                if self.server_name not in model.get("servers", {}):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name}'s server did not stop in {timeout:g} s")
                self.hub.pause()

    def wait_for_kernel(self, path: str, *, timeout: float = 60.0) -> None:
        """Until the notebook's session has a kernel with a browser connected to it."""
        deadline = time.monotonic() + timeout
        with self.hub.api() as api:
            while True:
                response = api.get(f"{self.path}api/sessions")
                if response.status_code == 200:
                    sessions = response.json()
                    kernels = [
                        s["kernel"] for s in sessions if s.get("path") == path and s["kernel"]
                    ]
                    if any(k.get("connections", 0) > 0 for k in kernels):
                        return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no kernel connected for {path} within {timeout:g} s")
                self.hub.pause()

    def shutdown_kernels(self) -> None:
        if self.server() is None:
            return
        with self.hub.api() as api:
            for session in api.get(f"{self.path}api/sessions").json():
                api.delete(f"{self.path}api/sessions/{session['id']}")
