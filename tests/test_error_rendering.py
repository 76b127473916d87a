"""How the package's errors look where users meet them: one sentence, not a traceback.

A real IPython kernel (started by jupyter_client, as JupyterLab starts one) and a real IPython
terminal run a cell that fails; the error output is counted line by line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.manager import KernelManager
from support import clean_environment

FAILING_CELL = (
    "from looker_nb_auth import LookerSession\n"
    "LookerSession(base_url='https://looker.example', redirect_uri='http://127.0.0.1:1/cb')"
)
SENTENCE = (
    "ConfigurationError: The Looker OAuth client guid (client_guid) is not set: pass client_guid= "
    "to login(), set LOOKERSDK_CLIENT_GUID, add it to looker.ini, or ask your Jupyter admin to "
    "set c.LookerNbAuth.client_guid."
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def kernel(tmp_path: Any) -> Iterator[Any]:
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(tmp_path), env=clean_environment())
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def _error_output(client: Any, code: str) -> list[str]:
    """The traceback lines of the cell's error output, as a notebook shows them."""
    reply = client.execute_interactive(code, timeout=60, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "error"
    return [_ANSI.sub("", line) for line in reply["content"]["traceback"]]


def test_in_a_notebook_an_error_is_its_one_sentence(kernel: Any) -> None:
    assert _error_output(kernel, FAILING_CELL) == [SENTENCE]


def test_the_full_traceback_is_one_switch_away(kernel: Any) -> None:
    lines = _error_output(
        kernel, "import looker_nb_auth; looker_nb_auth.show_tracebacks()\n" + FAILING_CELL
    )
    text = "\n".join(lines)
    assert len(lines) > 3 and "Traceback" in text and "resolve_settings" in text


def test_in_an_ipython_terminal_an_error_is_its_one_sentence(tmp_path: Any) -> None:
    script = tmp_path / "cell.py"
    script.write_text(FAILING_CELL)
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--colors=nocolor", "--no-banner", str(script)],
        capture_output=True, text=True, cwd=tmp_path, env=clean_environment(), timeout=120,
    )  # fmt: skip
    lines = [_ANSI.sub("", line) for line in (out.stdout + out.stderr).splitlines() if line]
    assert lines == [SENTENCE]


def test_a_plain_python_script_keeps_python_s_own_traceback(tmp_path: Any) -> None:
    """Outside IPython nothing is hidden: a script's log shows where the error came from."""
    script = tmp_path / "cell.py"
    script.write_text(FAILING_CELL)
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
        env=clean_environment(), timeout=120,
    )  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.startswith("Traceback")
    assert out.stderr.rstrip().endswith("looker_nb_auth." + SENTENCE)


def test_doctor_runs_in_a_notebook_cell_as_the_docs_say(kernel: Any) -> None:
    """docs/jupyterhub.md: ``%run -m looker_nb_auth doctor``, no PATH needed."""
    printed: list[str] = []

    def keep(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])

    kernel.execute_interactive("%run -m looker_nb_auth doctor", timeout=120, output_hook=keep)
    out = "".join(printed)
    assert "extension:" in out and "settings:" in out and "cache:" in out
