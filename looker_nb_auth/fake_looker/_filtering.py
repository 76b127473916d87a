"""A WriteQuery's ``filters`` in the stand-in's query engine: on dimensions before grouping
(`filter_checks`: ``"a,b"`` is "a or b"), on measures after aggregation as Looker's ``HAVING``
(`measure_filters`, `having`), and on filter-only fields and parameters, which no templated SQL
reads here, so they keep every row (a parameter's value must be one it allows)."""

from __future__ import annotations

from collections.abc import Callable, Collection

from ._filter_fields import FILTER_ONLY
from ._refusals import QueryError

__all__ = ["MeasureCheck", "filter_checks", "having", "measure_filters"]


def filter_checks(
    filters: object,
    dimensions: Collection[str],
    measures: Collection[str],
    *,
    failing: Collection[str] = (),
) -> list[tuple[str, set[str]]]:
    """A WriteQuery's ``filters`` as (dimension, the values it keeps): ``"a,b"`` is "a or b".
    A filter on a ``failing`` dimension is left to the database, which fails on it."""
    if filters is None:
        return []
    if not isinstance(filters, dict):
        raise QueryError("filters", "filters must be an object of field name to filter value.")
    checks = []
    for field, expression in filters.items():
        if field in failing and isinstance(expression, str):
            continue  # the database fails on it (run_query)
        if field in measures:
            continue  # applied after aggregation, as Looker's HAVING (`measure_filters`)
        if _filter_only(field, expression, dimensions):
            continue  # no templated SQL reads it, so it keeps every row
        if field not in dimensions:
            raise QueryError("filters", f"Unknown field {field[:100]!r} in filters.")
        if not isinstance(expression, str):
            raise QueryError("filters", "A filter value must be a string.")
        checks.append((field, {part.strip() for part in expression.split(",")}))
    return checks


def _filter_only(field: str, expression: object, dimensions: Collection[str]) -> bool:
    """Whether ``field`` is a filter-only field or parameter of the explore (`FILTER_ONLY`);
    a parameter's value must be one of its allowed values."""
    found = FILTER_ONLY.get(field)
    if found is None or not any(d.startswith(f"{found.view}.") for d in dimensions):
        return False
    allowed = [value for _, value in found.allowed]
    if not isinstance(expression, str) or (allowed and expression not in allowed):
        sentence = f"The parameter {field} takes one of {', '.join(allowed)}."
        raise QueryError("filters", sentence if allowed else "A filter value must be a string.")
    return True


_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
}
MeasureCheck = tuple[str, Callable[[object], bool]]


def measure_filters(filters: object, measures: Collection[str]) -> list[MeasureCheck]:
    """A WriteQuery's filters on measures, which Looker applies after aggregation (HAVING):
    ``"15"`` or ``"10,15"`` (equal to one), ``">14"``, ``">=14"``, ``"<2"``, ``"<=2"``,
    ``"!=3"``. `filter_checks` has checked the filters' shape."""
    if not isinstance(filters, dict):
        return []
    return [
        (field, _number_test(str(expression)))
        for field, expression in filters.items()
        if field in measures
    ]


def _number_test(expression: str) -> Callable[[object], bool]:
    tests = []
    for part in (p.strip() for p in expression.split(",")):
        operator = next((o for o in _COMPARISONS if part.startswith(o)), "=")
        try:
            bound = float(part[len(operator) :] if part.startswith(operator) else part)
        except ValueError:
            sentence = f"Cannot filter a measure by {expression[:100]!r}; use a number like >10."
            raise QueryError("filters", sentence) from None
        tests.append((_COMPARISONS[operator], bound))

    def keeps(value: object) -> bool:
        if not isinstance(value, (int, float)):
            return False  # a null measure matches no number
        return any(compare(float(value), bound) for compare, bound in tests)

    return keeps


def having(rows: list[dict[str, object]], checks: list[MeasureCheck]) -> list[dict[str, object]]:
    """The aggregated rows that every measure filter keeps."""
    return [row for row in rows if all(keeps(row[field]) for field, keeps in checks)]
