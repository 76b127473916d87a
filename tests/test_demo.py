import subprocess
import sys

import pytest

from looker_nb_auth._cli import main
from looker_nb_auth._demo import run_demo


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
