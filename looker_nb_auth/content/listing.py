"""What ``session.looks()`` and ``session.dashboards()`` answer: `Looks` and `Dashboards`, lists
of `LookInfo` and `DashboardInfo` that read as a table in a terminal and in a notebook.

A listing holds at most the ``limit`` it was asked for; one that long says so, since more may
match (Looker pages its search answers and does not say how many there are).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import render
from .info import DashboardInfo, LookInfo

__all__ = ["Dashboards", "Looks"]

_LOOK_HEADERS = ("id", "title", "folder", "model", "updated")
_DASHBOARD_HEADERS = ("id", "title", "folder", "updated")


def _title(kind: str, count: int, search: str | None) -> str:
    found = f"{count} {kind if count != 1 else kind.rstrip('s')}"
    return f"{found} matching {search!r}" if search else found


def _note(count: int, limit: int | None, how: str) -> str:
    if limit is not None and count >= limit:
        return f"The first {limit}; more may match: pass limit= for more. {how}"
    return how if count else ""


class Looks(list[LookInfo]):
    """Saved Looks (``session.looks()``): each a `LookInfo`; ``session.look(id)`` opens one."""

    def __init__(
        self, looks: Iterable[LookInfo] = (), *, search: str | None = None, limit: int | None = None
    ) -> None:
        super().__init__(looks)
        self.search = search
        self.limit = limit

    def _rows(self) -> list[render.Row]:
        return [((i.id, i.title, i.folder, i.model, i.updated_at), i.url) for i in self]

    def _parts(self) -> tuple[str, str]:
        title = _title("Looks", len(self), self.search)
        return title, _note(len(self), self.limit, "Open one with session.look(id).")

    def __repr__(self) -> str:
        title, note = self._parts()
        return render.text_table(title, _LOOK_HEADERS, self._rows(), note)

    def _repr_html_(self) -> str:
        title, note = self._parts()
        return render.html_table(title, _LOOK_HEADERS, self._rows(), note)


class Dashboards(list[DashboardInfo]):
    """User-defined dashboards (``session.dashboards()``): each a `DashboardInfo`."""

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

    def _parts(self) -> tuple[str, str]:
        title = _title("dashboards", len(self), self.search)
        return title, _note(len(self), self.limit, "Each has its .url to open it in Looker.")

    def __repr__(self) -> str:
        title, note = self._parts()
        return render.text_table(title, _DASHBOARD_HEADERS, self._rows(), note)

    def _repr_html_(self) -> str:
        title, note = self._parts()
        return render.html_table(title, _DASHBOARD_HEADERS, self._rows(), note)
