"""The two tornado applications (UI host, API host) and their routes."""

from __future__ import annotations

from typing import Any

from tornado import web

from ._api import (
    Api3LoginHandler,
    LogoutHandler,
    MeHandler,
    TokenHandler,
    UserHandler,
    VersionsHandler,
)
from ._api_apps import AppHandler, AppsHandler, AppTokensHandler, AppUserHandler
from ._api_browse import (
    DashboardHandler,
    DashboardsHandler,
    DashboardsSearchHandler,
    FolderHandler,
    FoldersHandler,
    FoldersSearchHandler,
    LookmlModelHandler,
    LookmlModelsHandler,
    LooksSearchHandler,
)
from ._api_data import (
    ExploreHandler,
    InlineQueryRunHandler,
    LookHandler,
    LookRunHandler,
    LooksHandler,
    QueriesHandler,
    QueryBySlugHandler,
    QueryHandler,
    QueryRunHandler,
)
from ._api_sql import SqlQueriesHandler, SqlQueryHandler, SqlQueryRunHandler
from ._api_tasks import (
    KillQueryHandler,
    QueryTaskHandler,
    QueryTaskMultiResultsHandler,
    QueryTaskResultsHandler,
    QueryTasksHandler,
)
from ._ui import AuthorizeHandler, ConsentHandler, LoginHandler
from ._web import ApiNotFound, Context, PageNotFound, log_request

__all__ = ["API_PATHS", "api_application", "ui_application"]

API_PATHS = r"/api/.*|/versions"  # everything else belongs to the UI host

_SEGMENT = r"([^/]+)"
_API: list[tuple[str, type[web.RequestHandler]]] = [
    (r"/versions", VersionsHandler),
    (r"/api/token", TokenHandler),
    (r"/api/logout", LogoutHandler),
    (r"/api/4\.0/logout", LogoutHandler),
    (r"/api/4\.0/login", Api3LoginHandler),
    (r"/api/4\.0/user", MeHandler),
    (rf"/api/4\.0/users/{_SEGMENT}", UserHandler),
    (r"/api/4\.0/oauth_client_apps", AppsHandler),
    (rf"/api/4\.0/oauth_client_apps/{_SEGMENT}", AppHandler),
    (rf"/api/4\.0/oauth_client_apps/{_SEGMENT}/tokens", AppTokensHandler),
    (rf"/api/4\.0/oauth_client_apps/{_SEGMENT}/users/{_SEGMENT}", AppUserHandler),
    (r"/api/4\.0/lookml_models", LookmlModelsHandler),
    (rf"/api/4\.0/lookml_models/{_SEGMENT}", LookmlModelHandler),
    (rf"/api/4\.0/lookml_models/{_SEGMENT}/explores/{_SEGMENT}", ExploreHandler),
    (r"/api/4\.0/looks", LooksHandler),
    (r"/api/4\.0/looks/search", LooksSearchHandler),
    (r"/api/4\.0/dashboards", DashboardsHandler),
    (r"/api/4\.0/dashboards/search", DashboardsSearchHandler),
    (rf"/api/4\.0/dashboards/{_SEGMENT}", DashboardHandler),
    (r"/api/4\.0/folders", FoldersHandler),
    (r"/api/4\.0/folders/search", FoldersSearchHandler),
    (rf"/api/4\.0/folders/{_SEGMENT}", FolderHandler),
    (rf"/api/4\.0/looks/{_SEGMENT}", LookHandler),
    (rf"/api/4\.0/looks/{_SEGMENT}/run/{_SEGMENT}", LookRunHandler),
    (r"/api/4\.0/queries", QueriesHandler),
    (rf"/api/4\.0/queries/run/{_SEGMENT}", InlineQueryRunHandler),
    (rf"/api/4\.0/queries/slug/{_SEGMENT}", QueryBySlugHandler),
    (rf"/api/4\.0/queries/{_SEGMENT}", QueryHandler),
    (rf"/api/4\.0/queries/{_SEGMENT}/run/{_SEGMENT}", QueryRunHandler),
    (r"/api/4\.0/query_tasks", QueryTasksHandler),
    (r"/api/4\.0/query_tasks/multi_results", QueryTaskMultiResultsHandler),
    (rf"/api/4\.0/query_tasks/{_SEGMENT}", QueryTaskHandler),
    (rf"/api/4\.0/query_tasks/{_SEGMENT}/results", QueryTaskResultsHandler),
    (rf"/api/4\.0/running_queries/{_SEGMENT}", KillQueryHandler),
    (r"/api/4\.0/sql_queries", SqlQueriesHandler),
    (rf"/api/4\.0/sql_queries/{_SEGMENT}", SqlQueryHandler),
    (rf"/api/4\.0/sql_queries/{_SEGMENT}/run/{_SEGMENT}", SqlQueryRunHandler),
]
_UI: list[tuple[str, type[web.RequestHandler]]] = [
    (r"/auth", AuthorizeHandler),
    (r"/login", LoginHandler),
    (r"/auth/consent", ConsentHandler),
]


def _settings(ctx: Context, not_found: type[web.RequestHandler]) -> dict[str, Any]:
    return {
        "log_function": log_request,
        "default_handler_class": not_found,
        "default_handler_args": {"ctx": ctx},
        "compress_response": False,
    }


def api_application(ctx: Context) -> web.Application:
    routes = [(pattern, handler, {"ctx": ctx}) for pattern, handler in _API]
    return web.Application(routes, **_settings(ctx, ApiNotFound))


def ui_application(ctx: Context) -> web.Application:
    routes = [(pattern, handler, {"ctx": ctx}) for pattern, handler in _UI]
    return web.Application(
        routes,
        xsrf_cookies=True,
        xsrf_cookie_kwargs={"httponly": True, "samesite": "Lax"},
        **_settings(ctx, PageNotFound),
    )
