"""The README: `LOOKER_NB_AUTH_TRACEBACKS=1` in the kernel's environment brings the full
tracebacks back (a real IPython kernel, started by jupyter_client as JupyterLab starts one)."""

from __future__ import annotations

import re
from pathlib import Path

from jupyter_client.manager import KernelManager
from support import clean_environment

FAILING_CELL = (
    "from looker_nb_auth import LookerSession\n"
    "LookerSession(base_url='https://looker.example', redirect_uri='http://127.0.0.1:1/cb')"
)


def test_looker_nb_auth_tracebacks_1_in_the_kernel_s_environment_shows_full_tracebacks(
    tmp_path: Path,
) -> None:
    manager = KernelManager(kernel_name="python3")
    env = clean_environment(LOOKER_NB_AUTH_TRACEBACKS="1")
    manager.start_kernel(cwd=str(tmp_path), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(FAILING_CELL, timeout=60, output_hook=lambda msg: None)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "error"
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in reply["content"]["traceback"]]
    text = "\n".join(lines)
    assert len(lines) > 3 and "resolve_settings" in text
    assert "The Looker OAuth client guid (client_guid) is not set" in text
