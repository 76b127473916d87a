"""Browsing endpoints: what a data scientist asks first (which models, Looks, dashboards and
folders are there).

``GET /lookml_models`` lists the models the user may see (a model outside every model set of the
user's roles is absent, and ``GET /lookml_models/{name}`` answers it 404, as for a model that
does not exist). ``/looks/search``, ``/dashboards/search`` and ``/folders/search`` take the
spec's search params (``_search.py``); every answer honours ``fields=``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._api import Api40Handler
from ._browse_shapes import (
    dashboard_base_json,
    dashboard_json,
    folder_json,
    look_in_folder_json,
    model_json,
)
from ._catalog import DASHBOARDS, FOLDERS, MODELS
from ._data import LOOKS
from ._search import Kind, Row, SearchError, search
from ._shapes import error_json

__all__ = [
    "DashboardHandler",
    "DashboardsHandler",
    "DashboardsSearchHandler",
    "FolderHandler",
    "FoldersHandler",
    "FoldersSearchHandler",
    "LookmlModelHandler",
    "LookmlModelsHandler",
    "LooksSearchHandler",
]

# Looks and dashboards are both content: their searches (the spec's search_looks and
# search_dashboards) share these params and sortable fields, and each adds its own.
_CONTENT_PARAMS: dict[str, Kind] = {
    "id": "ids",
    "title": "text",
    "description": "text",
    "folder_id": "ids",
    "user_id": "ids",
    "view_count": "ids",
    "deleted": "bool",
}
_CONTENT_SORTS = {"id", "title", "description", "folder_id", "user_id", "view_count"}
_CONTENT_SORTS |= {"created_at", "updated_at", "favorite_count", "deleted"}
_LOOK_PARAMS: dict[str, Kind] = {**_CONTENT_PARAMS, "query_id": "ids"}
_LOOK_SORTS = _CONTENT_SORTS | {"query_id"}
_DASHBOARD_PARAMS: dict[str, Kind] = {
    **_CONTENT_PARAMS,
    "slug": "text",
    "content_metadata_id": "ids",
}
_DASHBOARD_SORTS = _CONTENT_SORTS | {"slug"}
_FOLDER_PARAMS: dict[str, Kind] = {
    "name": "text",
    "id": "ids",
    "parent_id": "ids",
    "creator_id": "ids",
    "is_shared_root": "bool",
    "is_users_root": "bool",
}
_FOLDER_SORTS = {"id", "name", "parent_id", "creator_id", "created_at", "child_count"}


class _Browse(Api40Handler):
    def arguments(self) -> dict[str, str]:
        return {name: self.get_query_argument(name) for name in self.request.query_arguments}

    def searched(
        self, rows: list[Row], params: Mapping[str, Kind], sortable: set[str]
    ) -> list[Row]:
        try:
            return search(rows, self.arguments(), params, sortable)
        except SearchError as error:
            self.abort(400, error_json(str(error)))


class LookmlModelsHandler(_Browse):
    """``GET /api/4.0/lookml_models`` (``all_lookml_models``): the models the user may see;
    ``exclude_empty`` leaves out those without explores, ``limit``/``offset`` page them."""

    def get(self) -> None:
        big_rows = self.ctx.config.big_rows
        models = [model_json(m, big_rows) for m in MODELS.values() if m.visible_to(self.user)]
        if self.get_query_argument("exclude_empty", "") == "true":
            models = [m for m in models if m["explores"]]
        self.send_model(self.searched(list(models), {}, set()), "LookmlModel")


class LookmlModelHandler(_Browse):
    """``GET /api/4.0/lookml_models/{name}``: 404 for a model the user may not see."""

    def get(self, name: str) -> None:
        model = MODELS.get(name)
        if model is None or not model.visible_to(self.user):
            self.not_found()
        self.send_model(model_json(model, self.ctx.config.big_rows), "LookmlModel")


class LooksSearchHandler(_Browse):
    """``GET /api/4.0/looks/search`` (``search_looks``): ``Look``s, without their query."""

    def get(self) -> None:
        looks = [look_in_folder_json(i, self.ctx.web_url, with_query=False) for i in LOOKS]
        self.send_model(self.searched(list(looks), _LOOK_PARAMS, _LOOK_SORTS), "Look")


class DashboardsHandler(_Browse):
    """``GET /api/4.0/dashboards`` (``all_dashboards``): ``DashboardBase``s."""

    def get(self) -> None:
        self.send_model([dashboard_base_json(d) for d in DASHBOARDS.values()], "DashboardBase")


class DashboardsSearchHandler(_Browse):
    """``GET /api/4.0/dashboards/search`` (``search_dashboards``): ``Dashboard``s."""

    def get(self) -> None:
        found = [dashboard_json(d, self.ctx.web_url) for d in DASHBOARDS.values()]
        self.send_model(
            self.searched(list(found), _DASHBOARD_PARAMS, _DASHBOARD_SORTS), "Dashboard"
        )


class DashboardHandler(_Browse):
    """``GET /api/4.0/dashboards/{id}``: a ``Dashboard`` with its elements."""

    def get(self, dashboard_id: str) -> None:
        dashboard = DASHBOARDS.get(dashboard_id)
        if dashboard is None:
            self.not_found()
        self.send_model(dashboard_json(dashboard, self.ctx.web_url), "Dashboard")


class FoldersHandler(_Browse):
    """``GET /api/4.0/folders`` (``all_folders``)."""

    def get(self) -> None:
        self.send_model([folder_json(f, self.ctx.web_url) for f in FOLDERS.values()], "Folder")


class FoldersSearchHandler(_Browse):
    """``GET /api/4.0/folders/search`` (``search_folders``)."""

    def get(self) -> None:
        found = [folder_json(f, self.ctx.web_url) for f in FOLDERS.values()]
        self.send_model(self.searched(list(found), _FOLDER_PARAMS, _FOLDER_SORTS), "Folder")


class FolderHandler(_Browse):
    """``GET /api/4.0/folders/{id}``: a ``Folder`` with its dashboards and Looks."""

    def get(self, folder_id: str) -> None:
        folder = FOLDERS.get(folder_id)
        if folder is None:
            self.not_found()
        self.send_model(folder_json(folder, self.ctx.web_url), "Folder")
