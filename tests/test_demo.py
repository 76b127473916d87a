import subprocess
import sys

import pytest

from looker_nb_auth.cli.demo import run_demo
from looker_nb_auth.cli.main import main


def test_scripted_demo_logs_in_calls_the_api_and_logs_out() -> None:
    lines: list[str] = []
    assert run_demo(lines.append) == 0
    text = "\n".join(lines)
    assert "logged in as Ada Lovelace (ada@example.com)" in text
    assert "session.sdk.me(): id=1" in text
    assert "Ran look 1:" in text
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


def test_notebook_demo_serves_jupyterlab_with_the_extension_and_stops_on_ctrl_c() -> None:
    import re
    import signal
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "looker_nb_auth", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:  # the demo prints the URL once JupyterLab answers
            match = re.search(
                r"(http://127\.0\.0\.1:\d+/lab/tree/01-getting-started\.ipynb\S+)", line
            )
            if match:
                url = match.group(1)
                break
        assert url is not None, "the demo did not print the URL to open"
        token = url.split("token=")[1]
        headers = {"Authorization": f"token {token}"}
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(url, trust_env=False).status_code == 200
        contents = httpx.get(f"{base}/api/contents", headers=headers, trust_env=False).json()
        assert "01-getting-started.ipynb" in [item["name"] for item in contents["content"]]
        callback = httpx.get(f"{base}/looker-nb-auth/callback?state=x&code=y", headers=headers)
        assert callback.status_code == 400  # the extension is loaded (and refuses an unknown state)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        if process.stdout is not None:
            process.stdout.close()
