"""One field of an explore, as a data scientist browses it: `Field`.

Built from Looker's ``LookmlModelExploreField`` (``GET /lookml_models/{model}/explores/{name}``).
Beside what Looker says of it (labels, group, description, LookML type), a field says the dtype
its column gets in a DataFrame (``dtype``): derived from the same `Column` the DataFrame path
types columns by, so what browsing shows is what ``run_query`` gives, by one rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..dataframes.describe import Column, Kind

__all__ = ["CATEGORIES", "NOT_A_COLUMN", "Field", "dtype_of"]

#: The ``dtype`` of a filter-only field or parameter: a query never selects it.
NOT_A_COLUMN = "(not a column)"

#: The groups of ``LookmlModelExploreFieldset`` a browser shows, in Looker's field picker order.
CATEGORIES = ("dimensions", "measures", "filters", "parameters")

#: What each kind of column becomes in a pandas DataFrame (``dtypes.py``).
_DTYPES: dict[Kind, str] = {
    "boolean": "boolean",
    "number": "Int64 or float64",
    "datetime": "datetime64",
    "quarter": "datetime64 (first day of the quarter)",
    "string": "string",
    "inferred": "inferred",
}


def dtype_of(column: Column) -> str:
    """The dtype ``column`` becomes in a pandas DataFrame, in words."""
    return _DTYPES[column.kind]


@dataclass(frozen=True)
class Field:
    """A dimension, measure, filter-only field or parameter of an explore.

    ``name`` is what a query names it by (``view.field``); ``category`` the group it is listed
    in (``dimension``, ``measure``, ``filter``, ``parameter``); ``lookml_type`` its LookML type
    (``date_month``, ``sum``...); ``dtype`` what its column becomes in a DataFrame.
    """

    name: str
    label: str
    label_short: str
    view: str
    view_label: str
    group_label: str
    group_variant: str
    description: str
    lookml_type: str
    category: str
    hidden: bool
    dtype: str
    column: Column

    @classmethod
    def from_json(cls, data: Mapping[str, Any], category: str) -> Field:
        """From a ``LookmlModelExploreField`` listed under ``category``."""
        column = Column.from_field(data)
        name = column.name
        view = str(data.get("view") or data.get("scope") or name.partition(".")[0])
        return cls(
            name=name,
            label=column.label,
            label_short=str(data.get("label_short") or column.label),
            view=view,
            view_label=str(data.get("view_label") or view.replace("_", " ").title()),
            group_label=str(data.get("field_group_label") or ""),
            group_variant=str(data.get("field_group_variant") or ""),
            description=str(data.get("description") or ""),
            lookml_type=str(data.get("type") or ""),
            category=category,
            hidden=data.get("hidden") is True,
            dtype=dtype_of(column) if category in ("dimension", "measure") else NOT_A_COLUMN,
            column=column,
        )

    @property
    def is_dimension(self) -> bool:
        return self.category == "dimension"

    @property
    def is_measure(self) -> bool:
        return self.category == "measure"

    def __repr__(self) -> str:
        kind = f"{self.category}, {self.lookml_type or 'no type'} -> {self.dtype}"
        about = f": {self.description}" if self.description else ""
        hidden = ", hidden" if self.hidden else ""
        return f"<Field {self.name} {self.label!r} ({kind}{hidden}){about}>"
