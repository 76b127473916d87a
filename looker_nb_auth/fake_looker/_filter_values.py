"""Whether a filter value reads as a Looker filter expression for its field's type.

Only ``bad_filter="error"`` uses it: what Looker answers for a value it cannot parse (say
``"not a date at all"`` on a month) is undocumented, so that knob makes it a run-time error
like Looker's other build errors, while the default lets it match nothing. The grammar is the
part of Looker's filter-expression reference (https://cloud.google.com/looker/docs/filter-expressions)
a notebook is likely to send: for dates absolute dates, ``yyyy-Qn``, ``FYyyyy``, relative
periods (``last 3 months``, ``3 days ago``, ``this year``, ``today``), ``before``/``after``,
``X to Y``, ``X for N units``; for numbers values, comparisons, ``a to b``, intervals and
``NOT``; for yesno ``yes``/``no``; ``NULL``/``NOT NULL`` everywhere; comma-separated lists.
Strings take anything.
"""

from __future__ import annotations

import re

from ._fields import FIELDS
from ._filter_fields import FILTER_ONLY

__all__ = ["unparseable"]

_UNIT = r"(?:second|minute|hour|day|week|month|quarter|fiscal quarter|year|fiscal year)s?"
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_ABSOLUTE = (
    r"(?:\d{4}(?:[-/]\d{1,2}(?:[-/]\d{1,2}(?:[ t]\d{1,2}(?::\d{2}){0,2})?)?)?"
    r"|\d{4}-q[1-4]|fy\d{4}(?:-q[1-4])?)"
)
_RELATIVE = (
    rf"(?:today|yesterday|tomorrow|now|{_DAY}|(?:this|last|next) (?:\d+ )?{_UNIT}"
    rf"|\d+ {_UNIT}(?: (?:ago|from now))?)"
)
_POINT = rf"(?:{_ABSOLUTE}|{_RELATIVE})"
_DATE = re.compile(
    rf"(?:(?:before|after|is on) )?{_POINT}(?: to {_POINT}| for \d+ {_UNIT}| to {_UNIT})?"
    rf"|this {_UNIT} to {_UNIT}",
    re.IGNORECASE,
)
_NUM = r"-?\d+(?:\.\d+)?"
_NUMBER = re.compile(
    rf"(?:not )?(?:(?:<>|!=|>=|<=|>|<|=)?{_NUM}|{_NUM} to {_NUM}|to {_NUM}|{_NUM} to"
    rf"|[\[(](?:-inf|{_NUM}), ?(?:inf|{_NUM})[\])])",
    re.IGNORECASE,
)
_YESNO = re.compile(r"yes|no", re.IGNORECASE)
_PARTS = re.compile(r",(?![^\[(]*[\])])")  # commas, but not those inside an interval
_NULLS = re.compile(r"(?:not )?null|-?null", re.IGNORECASE)


def _grammar(field_type: str) -> re.Pattern[str] | None:
    if field_type.startswith("date"):
        return _DATE
    if field_type == "number":
        return _NUMBER
    if field_type == "yesno":
        return _YESNO
    return None  # strings: any text is an expression


def unparseable(filters: object) -> tuple[str, str] | None:
    """The first (field, value) of a WriteQuery's ``filters`` whose value does not read as an
    expression for the field's LookML type; None when all do (or the type takes any text).
    Filters on fields the stand-in does not know are left to the query's own checks."""
    if not isinstance(filters, dict):
        return None
    for field, value in filters.items():
        info = FIELDS.get(field)
        grammar = None if info is None or info.measure else _grammar(info.type)
        if field in FILTER_ONLY and not FILTER_ONLY[field].parameter:
            grammar = _grammar(FILTER_ONLY[field].type)
        if grammar is None or not isinstance(value, str):
            continue
        parts = [part.strip() for part in _PARTS.split(value)]
        if not all(_NULLS.fullmatch(p) or grammar.fullmatch(p) for p in parts):
            return field, value
    return None
