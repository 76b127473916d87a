from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import Demo, PtyCommand, started_demo

from looker_nb_auth.cli.demo import run_demo
from looker_nb_auth.cli.main import main


def test_scripted_demo_logs_in_calls_the_api_and_logs_out() -> None:
    lines: list[str] = []
    assert run_demo(lines.append) == 0
    text = "\n".join(lines)
    assert "logged in as Ada Lovelace (ada@example.com)" in text
    assert "session.sdk.me(): id=1" in text
    assert "Ran look 1: 4 rows, as a pandas DataFrame:" in text
    assert "orders.region  orders.count" in text
    assert "GET user answered 200" in text
    assert text.endswith("(logged in: False)")
    assert "code=" not in text


def test_cli_lists_its_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "looker_nb_auth", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "fake-looker" in result.stdout and "demo" in result.stdout


def test_cli_fake_looker_help_reaches_the_stand_in(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["fake-looker", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--redirect-uri" in out and "--omit-refresh-token" in out


def test_help_says_the_demo_serves_the_three_tutorials(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = " ".join(capsys.readouterr().out.split())  # argparse wraps the help's lines
    assert "demo run the Looker stand-in and JupyterLab with the three tutorial notebooks" in listed
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    described = " ".join(capsys.readouterr().out.split())
    assert "01-getting-started.ipynb, 02-dataframes.ipynb and 03-explore.ipynb" in described


@pytest.mark.parametrize("option", ["--port", "--looker-port"])
def test_a_taken_port_is_named_with_its_fix(option: str, tmp_path: Path) -> None:
    with socket.socket() as holder:  # another program listens there
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        demo = PtyCommand(
            [sys.executable, "-m", "looker_nb_auth", "demo", option, str(port)],
            dict(os.environ),
            tmp_path,
        )
        try:
            assert demo.finish() == 1
        finally:
            demo.close()
    assert demo.output == (
        f"Port {port} on 127.0.0.1 is in use by another program; pass another {option} or stop "
        "that program.\n"
    )


def run_blocked(argv: list[str], blocked: list[str]) -> subprocess.CompletedProcess[str]:
    """The CLI in a Python where ``blocked`` modules are not installed (``sys.modules[name] =
    None`` is Python's own way to make an import fail as for a missing package)."""
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "from looker_nb_auth.cli.main import main\n"
        f"raise SystemExit(main({argv!r}))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_scripted_demo_without_the_sdk_says_what_to_install_without_a_traceback() -> None:
    result = run_blocked(["demo", "--scripted"], ["looker_sdk"])
    assert result.returncode == 1
    assert result.stdout == (
        "The demo needs the Looker SDK, which is not installed here; run "
        "pip install 'looker-nb-auth[demo]' and start it again.\n"
    )
    assert "Traceback" not in result.stderr


def test_notebook_demo_without_jupyterlab_names_everything_missing_up_front() -> None:
    result = run_blocked(["demo"], ["jupyterlab", "pandas"])
    assert result.returncode == 1
    assert result.stdout == (
        "The demo needs JupyterLab and pandas, which are not installed here; run "
        "pip install 'looker-nb-auth[demo]' and start it again.\n"
    )


@pytest.fixture
def demo() -> Iterator[Demo]:
    """``looker-nb-auth demo`` on a terminal of its own, in its own process group."""
    with started_demo([sys.executable, "-m", "looker_nb_auth", "demo"]) as running:
        yield running


def test_notebook_demo_serves_jupyterlab_with_the_extension_and_stops_on_ctrl_c(
    demo: Demo,
) -> None:
    assert httpx.get(demo.url, trust_env=False).status_code == 200
    contents = httpx.get(f"{demo.base}/api/contents", headers=demo.headers, trust_env=False)
    names = sorted(item["name"] for item in contents.json()["content"])
    assert names == [  # and no log file
        "01-getting-started.ipynb",
        "02-dataframes.ipynb",
        "03-explore.ipynb",
    ]
    callback = httpx.get(
        f"{demo.base}/looker-nb-auth/callback?state=x&code=y", headers=demo.headers
    )
    assert callback.status_code == 400  # the extension is loaded (and refuses an unknown state)
    news = httpx.get(
        f"{demo.base}/lab/api/settings/@jupyterlab/apputils-extension:notification",
        headers=demo.headers,
        trust_env=False,
    ).json()
    defaults = news["schema"]["properties"]  # overrides.json changes the defaults
    assert defaults["fetchNews"]["default"] == "false"  # no "Jupyter news" toast in the demo
    assert defaults["checkForUpdates"]["default"] is False
    os.killpg(demo.process.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole group
    assert demo.process.wait(timeout=60) == 0
    rest = "".join(demo.terminal.lines())
    assert "Stopping." in rest
    assert "Shut down this Jupyter server" not in rest  # JupyterLab never saw the Ctrl-C
    assert not demo.folder.exists()


def kernel_processes(kernel_id: str) -> list[int]:
    """Processes whose command line names the kernel's connection file (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if kernel_id.encode() in command:
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_stops_jupyterlab_and_its_kernels(demo: Demo, signum: int) -> None:
    started = httpx.post(
        f"{demo.base}/api/kernels", headers=demo.headers, json={"name": "python3"}, timeout=60
    )
    assert started.status_code == 201, started.text
    kernel = started.json()["id"]
    assert kernel_processes(kernel)
    demo.process.send_signal(signum)  # to the demo alone, as a service manager does
    assert demo.process.wait(timeout=60) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{demo.base}/api/status", headers=demo.headers, trust_env=False)
    assert kernel_processes(kernel) == []
    assert not demo.folder.exists()
