"""The explore tests use the DataFrame tests' view of the stand-in's request log (``seen``)."""

from __future__ import annotations

from dataframes.conftest import Requests, seen

__all__ = ["Requests", "seen"]
