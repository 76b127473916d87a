"""What the docs tell admins to write works as written (read from the docs themselves)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jupyter_process import Kernel, jupyter_server

REPO = Path(__file__).resolve().parents[1]
HUB_GUIDE = REPO / "docs" / "jupyterhub.md"


def _json_block_after(text: str, marker: str) -> dict[str, object]:
    start = text.index(marker)
    block = re.search(r"```json\n(.*?)```", text[start:], re.S)
    assert block is not None, f"no JSON block after {marker!r}"
    data = json.loads(block.group(1))
    assert isinstance(data, dict)
    return data


def test_the_documented_server_config_file_reaches_every_kernel(tmp_path: Path) -> None:
    config = _json_block_after(HUB_GUIDE.read_text(), "**Or traitlets config in the image**")
    with jupyter_server(tmp_path, {}, {"envdump": Kernel()}, config=config) as server:
        exported = server.run("envdump")
    defaults = json.loads(exported["LOOKER_NB_AUTH_DEFAULTS"])
    looker = config["LookerNbAuth"]
    assert isinstance(looker, dict)
    assert {key: defaults.get(key) for key in looker} == looker
