"""What browsing asks Looker, as flows (``dataframes/drive.py``): an explore's metadata, and the
list of models with their explores.

An explore's metadata can run to megabytes on a large model; ``fields=`` asks only for what
browsing, checking and typing need. The columns it describes are kept in the session's
`Explores`, the DataFrame path's typing cache, so a query run after browsing does not ask again:
one request per explore per session, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..dataframes.answers import check
from ..dataframes.describe import Explores, columns_from_metadata
from ..dataframes.drive import Call, Flow

__all__ = ["BROWSE", "MODELS", "explore", "models", "readable"]

_FIELD = (
    "name,label,label_short,view,view_label,field_group_label,field_group_variant,description,"
    "type,category,hidden,is_numeric,measure,sortable,can_filter,suggestable,tags,enumerations"
)
#: The ``fields=`` of ``GET /lookml_models/{model}/explores/{explore}`` for browsing.
BROWSE = (
    f"name,label,description,fields(dimensions({_FIELD}),measures({_FIELD}),"
    f"filters({_FIELD}),parameters({_FIELD}))"
)
#: The ``fields=`` of ``GET /lookml_models``: models and their explores' names.
MODELS = "name,label,project_name,explores(name,label,description,hidden,group_label)"


def explore(model: str, name: str, explores: Explores) -> Flow[Mapping[str, Any]]:
    """``model::name``'s metadata; its columns are kept in ``explores`` for typing."""
    response = yield _get(model, name)
    shown = f"explore {model}::{name}"
    check(response, shown, missing=f"model or {shown}")
    return _kept(model, name, response.json(), explores)


def readable(model: str, name: str, explores: Explores) -> Flow[Mapping[str, Any] | None]:
    """``model::name``'s metadata, or None when Looker does not give it (no access, no such
    explore, an error): then a query is sent unchecked, and Looker answers it as it would."""
    response = yield _get(model, name)
    if response.status_code != 200:
        return None
    return _kept(model, name, response.json(), explores)


def _get(model: str, name: str) -> Call:
    path = f"lookml_models/{quote(model, safe='')}/explores/{quote(name, safe='')}"
    return Call("GET", path, {"fields": BROWSE})


def _kept(model: str, name: str, data: Any, explores: Explores) -> Mapping[str, Any]:
    found: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    explores.keep((model, name), columns_from_metadata(found.get("fields") or {}))
    return found


def models() -> Flow[list[Mapping[str, Any]]]:
    """The LookML models this user may see, with their explores listed."""
    response = yield Call("GET", "lookml_models", {"fields": MODELS})
    check(response, "the list of LookML models")
    found = response.json()
    return [m for m in found if isinstance(m, Mapping)] if isinstance(found, list) else []
