"""JSON bodies in the shapes of Looker's API 4.0 models (User, OauthClientApp, Look, ApiVersion,
Query, LookmlModelExplore)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import re

from ._catalog import FOLDERS, LOOK_FOLDERS
from ._config import ALL_USERS_GROUP, DemoUser, OAuthApp
from ._data import LOOKS, MODEL, QUERIES
from ._explore_shapes import EXPLORE_DESCRIPTIONS, explore_json

__all__ = [
    "DOCS_URL",
    "EXPLORE_DESCRIPTIONS",
    "RELEASE",
    "FieldsError",
    "app_json",
    "created_query_json",
    "error_json",
    "explore_json",
    "json_detail_error",
    "look_json",
    "query_json",
    "select_fields",
    "user_json",
    "user_public_json",
    "versions_json",
]

DOCS_URL = "https://cloud.google.com/looker/docs/r/api/support"
RELEASE = "26.0.0"


def error_json(message: str, **extra: object) -> dict[str, object]:
    """Looker's error model: ``{"message", "documentation_url"}`` (plus ``errors`` for 4xx)."""
    return {"message": message, **extra, "documentation_url": DOCS_URL}


class FieldsError(ValueError):
    """A ``fields=`` parameter the stand-in cannot honour (malformed, or an unknown name)."""


Selection = dict[str, "Selection | None"]  # name -> nested selection (None: the whole value)
_FIELD_TOKEN = re.compile(r"\s*(?:([A-Za-z0-9_]+)|([(),]))\s*")


def _parse_fields(spec: str) -> Selection:
    """``id,title,model(id,label)`` -> ``{"id": None, "title": None, "model": {...}}``."""
    tokens: list[str] = []
    position = 0
    while position < len(spec):
        match = _FIELD_TOKEN.match(spec, position)
        if match is None or match.end() == position:
            raise FieldsError("fields must be comma-separated field names, like id,title.")
        tokens.append(match.group(1) or match.group(2))
        position = match.end()
    selection, rest = _parse_list(tokens)
    if rest:
        raise FieldsError("fields has an unbalanced ')'.")
    return selection


def _parse_list(tokens: list[str]) -> tuple[Selection, list[str]]:
    selection: Selection = {}
    while True:
        if not tokens or tokens[0] in ("(", ")", ","):
            raise FieldsError("fields has an empty or misplaced name.")
        name, tokens = tokens[0], tokens[1:]
        nested: Selection | None = None
        if tokens and tokens[0] == "(":
            nested, tokens = _parse_list(tokens[1:])
            if not tokens or tokens[0] != ")":
                raise FieldsError("fields has an unclosed '('.")
            tokens = tokens[1:]
        selection[name] = nested
        if not tokens or tokens[0] == ")":
            return selection, tokens
        if tokens[0] != ",":
            raise FieldsError("fields names must be separated by commas.")
        tokens = tokens[1:]


def _select(value: object, selection: Selection, where: str) -> object:
    if isinstance(value, list):
        return [_select(item, selection, where) for item in value]
    if not isinstance(value, dict):
        raise FieldsError(f"{where} has no fields to select.")
    trimmed: dict[str, object] = {}
    for name, nested in selection.items():
        if name not in value:
            raise FieldsError(f"The stand-in's {where} has no field {name!r}.")
        inner = value[name]
        trimmed[name] = inner if nested is None or inner is None else _select(inner, nested, name)
    return trimmed


def select_fields(body: object, spec: str, model: str) -> object:
    """``body`` (an object or a list of them) trimmed to the ``fields=`` in ``spec``, as Looker
    answers a request with ``fields``; ``model`` names the object type in error sentences."""
    return _select(body, _parse_fields(spec), model)


def versions_json(api_url: str, web_url: str) -> dict[str, object]:
    version = {
        "version": "4.0",
        "full_version": "4.0.26.0",
        "status": "current",
        "swagger_url": f"{api_url}/api/4.0/swagger.json",
    }
    return {
        "looker_release_version": RELEASE,
        "current_version": version,
        "supported_versions": [version],
        "api_server_url": api_url,
        "web_server_url": web_url,
    }


def _folder_id(user: DemoUser) -> str:
    return str(100 + int(user.id)) if user.id.isdigit() else f"{user.id}-personal"


def user_public_json(user: DemoUser, api_url: str) -> dict[str, object]:
    return {
        "can": {"show": True},
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "avatar_url": None,
        "is_service_account": False,
        "is_embed_user": False,
        "url": f"{api_url}/api/4.0/users/{user.id}",
    }


def user_json(user: DemoUser, api_url: str) -> dict[str, object]:
    folder = _folder_id(user)
    return {
        **user_public_json(user, api_url),
        "can": {"show": True, "index": True, "show_details": True, "index_details": True},
        "email": user.email,
        "credentials_api3": [],
        "credentials_email": None,
        "embed_group_space_id": None,
        "group_ids": list(dict.fromkeys([ALL_USERS_GROUP, *user.group_ids])),
        "home_folder_id": folder,
        "personal_folder_id": folder,
        "is_disabled": False,
        "locale": "en",
        "looker_versions": [RELEASE],
        "models_dir_validated": None,
        "presumed_looker_employee": False,
        "role_ids": ["2"] if user.is_admin else ["3"],
        "sessions": [],
        "ui_state": None,
        "verified_looker_employee": False,
        "roles_externally_managed": False,
        "allow_direct_roles": True,
        "allow_normal_group_membership": True,
        "allow_roles_from_normal_groups": True,
        "embed_group_folder_id": None,
        "is_iam_admin": False,
        "can_manage_api3_creds": user.is_admin,
        "service_account_name": None,
    }


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds")


def app_json(
    app: OAuthApp, invalid_before: float | None, activated: list[DemoUser], api_url: str
) -> dict[str, object]:
    return {
        "can": {"show": True, "update": True, "destroy": True},
        "client_guid": app.client_guid,
        "redirect_uri": app.redirect_uris[0],
        "redirect_uris": list(app.redirect_uris),
        "display_name": app.display_name,
        "description": app.description,
        "enabled": app.enabled,
        "group_id": app.group_id,
        "tokens_invalid_before": _iso(invalid_before),
        "activated_users": [user_public_json(u, api_url) for u in activated],
    }


def look_json(look_id: str, web_url: str) -> dict[str, object]:
    look = LOOKS[look_id]
    folder = FOLDERS[LOOK_FOLDERS[look_id]]
    return {
        "can": {"show": True, "run": True, "download": True},
        "content_metadata_id": look_id,
        "id": look_id,
        "title": look["title"],
        "description": look["description"],
        "user_id": "1",
        "user_name": "Ada Lovelace",
        "created_at": "2026-01-05T09:00:00.000+00:00",
        "updated_at": "2026-01-05T09:00:00.000+00:00",
        "deleted": False,
        "public": False,
        "is_run_on_load": True,
        "model": {"id": MODEL, "label": "Demo"},
        "query_id": look["query_id"],
        "query": query_json(look["query_id"]),  # GET /looks/{id} answers a LookWithQuery
        "folder_id": folder.id,
        "folder": folder.base_json(),
        "short_url": f"/looks/{look_id}",
        "embed_url": f"{web_url}/embed/looks/{look_id}",
        "view_count": 0,
        "favorite_count": 0,
    }


def query_slug(query_id: str) -> str:
    """A query's ``slug``: opaque and short like Looker's (``aogBp1k``), the same every run."""
    digest = hashlib.sha256(f"looker-query-{query_id}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:7]


def query_json(query_id: str) -> dict[str, object]:
    return {
        "can": {"run": True},
        "id": query_id,
        "slug": query_slug(query_id),
        **QUERIES[query_id].body(),
        "url": None,
    }


def created_query_json(query_id: str, body: dict[str, object]) -> dict[str, object]:
    """A query created with ``POST /api/4.0/queries``, in the shape of the built-in ones."""
    sorts = body.get("sorts")
    fields = body.get("fields")
    pivots = body.get("pivots")
    return {
        "can": {"run": True},
        "id": query_id,
        "slug": query_slug(query_id),
        "model": body["model"],
        "view": body["view"],
        "fields": list(fields) if isinstance(fields, list) else None,
        "pivots": list(pivots) if isinstance(pivots, list) and pivots else None,
        "filters": body.get("filters") or None,
        "sorts": list(sorts) if isinstance(sorts, list) else [],
        "limit": body.get("limit"),
        "column_limit": body.get("column_limit"),
        "dynamic_fields": body.get("dynamic_fields") or None,
        "url": None,
    }


def json_detail_error(message: str, sql: str, *, field: str | None = None) -> dict[str, object]:
    """A json_detail answer whose SQL failed: no data, the database's message in ``errors``
    (``field``: the part of a query Looker could not build)."""
    return {
        "id": "",
        "from_cache": False,
        "sql": sql,
        "fields": {"measures": [], "dimensions": [], "table_calculations": [], "pivots": []},
        "pivots": [],
        "data": [],
        "errors": [
            {
                "message": message if field is None else f"{field}: {message}",
                "message_details": None,
                "params": None,
                "sql_error_loc": None,
                "level": "error",
            }
        ],
    }
