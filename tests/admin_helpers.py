"""Helpers for the ``register`` and ``doctor`` tests: a clean environment, the stand-in's admin
API, the real console script, and a real ``jupyter server`` whose "kernels" run commands."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import CLIENT_GUID, REDIRECT_URI

from looker_nb_auth.fake_looker import FakeLooker

_OURS = ("LOOKERSDK_", "LOOKER_NB_AUTH_", "JUPYTER_CONFIG_PATH")
STATUS_LINE = re.compile(r"^(ok|warn|skip|FAIL)\s+(\w+): (.*)$")


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LOOKERSDK_* / LOOKER_NB_AUTH_* from outside, the cwd (looker.ini) and the token cache
    in ``tmp_path``, and the extension enabled in a Jupyter config of our own; returns that
    config directory."""
    for name in list(os.environ):
        if name.startswith(_OURS):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("LOOKER_NB_AUTH_CACHE_DIR", str(tmp_path / "cache"))
    config = tmp_path / "jupyter-config"
    set_extension_enabled(config, enabled=True)
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(config))  # searched before any other
    return config


def set_extension_enabled(config_dir: Path, *, enabled: bool) -> None:
    """What ``jupyter server extension enable/disable looker_nb_auth`` writes."""
    path = config_dir / "jupyter_server_config.d" / "looker_nb_auth.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ServerApp": {"jpserver_extensions": {"looker_nb_auth": enabled}}}))


def hide_looker_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import looker_sdk...`` fail as it does where looker_sdk is not installed, and
    forget the admin client's looker_sdk module so that the next connection imports it again."""
    for name in [m for m in sys.modules if m == "looker_sdk" or m.startswith("looker_sdk.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "looker_sdk", None)
    monkeypatch.delitem(sys.modules, "looker_nb_auth.cli._admin_sdk", raising=False)


def use_admin(monkeypatch: pytest.MonkeyPatch, looker: FakeLooker) -> None:
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", looker.config.admin_client_id)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", looker.config.admin_client_secret)


def use_settings(
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    *,
    client_guid: str = CLIENT_GUID,
    redirect_uri: str = REDIRECT_URI,
) -> None:
    monkeypatch.setenv("LOOKERSDK_BASE_URL", base_url)
    monkeypatch.setenv("LOOKERSDK_CLIENT_GUID", client_guid)
    monkeypatch.setenv("LOOKERSDK_REDIRECT_URI", redirect_uri)


def closed_port_url() -> str:
    """A loopback URL nobody listens on (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def statuses(output: str) -> dict[str, str]:
    """``{check name: status}`` from doctor's output."""
    found = {}
    for line in output.splitlines():
        if match := STATUS_LINE.match(line):
            found[match[2]] = match[1]
    return found


def admin_get_app(looker: FakeLooker, client_guid: str) -> dict[str, Any] | None:
    """The app as the stand-in's admin API returns it, or None (404)."""
    with httpx.Client(base_url=looker.api_url, trust_env=False) as client:
        login = client.post(
            "/api/4.0/login",
            data={
                "client_id": looker.config.admin_client_id,
                "client_secret": looker.config.admin_client_secret,
            },
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        response = client.get(f"/api/4.0/oauth_client_apps/{client_guid}", headers=headers)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    app: dict[str, Any] = response.json()
    return app


def app_writes(looker: FakeLooker) -> list[tuple[str, str]]:
    """POST/PATCH requests to the app endpoints so far."""
    return [
        (method, path)
        for method, path in looker.requests
        if method in ("POST", "PATCH") and path.startswith("/api/4.0/oauth_client_apps")
    ]


def console_script() -> list[str]:
    """The installed ``looker-nb-auth`` script of this venv (else ``python -m looker_nb_auth``)."""
    script = Path(sys.executable).parent / "looker-nb-auth"
    return [str(script)] if script.exists() else [sys.executable, "-m", "looker_nb_auth"]
