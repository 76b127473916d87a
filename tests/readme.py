"""The README, read by the tests that keep its claims true (``test_docs.py``,
``test_readme_names.py``)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"


def readme_section(title: str) -> str:
    """The README's section (``## Title`` or ``### Title``) whose heading starts with ``title``,
    up to the next heading of any level, code blocks included."""
    text = README.read_text()
    start = re.search(rf"^#{{2,3}} {re.escape(title)}", text, re.M)
    assert start is not None, f"the README has no section {title!r}"
    rest = text[start.end() :]
    end = re.search(
        r"^#{2,3} ", re.sub(r"```.*?```", lambda m: "x" * len(m[0]), rest, flags=re.S), re.M
    )
    return rest[: end.start() if end else len(rest)]
