"""One check's outcome, as ``looker-nb-auth doctor`` prints it (``doctor.py``,
``doctor_looker.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Check", "Status"]

Status = Literal["ok", "warn", "skip", "FAIL"]


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``summary`` says what was found, ``advice`` how to fix it (for
    ``FAIL`` and ``warn``), ``details`` are extra lines of information."""

    name: str
    status: Status
    summary: str
    advice: str = ""
    details: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"
