"""The built front end in ``static/``: the widget's module and style, the callback page's script
and style.

Their source is the top-level ``js/`` (TypeScript and CSS), built by esbuild with ``npm run
build``: ``make`` runs it, and so does every wheel and sdist build (hatch-jupyter-builder). A
wheel carries them built, so a pip user needs no Node; a source checkout needs Node to make them.
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["STATIC", "built", "built_text"]

STATIC = Path(__file__).parent / "static"


def built(name: str) -> Path:
    """The path of a built file, or ``FileNotFoundError`` saying how to build it."""
    path = STATIC / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: this source checkout's front end is not built; run "
            "`npm ci && npm run build` (Node 20) in the repository, or `make`."
        )
    return path


@functools.cache
def built_text(name: str) -> str:
    """A built file's text, read once."""
    return built(name).read_text(encoding="utf-8")
