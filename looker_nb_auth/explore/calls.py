"""The browsing calls of a `LookerSession`: ``models()`` and ``explore(model, explore)``, and
their async twins ``amodels()`` and ``aexplore()`` (the same flows on the event loop).

A mixin on the DataFrame calls (``dataframes/calls.py``), as they are on the session's public
surface: each call builds a flow (``metadata.py``) and `blocking` drives it on
``session.client``, with the session's refresh and rate-limit handling. What they fetch is kept
for the session's life (``refresh=True`` reads it again, after a LookML deploy): the models list
once, each explore once, its columns shared with ``run_query``'s typing (`Explores`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ..dataframes.calls import DataFrameCalls
from ..dataframes.drive import Flow, Within, awaitable, blocking, drive
from . import complete, metadata
from .explore import Explore
from .models import Models
from .query import check, custom_names

__all__ = ["ExploreCalls"]


class ExploreCalls(DataFrameCalls):
    """``models()`` and ``explore()`` on whatever has the DataFrame calls."""

    _browsed: dict[tuple[str, str], Explore] | None = None
    _models_seen: Models | None = None
    _models_tried = False  # a completion asked for the models once (``complete.py``)
    _browse_lock = threading.Lock()

    @property
    def looker_url(self) -> str:
        """The Looker UI host (the session's), where ``ExploreQuery.url`` opens a query."""
        raise NotImplementedError

    def _explore_cache(self) -> dict[tuple[str, str], Explore]:
        with self._browse_lock:
            if self._browsed is None:
                self._browsed = {}
            return self._browsed

    def _explore(self, model: str, explore: str, *, refresh: bool = False) -> Flow[Explore]:
        """An explore of a LookML model, with its fields to browse, search, complete and query
        (``explore.query(...)``); its metadata is read once per session, ``refresh=True`` reads
        it again (after a LookML deploy). An unknown model or explore is `QueryNotFound`."""
        complete.register()
        known = self._explore_cache()
        key = (model, explore)
        if not refresh and key in known:
            return known[key]
        data = yield from metadata.explore(model, explore, self._explores)
        found = Explore(model, data, self)
        known[key] = found
        return found

    def _checked(self, body: Mapping[str, Any]) -> Flow[None]:
        """A new query of ``run_query`` or ``query_sql`` (a WriteQuery), checked against its
        explore as ``explore.query`` checks it (`QueryInvalid`), before it is sent. The
        metadata is read once per session, shared with browsing and typing; without access to
        it (403, 404), the query is sent unchecked and Looker answers it as before."""
        key = (str(body.get("model") or ""), str(body.get("view") or ""))
        known = self._explore_cache()
        explore = known.get(key)
        if explore is None:
            data = yield from metadata.readable(*key, self._explores)
            if data is None:
                return
            explore = known.setdefault(key, Explore(key[0], data, self))
        filters = body.get("filters")
        check(
            explore,
            _listed(body.get("fields")),
            filters if isinstance(filters, Mapping) else {},
            _listed(body.get("sorts")),
            _listed(body.get("pivots")),
            custom=custom_names(body.get("dynamic_fields")),
        )

    def _models(self, *, refresh: bool = False) -> Flow[Models]:
        """The LookML models this user may query, with their explores (one request, kept for
        the session; ``refresh=True`` reads them again). ``models()["m"]["e"]`` opens an
        explore, as ``explore("m", "e")`` does."""
        complete.register()
        if self._models_seen is not None and not refresh:
            return self._models_seen
        found = Models((yield from metadata.models()), self)
        self._models_seen = found
        return found

    def _known_models(self, seconds: float) -> Models | None:
        """The models for a completion: those read already, else one try within ``seconds``
        per session; ``None`` when there are none to offer. Never raises."""
        if self._models_seen is not None or self._models_tried:
            return self._models_seen
        self._models_tried = True
        try:
            return drive(_within(seconds, self._models()), self)
        except Exception:
            return None

    explore = blocking(_explore)
    models = blocking(_models)
    aexplore = awaitable(_explore)
    amodels = awaitable(_models)


def _listed(value: object) -> list[str]:
    """A WriteQuery's list (``fields``, ``sorts``, ``pivots``), one name given alone too."""
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def _within(seconds: float, flow: Flow[Models]) -> Flow[Models]:
    yield Within(seconds)
    return (yield from flow)
