"""What a pip user gets: the built wheel in a fresh virtual environment with the [demo] extra.

``make test`` runs this module on its own (after the unit tests): it builds the wheel from this
checkout, installs ``looker_nb_auth-*.whl[demo]`` into a new venv from the package index, and runs
the demo from there, so a file missing from the wheel or a dependency missing from the extra
fails here, not on a user's machine.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from support import started_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("wheel")
    dist = where / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("looker_nb_auth-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True)
    python = where / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[demo]"], check=True)
    return where / "venv"


def test_the_wheel_installs_the_extension_the_notebooks_and_the_widget(venv: Path) -> None:
    config = venv / "etc" / "jupyter" / "jupyter_server_config.d" / "looker_nb_auth.json"
    assert config.is_file(), "the server extension is not enabled by the wheel"
    package = next((venv / "lib").glob("python3*/site-packages/looker_nb_auth"))
    assert (package / "notebooks" / "01-getting-started.ipynb").is_file()
    assert (package / "static" / "widget.js").is_file()
    assert (package / "py.typed").is_file()
    extensions = subprocess.run(
        [str(venv / "bin" / "jupyter"), "server", "extension", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = re.sub(r"\x1b\[[0-9;]*m", "", extensions.stdout + extensions.stderr)  # colours
    assert "looker_nb_auth enabled" in listed
    assert re.search(r"looker_nb_auth \S+ OK", listed), listed


def test_the_scripted_demo_from_the_wheel_ends_in_a_dataframe(venv: Path) -> None:
    result = subprocess.run(
        [str(venv / "bin" / "looker-nb-auth"), "demo", "--scripted"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ran look 1: 4 rows, as a pandas DataFrame:" in result.stdout
    assert "orders.region  orders.count  orders.total_sale_price" in result.stdout


def test_the_notebook_demo_from_the_wheel_serves_the_tutorial_and_stops(venv: Path) -> None:
    with started_demo([str(venv / "bin" / "looker-nb-auth"), "demo"]) as demo:
        assert httpx.get(demo.url, trust_env=False).status_code == 200
        notebook = httpx.get(
            f"{demo.base}/api/contents/01-getting-started.ipynb",
            headers=demo.headers,
            trust_env=False,
        )
        assert notebook.status_code == 200
        # what the tutorial's cells import, in the kernel's Python (the venv's)
        check = "import pandas, pyarrow, polars, matplotlib, looker_sdk, looker_nb_auth"
        subprocess.run([str(venv / "bin" / "python"), "-c", check], check=True)
        demo.process.send_signal(signal.SIGINT)
        assert demo.process.wait(timeout=60) == 0
