"""The README's "Install" paragraph on `looker-nb-auth demo`: JupyterLab on port 8888 by
default, and a stand-in whose login is the one the demo prints (ada@example.com / looker-demo)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest
from support import CLIENT_GUID, REDIRECT_URI, PtyCommand

from looker_nb_auth import LookerSession
from looker_nb_auth.fake_looker import (
    FakeLooker,
    FakeLookerConfig,
    RobotError,
    authorize_in_browser,
)


def test_the_demo_listens_on_port_8888_unless_told_otherwise(tmp_path: Path) -> None:
    """Shown without starting anything: with 8888 taken (here, or already by another program),
    the demo run without --port names 8888 before it starts anything."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the demo binds
        try:
            holder.bind(("127.0.0.1", 8888))
            holder.listen()
        except OSError:
            pass  # another program listens there already: the demo must say so all the same
        demo = PtyCommand(
            [sys.executable, "-m", "looker_nb_auth", "demo"], dict(os.environ), tmp_path
        )
        try:
            assert demo.finish() == 1
        finally:
            demo.close()
    assert demo.output == (
        "Port 8888 on 127.0.0.1 is in use by another program; pass another --port or stop that "
        "program.\n"
    )


def test_the_demo_s_stand_in_logs_in_ada_with_the_password_it_prints() -> None:
    with FakeLooker(FakeLookerConfig.for_tutorials()).start(port=0) as looker:
        looker.register_app(CLIENT_GUID, REDIRECT_URI)
        with LookerSession(
            base_url=looker.api_url, client_guid=CLIENT_GUID, redirect_uri=REDIRECT_URI
        ) as session:
            url = session.start_login().url
            with pytest.raises(RobotError):
                authorize_in_browser(url, email="ada@example.com", password="not-the-password")
            redirected = authorize_in_browser(url, email="ada@example.com", password="looker-demo")
            assert session.complete_login(redirected).email == "ada@example.com"
