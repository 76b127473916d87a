"""The content tests use the DataFrame tests' view of the stand-in's request log (``seen``) and
their event loop for the async twins (``run_async``)."""

from __future__ import annotations

from dataframes.conftest import AsyncRun, Requests, run_async, seen

__all__ = ["AsyncRun", "Requests", "run_async", "seen"]
