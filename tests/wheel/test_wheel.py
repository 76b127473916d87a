"""What a pip user gets: the built wheel in a fresh virtual environment with the [demo] extra.

``make test`` runs this module on its own (after the unit tests): it builds the wheel from this
checkout, installs ``looker_nb_auth-*.whl[demo]`` into a new venv from the package index, and runs
the demo from there, so a file missing from the wheel or a dependency missing from the extra
fails here, not on a user's machine. The wheel carries the front end built (``js/`` into
``static/``); installing it and running the demo happen with no Node on ``PATH``, as for a pip
user.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest
from support import started_demo

ROOT = Path(__file__).resolve().parents[2]
#: The front end as built from js/ (npm run build): git-ignored, so only the build puts it in.
BUILT = ("widget.js", "widget.css", "callback.js", "callback.css")
#: What a machine with Node has on PATH, and a pip user's may not.
NODE = ("node", "nodejs", "npm", "npx", "corepack", "yarn", "yarnpkg", "pnpm", "pnpx")


@pytest.fixture(scope="module")
def no_node(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PATH with every program of this one but Node's: one folder of links to them."""
    folder = tmp_path_factory.mktemp("path-without-node")
    for entry in os.environ["PATH"].split(os.pathsep):
        if not Path(entry).is_dir():
            continue
        for program in Path(entry).iterdir():
            link = folder / program.name
            if program.name not in NODE and not link.exists() and os.access(program, os.X_OK):
                link.symlink_to(program)
    path = str(folder)
    assert all(shutil.which(name, path=path) is None for name in NODE)
    assert shutil.which("sh", path=path) is not None
    return path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout (the build hook runs npm only if static/ is missing)."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (built,) = dist.glob("looker_nb_auth-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path, no_node: str) -> Path:
    where = tmp_path_factory.mktemp("wheel") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    subprocess.run(
        [str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{wheel}[demo]"],
        check=True,
        env={**os.environ, "PATH": no_node},
    )
    return where


def test_the_wheel_carries_the_built_front_end(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in BUILT:
            assert f"looker_nb_auth/static/{name}" in names, f"static/{name} is not in the wheel"
            assert archive.getinfo(f"looker_nb_auth/static/{name}").file_size > 0
        assert not {n for n in names if n.startswith("js/") or "node_modules" in n}


def test_the_wheel_carries_every_tutorial(wheel: Path) -> None:
    tutorials = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = sorted(
            name.removeprefix("looker_nb_auth/notebooks/")
            for name in archive.namelist()
            if name.startswith("looker_nb_auth/notebooks/") and name.endswith(".ipynb")
        )
    assert shipped == tutorials  # `looker-nb-auth demo` copies each of them


def test_the_wheel_installs_the_extension_the_notebooks_and_the_widget(venv: Path) -> None:
    config = venv / "etc" / "jupyter" / "jupyter_server_config.d" / "looker_nb_auth.json"
    assert config.is_file(), "the server extension is not enabled by the wheel"
    package = next((venv / "lib").glob("python3*/site-packages/looker_nb_auth"))
    assert (package / "notebooks" / "01-getting-started.ipynb").is_file()
    for name in BUILT:
        assert (package / "static" / name).is_file(), name
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


def test_the_widget_and_the_callback_page_use_the_built_files(venv: Path, no_node: str) -> None:
    check = (
        "from looker_nb_auth.notebook.widget import LoginWidget\n"
        "from looker_nb_auth._callback_page import Page\n"
        "assert 'export' in str(LoginWidget._esm) and '.looker-nb-auth' in str(LoginWidget._css)\n"
        "page = Page(200, ok=True, title='t', state='s').html()\n"
        "assert 'history.replaceState' in page and 'data-channel=' in page and '--card' in page\n"
    )
    subprocess.run(
        [str(venv / "bin" / "python"), "-c", check], check=True, env={**os.environ, "PATH": no_node}
    )


def test_the_scripted_demo_from_the_wheel_ends_in_a_dataframe(venv: Path, no_node: str) -> None:
    result = subprocess.run(
        [str(venv / "bin" / "looker-nb-auth"), "demo", "--scripted"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": no_node},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ran look 1: 4 rows, as a pandas DataFrame:" in result.stdout
    assert "orders.region  orders.count  orders.total_sale_price" in result.stdout


def test_the_notebook_demo_from_the_wheel_serves_the_tutorial_and_stops(
    venv: Path, no_node: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", no_node)  # the demo, JupyterLab and the kernel run without Node
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
