"""``looker-nb-auth hub-service``: what the admin runs (and JupyterHub starts)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from support import clean_environment, free_port

from looker_nb_auth._secret import Secret
from looker_nb_auth.client.user import LookerUser
from looker_nb_auth.hub.store import LoginStore
from looker_nb_auth.oauth.token import Token

COMMAND = [sys.executable, "-m", "looker_nb_auth", "hub-service"]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_rotate_keys_re_encrypts_every_login(store: LoginStore, db_file: Path, key: bytes) -> None:
    ada = LookerUser("1", "Ada Lovelace", "ada@example.com")
    store.save("ada", Token(Secret("access"), Secret("refresh"), 3600.0, 0.0), ada)
    new = Fernet.generate_key()
    done = run(
        "--rotate-keys",
        LOOKER_NB_AUTH_HUB_DB_URL=f"sqlite:///{db_file}",
        LOOKER_NB_AUTH_HUB_CRYPT_KEY=f"{new.decode()};{key.decode()}",
    )
    assert done.returncode == 0, done.stderr
    assert "Re-encrypted 1 Looker logins" in done.stdout
    assert store.get("ada") is None  # the old key alone no longer opens it
    rotated = LoginStore(f"sqlite:///{db_file}", [new])
    try:
        login = rotated.get("ada")
    finally:
        rotated.close()
    assert login is not None and login.token.refresh_token == Secret("refresh")


def test_a_missing_setting_is_one_sentence_and_exit_code_2(tmp_path: Path) -> None:
    done = run(
        LOOKER_NB_AUTH_CLIENT_GUID="guid",
        LOOKER_NB_AUTH_REDIRECT_URI="https://hub.example/services/looker/callback",
        LOOKER_NB_AUTH_HUB_CRYPT_KEY=Fernet.generate_key().decode(),
        JUPYTERHUB_SERVICE_URL="http://127.0.0.1:10101",
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "looker-nb-auth hub-service: LOOKER_NB_AUTH_BASE_URL (Looker API URL) is not set; set "
        "it in the service's environment in jupyterhub_config.py (c.JupyterHub.services)."
    )


def test_a_bad_key_is_one_sentence_and_exit_code_2() -> None:
    done = run(
        LOOKER_NB_AUTH_BASE_URL="https://looker.example",
        LOOKER_NB_AUTH_CLIENT_GUID="guid",
        LOOKER_NB_AUTH_REDIRECT_URI="https://hub.example/services/looker/callback",
        LOOKER_NB_AUTH_HUB_CRYPT_KEY="not-a-key",
        JUPYTERHUB_SERVICE_URL="http://127.0.0.1:10101",
    )
    assert done.returncode == 2
    assert "Key 1 of LOOKER_NB_AUTH_HUB_CRYPT_KEY is not a Fernet key" in done.stderr
    assert "not-a-key" not in done.stderr


def test_ip_sets_the_address_it_listens_on(tmp_path: Path) -> None:
    """On Kubernetes the service's url names the hub's Service; --ip 0.0.0.0 listens anyway.
    Here the url names a host no interface has, and --ip 127.0.0.1 is where it answers."""
    port = free_port()
    env = clean_environment(
        LOOKER_NB_AUTH_BASE_URL="https://looker.example",
        LOOKER_NB_AUTH_CLIENT_GUID="guid",
        LOOKER_NB_AUTH_REDIRECT_URI="https://hub.example/services/looker/callback",
        LOOKER_NB_AUTH_HUB_CRYPT_KEY=Fernet.generate_key().decode(),
        LOOKER_NB_AUTH_HUB_DB_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
        JUPYTERHUB_SERVICE_URL=f"http://hub.invalid:{port}",
        JUPYTERHUB_SERVICE_PREFIX="/services/looker/",
    )
    service = subprocess.Popen(
        [*COMMAND, "--ip", "127.0.0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert service.poll() is None, service.communicate()[1]
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/services/looker/api/token", trust_env=False
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not listen on 127.0.0.1"
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.wait(0.1)  # the poll interval, cut short if it exits
        assert answer.status_code == 403  # no token: nobody
    finally:
        service.kill()
        service.communicate()
