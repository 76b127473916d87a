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

__all__ = ["BROWSE", "MODELS", "explore", "models"]

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
    path = f"lookml_models/{quote(model, safe='')}/explores/{quote(name, safe='')}"
    response = yield Call("GET", path, {"fields": BROWSE})
    shown = f"explore {model}::{name}"
    check(response, shown, missing=f"model or {shown}")
    data: Mapping[str, Any] = response.json()
    explores.keep((model, name), columns_from_metadata(data.get("fields") or {}))
    return data


def models() -> Flow[list[Mapping[str, Any]]]:
    """The LookML models this user may see, with their explores listed."""
    response = yield Call("GET", "lookml_models", {"fields": MODELS})
    check(response, "the list of LookML models")
    found = response.json()
    return [m for m in found if isinstance(m, Mapping)] if isinstance(found, list) else []
