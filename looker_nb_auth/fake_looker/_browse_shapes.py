"""JSON bodies of the browsing endpoints, in the shapes of Looker's API 4.0 models: ``LookmlModel``
(with ``LookmlModelNavExplore``), ``Folder``, ``DashboardBase``, ``Dashboard`` (with
``DashboardElement``) and ``Look`` as search answers it."""

from __future__ import annotations

from ._catalog import DASHBOARDS, FOLDERS, LOOK_FOLDERS, Dashboard, Folder, Model, Tile
from ._data import LOOKS, MODEL
from ._shapes import EXPLORE_DESCRIPTIONS, look_json, query_json

__all__ = [
    "dashboard_base_json",
    "dashboard_json",
    "folder_json",
    "look_in_folder_json",
    "model_json",
]

_CREATED = "2026-01-06T09:00:00.000+00:00"


def model_json(model: Model, big_rows: int) -> dict[str, object]:
    """``LookmlModel``: its explores as the navigation lists them (their ``group_label`` is the
    model's label, LookML's default)."""
    names = model.explore_names(big_rows)
    return {
        "can": {"index": True, "show": True},
        "allowed_db_connection_names": [model.name],
        "explores": [
            {
                "name": name,
                "description": EXPLORE_DESCRIPTIONS.get(name),
                "label": name.replace("_", " ").title(),
                "hidden": False,
                "group_label": model.label,
            }
            for name in names
        ],
        "has_content": True,
        "label": model.label,
        "name": model.name,
        "project_name": model.name,
        "unlimited_db_connections": False,
    }


def look_in_folder_json(look_id: str, web_url: str, *, with_query: bool) -> dict[str, object]:
    """A Look: with ``with_query`` a ``LookWithQuery`` (``GET /looks/{id}``), else a ``Look``
    (search answers)."""
    look = look_json(look_id, web_url)
    if not with_query:
        del look["query"]
    return look


def dashboard_base_json(dashboard: Dashboard) -> dict[str, object]:
    """``DashboardBase``: what ``GET /dashboards`` lists."""
    return {
        "can": {"index": True, "show": True, "run": True, "download": True},
        "content_favorite_id": None,
        "content_metadata_id": dashboard.id,
        "description": dashboard.description,
        "hidden": False,
        "id": dashboard.id,
        "model": {"id": MODEL, "label": "Demo"},
        "query_timezone": None,
        "readonly": False,
        "refresh_interval": None,
        "refresh_interval_to_i": None,
        "folder": FOLDERS[dashboard.folder_id].base_json(),
        "title": dashboard.title,
        "user_id": "1",
        "slug": f"sales{dashboard.id}",
        "preferred_viewer": "dashboards-next",
    }


def _element(dashboard: Dashboard, tile: Tile, web_url: str) -> dict[str, object]:
    look = look_in_folder_json(tile.look_id, web_url, with_query=True) if tile.look_id else None
    query_id = None if tile.look_id else tile.query_id
    return {
        "can": {"show": True},
        "body_text": None,
        "dashboard_id": dashboard.id,
        "id": tile.id,
        "look": look,
        "look_id": tile.look_id,
        "note_display": None,
        "note_text": None,
        "query": query_json(query_id) if query_id else None,
        "query_id": query_id,
        "result_maker_id": None,
        "subtitle_text": None,
        "title": tile.title,
        "title_hidden": False,
        "title_text": None,
        "type": "vis",
    }


def dashboard_json(dashboard: Dashboard, web_url: str) -> dict[str, object]:
    """``Dashboard``: its base and its elements, each a Look's (``look_id``, ``look``) or a
    query's of its own (``query_id``, ``query``)."""
    return {
        **dashboard_base_json(dashboard),
        "created_at": _CREATED,
        "updated_at": _CREATED,
        "deleted": False,
        "deleted_at": None,
        "deleter_id": None,
        "dashboard_elements": [_element(dashboard, t, web_url) for t in dashboard.tiles],
        "dashboard_filters": [],
        "dashboard_layouts": [],
        "folder_id": dashboard.folder_id,
        "user_name": "Ada Lovelace",
        "view_count": 0,
        "favorite_count": 0,
        "show_title": True,
        "show_filters_bar": True,
        "url": f"/dashboards/{dashboard.id}",
    }


def folder_json(folder: Folder, web_url: str) -> dict[str, object]:
    """``Folder``: its base, and the dashboards and Looks it holds."""
    looks = [i for i in LOOKS if LOOK_FOLDERS[i] == folder.id]
    dashboards = [d for d in DASHBOARDS.values() if d.folder_id == folder.id]
    return {
        **folder.base_json(),
        "dashboards": [dashboard_base_json(d) for d in dashboards],
        "looks": [
            {**look_in_folder_json(i, web_url, with_query=False), "dashboards": _showing(i)}
            for i in looks
        ],
    }


def _showing(look_id: str) -> list[dict[str, object]]:
    """The dashboards with a tile of the Look (``LookWithDashboards.dashboards``)."""
    return [
        dashboard_base_json(d)
        for d in DASHBOARDS.values()
        if any(t.look_id == look_id for t in d.tiles)
    ]
