"""Which looker-sdk this run tests: `make test` runs the admin and session tests on the newest
and on the oldest looker-sdk that pyproject.toml allows (``LOOKER_SDK_EXPECTED`` unset: any)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from looker_sdk.sdk import constants

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_looker_sdk_floor_is_the_one_make_test_checks() -> None:
    floor = re.search(r'"looker-sdk>=([\d.]+)"', PYPROJECT.read_text())
    makefile = (PYPROJECT.parent / "Makefile").read_text()
    oldest = re.search(r"OLDEST_LOOKER_SDK := ([\d.]+)", makefile)
    assert floor is not None and oldest is not None
    assert oldest.group(1).startswith(floor.group(1))


def test_the_run_on_the_oldest_looker_sdk_really_uses_it() -> None:
    """PYTHONPATH=.venv/looker-sdk-X must shadow the newest looker-sdk, or that run proves
    nothing."""
    shadow = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if "looker-sdk-" in p]
    if shadow:
        expected = shadow[0].rsplit("looker-sdk-", 1)[1]
        assert expected.startswith(str(constants.sdk_version)), (constants.sdk_version, sys.path)
    else:
        assert constants.sdk_version  # the newest, installed in the venv
