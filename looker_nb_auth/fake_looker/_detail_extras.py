"""What a json_detail answer's head says beyond the stand-in's rendering of it, as real instances
send it: the row-total pivot column, ``columns_truncated`` when pivot columns were cut, and the
Development Mode note in ``errors`` (``FakeLookerConfig.development_mode_note``)."""

from __future__ import annotations

import json

from ._pivots import ROW_TOTAL_KEY, PivotColumns

__all__ = ["DEVELOPMENT_MODE_NOTE", "with_extras"]

#: The note real instances put in ``errors`` in Development Mode (as spectacles quotes it).
DEVELOPMENT_MODE_NOTE = (
    "Note: This query contains derived tables with conditional SQL for Development Mode. "
    "Query results in Production Mode might be different."
)
_DATA = ',"data":['


def with_extras(head: str, pivot: PivotColumns | None, note: bool) -> str:
    """``head`` (a json_detail object up to its ``"data":[``) with the extras that apply."""
    if not head.endswith(_DATA) or (not note and pivot is None):
        return head
    detail = json.loads(head[: -len(_DATA)] + "}")
    if note:
        detail["errors"] = [{"message": DEVELOPMENT_MODE_NOTE}]  # a message alone, no level
    if pivot is not None:
        detail["columns_truncated"] = pivot.truncated
        if pivot.row_total:
            total = {"key": ROW_TOTAL_KEY, "is_total": True, "data": {}, "sort_values": {}}
            detail["pivots"] = [*detail.get("pivots", []), {**total, "labels": {}}]
    return json.dumps(detail, separators=(",", ":"))[:-1] + _DATA
