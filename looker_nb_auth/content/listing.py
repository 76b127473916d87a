"""What ``session.looks()`` and ``session.dashboards()`` answer: `Looks` and `Dashboards`, lists
of `LookInfo` and `DashboardInfo` that read as a table in a terminal and in a notebook.

A listing holds at most the ``limit`` it was asked for; one that long says so, since more may
match (Looker pages its search answers and does not say how many there are).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, TypeVar

from . import render
from .info import DashboardInfo, LookInfo

__all__ = ["Dashboards", "Looks"]

_Info = TypeVar("_Info", LookInfo, DashboardInfo)


def _title(kind: str, count: int, search: str | None) -> str:
    found = f"{count} {kind if count != 1 else kind.rstrip('s')}"
    return f"{found} matching {search!r}" if search else found


def _note(count: int, limit: int | None, how: str) -> str:
    if limit is not None and count >= limit:
        return f"The first {limit}; more may match: pass limit= for more. {how}"
    return how if count else ""


class _Listing(list[_Info]):
    """A listing that reads as a table: its rows, headers, and what to do next."""

    _kind: ClassVar[str]  # what it lists, plural: its title's noun
    _headers: ClassVar[tuple[str, ...]]
    _how: ClassVar[str]  # the note's sentence: what to do with one
    search: str | None
    limit: int | None

    def _rows(self) -> list[render.Row]:
        raise NotImplementedError

    def _parts(self) -> tuple[str, str]:
        title = _title(self._kind, len(self), self.search)
        return title, _note(len(self), self.limit, self._how)

    def __repr__(self) -> str:
        title, note = self._parts()
        return render.text_table(title, self._headers, self._rows(), note)

    def _repr_html_(self) -> str:
        title, note = self._parts()
        return render.html_table(title, self._headers, self._rows(), note)


class Looks(_Listing[LookInfo]):
    """Saved Looks (``session.looks()``): each a `LookInfo`; ``session.look(id)`` opens one."""

    _kind = "Looks"
    _headers = ("id", "title", "folder", "model", "updated")
    _how = "Open one with session.look(id)."

    def __init__(
        self, looks: Iterable[LookInfo] = (), *, search: str | None = None, limit: int | None = None
    ) -> None:
        super().__init__(looks)
        self.search = search
        self.limit = limit

    def _rows(self) -> list[render.Row]:
        return [((i.id, i.title, i.folder, i.model, i.updated_at), i.url) for i in self]


class Dashboards(_Listing[DashboardInfo]):
    """User-defined dashboards (``session.dashboards()``): each a `DashboardInfo`."""

    _kind = "dashboards"
    _headers = ("id", "title", "folder", "updated")
    _how = "Each has its .url to open it in Looker."

    def __init__(
        self,
        dashboards: Iterable[DashboardInfo] = (),
        *,
        search: str | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(dashboards)
        self.search = search
        self.limit = limit

    def _rows(self) -> list[render.Row]:
        return [((d.id, d.title, d.folder, d.updated_at), d.url) for d in self]
