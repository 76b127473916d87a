"""A real ``jupyter server`` process on port 0: its start hook runs once the port is bound, so its
kernels inherit a URL with that port, and a secret that works there and nowhere else."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_process import JupyterServer, Kernel, jupyter_server
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from looker_nb_auth._errors import LookerAuthError
from looker_nb_auth._protocol import (
    CERT_ENV,
    DEFAULTS_ENV,
    SECRET_ENV,
    SECRET_HEADER,
    SERVER_URL_ENV,
)
from looker_nb_auth.client.pickup import ExtensionClient
from looker_nb_auth.oauth.state import new_state

from .helpers import Routes


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[JupyterServer]:
    """On the wildcard address, which kernels must turn into loopback."""
    config = ["--LookerNbAuth.client_guid=real-server"]
    kernels = {"envdump": Kernel()}
    with jupyter_server(tmp_path, {}, kernels, ip="0.0.0.0", extra_args=config) as server:
        yield server


async def fetch(url: str, **kwargs: object) -> HTTPResponse:
    client = AsyncHTTPClient(force_instance=True)
    try:
        response: HTTPResponse = await client.fetch(url, raise_error=False, **kwargs)
        return response
    finally:
        client.close()


async def test_kernels_of_a_real_server_inherit_a_working_url_and_secret(
    server_process: JupyterServer, routes: Routes
) -> None:
    url = server_process.url  # logged by the start hook, which alone exports (test_loading)
    assert url.startswith("http://127.0.0.1:")
    assert not url.startswith("http://127.0.0.1:0/")
    # ServerApp._post_start awaited _start_jupyter_server_extension, and it returned: a hook that
    # raised would be logged as "failed starting" instead, and one not found would export nothing.
    server_process.wait_for("looker_nb_auth | extension was successfully started.", logged=True)
    inherited = server_process.run("envdump")
    assert inherited[SERVER_URL_ENV] == url
    assert json.loads(inherited[DEFAULTS_ENV])["client_guid"] == "real-server"
    secret = inherited[SECRET_ENV]

    state = new_state()
    pending = f"{url}looker-nb-auth/pending"
    body = json.dumps({"state": state})
    # its own secret works there
    mine = await fetch(pending, method="POST", body=body, headers={SECRET_HEADER: secret})
    assert mine.code == 201
    # another server's secret does not, either way round
    theirs = await fetch(pending, method="POST", body=body, headers={SECRET_HEADER: routes.secret})
    assert theirs.code == 403
    assert secret != routes.secret
    crossed = await routes.fetch(
        "POST", "pending", body={"state": state}, auth="anonymous", headers={SECRET_HEADER: secret}
    )
    assert crossed.code == 403


@pytest.fixture
def tls_server_process(tmp_path: Path) -> Iterator[JupyterServer]:
    """The same server with TLS: a self-signed certificate for a name that is not 127.0.0.1."""
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=jupyter.example", "-addext", "subjectAltName=DNS:jupyter.example",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    tls = [f"--ServerApp.certfile={cert}", f"--ServerApp.keyfile={key}"]
    with jupyter_server(tmp_path, {}, {"envdump": Kernel()}, extra_args=tls) as server:
        yield server


def test_kernels_of_a_tls_server_pin_its_certificate(tls_server_process: JupyterServer) -> None:
    """With TLS the kernel reaches https://127.0.0.1:PORT, a name the certificate lacks: it
    trusts the server's own certificate file, exported to it, and nothing else."""
    url = tls_server_process.url
    assert url.startswith("https://127.0.0.1:")
    inherited = tls_server_process.run("envdump")
    assert inherited[CERT_ENV].endswith("server.crt")

    client = ExtensionClient.from_environment(inherited)
    assert client is not None
    state = new_state()
    client.register(state)  # a TLS handshake that verified the pinned certificate
    client.forget(state)
    client.close()

    # Without the pin, the same request fails verification: the pin is what makes it work.
    unpinned = ExtensionClient(inherited[SERVER_URL_ENV], inherited[SECRET_ENV])
    with pytest.raises(LookerAuthError, match="could not reach its Jupyter server"):
        unpinned.register(new_state())
    unpinned.close()
    # And a certificate file that cannot be read is one clear sentence.
    with pytest.raises(LookerAuthError, match="cannot read its Jupyter server's certificate"):
        ExtensionClient(url, "s", server_cert=str(Path(inherited[CERT_ENV]).with_name("nope")))
