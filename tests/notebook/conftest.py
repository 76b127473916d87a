"""Fixtures of the notebook tests: a notebook front end that draws the widget."""

from __future__ import annotations

from typing import Any

import pytest

from looker_nb_auth.notebook import controller as controller_module


@pytest.fixture
def front_end(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """A notebook front end draws the widget, and no server extension is there (the kernel's
    own listener or the pasted address): what ``display()`` was given, in order."""
    for name in ("LOOKER_NB_AUTH_SERVER_URL", "LOOKER_NB_AUTH_SECRET", "JPY_SESSION_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(controller_module, "_front_end", lambda: True)
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a[0]))
    return shown
