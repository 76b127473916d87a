"""The content calls of a `LookerSession`: ``looks()``, ``dashboards()`` and ``look(id)``.

A mixin on the browsing calls (``explore/calls.py``), as they are on the session's public
surface: each call builds a flow (``search.py``, ``look.py``) and `blocking` drives it on
``session.client``, with the session's refresh, rate-limit and deadline handling. A Look's
``with_filters`` opens its explore through the session (``explore()``, once per session).
"""

from __future__ import annotations

from ..dataframes.drive import Flow, blocking
from ..explore.calls import ExploreCalls
from .info import DashboardInfo, LookInfo
from .listing import Dashboards, Looks
from .look import Look, read_look
from .search import DEFAULT_LIMIT, found

__all__ = ["ContentCalls"]


class ContentCalls(ExploreCalls):
    """``looks()``, ``dashboards()`` and ``look()`` on whatever browses explores."""

    @property
    def looker_url(self) -> str:
        raise NotImplementedError

    def _web(self) -> str:
        return self.looker_url.rstrip("/")

    def _looks(
        self,
        search: str | None = None,
        *,
        folder: str | int | None = None,
        limit: int | None = DEFAULT_LIMIT,
    ) -> Flow[Looks]:
        """The saved Looks whose title contains ``search`` (any case; ``%`` and ``_`` are
        Looker's wildcards), in ``folder`` (its id, or its name), by title; at most ``limit``
        (None: all). Each has the URL to open it in Looker; ``look(id)`` reads one."""
        answer = yield from found("Looks", search, folder, limit)
        web = self._web()
        return Looks((LookInfo.from_json(i, web) for i in answer), search=search, limit=limit)

    def _dashboards(
        self,
        search: str | None = None,
        *,
        folder: str | int | None = None,
        limit: int | None = DEFAULT_LIMIT,
    ) -> Flow[Dashboards]:
        """The dashboards whose title contains ``search``, as ``looks()`` finds Looks."""
        answer = yield from found("dashboards", search, folder, limit)
        web = self._web()
        return Dashboards(
            (DashboardInfo.from_json(i, web) for i in answer), search=search, limit=limit
        )

    def _look(self, look_id: str | int) -> Flow[Look]:
        """Look ``look_id`` with its query (one request): ``.run()`` runs it as saved,
        ``.with_filters({...})``, ``.with_sorts([...])``, ``.with_limit(n)`` make a new query
        from it without changing the Look. An unknown Look is `QueryNotFound`."""
        data = yield from read_look(look_id)
        return Look.from_json(data, self._web(), self)

    looks = blocking(_looks)
    dashboards = blocking(_dashboards)
    look = blocking(_look)
