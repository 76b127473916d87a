"""One Look or dashboard as a listing shows it: `LookInfo`, `DashboardInfo`.

Built from what ``GET /looks/search`` and ``GET /dashboards/search`` answer (Looker's ``Look``
and ``Dashboard`` models), with the URL to open each in Looker. A search answers a ``Look``
without its query, so a listing knows a Look's model but not its explore: ``explore`` is filled
only when the answer carries the query (``session.look(id)`` always does), rather than costing a
request per Look.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DashboardInfo", "LookInfo", "folder_name", "when"]


def folder_name(data: Mapping[str, Any]) -> str:
    """The name of the folder a Look or dashboard is in (``""``: not said)."""
    folder = data.get("folder")
    return str(folder.get("name") or "") if isinstance(folder, Mapping) else ""


def when(value: object) -> str:
    """Looker's ``updated_at`` (ISO 8601) as its date, ``""`` when absent."""
    return str(value)[:10] if value else ""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _shown(data: Mapping[str, Any], looker_url: str, kind: str) -> dict[str, str]:
    """What a listing shows of any Look or dashboard (``kind``: ``looks``, ``dashboards``, its
    path in Looker): id, title, description, folder, when it changed, and its URL."""
    content_id = _text(data.get("id"))
    return dict(
        id=content_id,
        title=_text(data.get("title")),
        description=_text(data.get("description")),
        folder=folder_name(data),
        updated_at=when(data.get("updated_at")),
        url=f"{looker_url}/{kind}/{content_id}",
    )


@dataclass(frozen=True)
class LookInfo:
    """A saved Look as a listing shows it; ``url`` opens it in Looker."""

    id: str
    title: str
    description: str
    folder: str
    model: str
    explore: str | None
    updated_at: str
    url: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any], looker_url: str) -> LookInfo:
        model = data.get("model")
        query = data.get("query")
        return cls(
            **_shown(data, looker_url, "looks"),
            model=_text(model.get("id")) if isinstance(model, Mapping) else "",
            explore=_text(query.get("view")) if isinstance(query, Mapping) else None,
        )


@dataclass(frozen=True)
class DashboardInfo:
    """A user-defined dashboard as a listing shows it; ``url`` opens it in Looker."""

    id: str
    title: str
    description: str
    folder: str
    updated_at: str
    url: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any], looker_url: str) -> DashboardInfo:
        return cls(**_shown(data, looker_url, "dashboards"))
