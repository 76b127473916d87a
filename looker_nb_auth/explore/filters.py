"""Is a filter value one of Looker's filter expressions for its field's type?

Looker's filter expressions (https://cloud.google.com/looker/docs/filter-expressions) differ by
field type: strings take anything (``FOO``, ``%FOO%``, ``-FOO,BAR``, ``EMPTY``); numbers take
numbers, comparisons, ``NOT``, ``AND``/``OR``, ranges (``5 to 10``, ``1 to``, ``to 10``),
intervals (``[1, 10]``, ``(500, inf)``) and ``NULL``; yesno fields ``Yes`` or ``No``; dates and
times absolute dates (``2024/01/01``, ``2024-01``, ``2024``, ``FY2024-Q1``), relative ones
(``7 days``, ``last week``, ``this year``, ``3 days ago for 2 days``, ``2 weeks from now``),
``before``/``after``/``to``/``for`` between them, weekdays, ``today``... and ``NULL``.

Looker itself does not refuse a value it cannot read: it builds a query that matches nothing
(``docs/fidelity.md``), so a typo costs a run and an empty result. The check here is
deliberately loose: an expression is refused only when it holds a word no documented form of
its type uses (``not a date at all``, ``abc`` for a number), never because the words are in an
order this module does not know. Refusing a valid filter would be worse than passing a wrong one
to Looker, which answers it as it does today. Parameters and strings are never refused.
"""

from __future__ import annotations

import re

from ..dataframes.describe import Column

__all__ = ["problem"]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NUMBER_WORDS = {"not", "and", "or", "null", "to", "inf", "-inf", "+inf"}
_NUMBER_TOKENS = re.compile(r"<=|>=|<>|!=|[<>=\[\](),]|[^\s<>=!\[\](),]+")

_UNITS = {
    "second",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "fiscal",
    "millisecond",
    "microsecond",
}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_MONTHS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
}
_DATE_WORDS = {
    "today",
    "yesterday",
    "tomorrow",
    "now",
    "this",
    "last",
    "next",
    "previous",
    "ago",
    "from",
    "for",
    "to",
    "before",
    "after",
    "on",
    "in",
    "the",
    "past",
    "null",
    "-null",
    "not",
    "is",
    "any",
    "time",
    "and",
    "or",
    "utc",
    "am",
    "pm",
    "ytd",
    "qtd",
    "mtd",
    "wtd",
}
# A token that holds digits: a date, a time, a year, a count, FY2024, Q1, 2024-Q1, -1.
_DATE_TOKEN = re.compile(r"^[+-]?(fy)?[\d/:.\-_tqz+]*\d[\d/:.\-_tqz+]*$", re.IGNORECASE)
_YESNO = {"yes", "no", "null", "not null", "-null", "true", "false"}


def problem(value: object, column: Column, lookml_type: str, category: str) -> str | None:
    """Why ``value`` is no filter expression for a field (``column``, ``lookml_type``,
    ``category``), as the end of a sentence; ``None`` when it may be one."""
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            return f"is a {type(value).__name__}, and Looker's filter values are text"
    text = value.strip()
    if not text or category == "parameter" or text.startswith("{") or "{{" in text:
        return None  # "any value", a parameter's choices, Liquid: Looker's to judge
    timeframe = lookml_type.startswith(("date", "time", "duration")) or column.kind in (
        "datetime",
        "quarter",
    )
    if column.kind == "boolean":
        parts = {p.strip().lower() for p in text.split(",")}
        if parts <= _YESNO:
            return None
        return "is not Yes or No, which is what a yesno field is filtered by"
    if timeframe:
        if _number(text) or _date(text):
            return None
        return (
            "is not a date filter Looker documents (such as 2024-01-01, 2024/01/01 to "
            "2024/02/01, last 7 days, this year, before 2020-01-01, 7 days ago for 7 days)"
        )
    if column.kind == "number":
        if _number(text):
            return None
        return (
            "is not a number filter Looker documents (such as 5, >=5, NOT 3, 1,3,5, 5 to 10, "
            "[1, 10], NULL)"
        )
    return None


def _number(text: str) -> bool:
    """Every token is a number, an operator, a bracket or comma, or a word of the number
    filters."""
    for token in _NUMBER_TOKENS.findall(text):
        lowered = token.lower()
        if lowered in _NUMBER_WORDS or _NUMBER.match(token):
            continue
        if token in ("<", ">", "<=", ">=", "=", "!=", "<>", "[", "]", "(", ")", ","):
            continue
        return False
    return True


def _date(text: str) -> bool:
    """Every word is a date, a time, a number, a unit, a weekday or month (or their first
    three letters), or a word of the date filters."""
    for token in re.split(r"[\s,]+", text.lower()):
        word = token.rstrip(".")
        if not word or _DATE_TOKEN.match(word):
            continue
        if word.removesuffix("s") in _UNITS or word in _WORDS:
            continue
        return False
    return True


_NAMES = _WEEKDAYS | _MONTHS
_WORDS = _DATE_WORDS | _NAMES | {name[:3] for name in _NAMES} | {"sept", "tues", "thur", "thurs"}
