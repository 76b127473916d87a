"""A query's ``dynamic_fields``: table calculations and custom fields, as Looker stores them.

Looker keeps them on the query as one JSON string (the spec's ``Query.dynamic_fields``), a list
of entries; the Explore writes a table calculation as ``{"table_calculation": "share", "label":
"Share", "expression": "${orders.count}/sum(${orders.count})", "value_format_name": null,
"_kind_hint": "measure", "_type_hint": "number"}`` (as a Google Cloud community answer quotes
it from the browser's network tab), a custom measure as ``{"measure": "...", "based_on":
"orders.sale_price", "type": "sum", "label": ...}`` and a custom dimension as ``{"dimension":
"...", "expression": ...}``. The query's ``fields`` name them like any field.

The stand-in computes a small part of Looker's expression language: ``${field}`` references,
numbers, ``+ - * /``, parentheses and ``sum(...)`` (the column's total); anything else is a
`QueryError` on ``dynamic_fields``, which fails when the query runs (``query_errors``). A null
operand or a division by zero gives null, as Looker's table calculations do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._data import QueryError

__all__ = [
    "CUSTOM_MEASURE_TYPES",
    "DynamicField",
    "aggregate",
    "compile_expression",
    "parse_dynamic_fields",
]

#: The custom measure ``type``s the stand-in aggregates.
CUSTOM_MEASURE_TYPES = ("sum", "count_distinct", "average", "min", "max", "count")
_KINDS = ("table_calculation", "measure", "dimension")


@dataclass(frozen=True)
class DynamicField:
    """One entry of ``dynamic_fields``: ``kind`` is the key that names it."""

    name: str
    kind: str  # table_calculation, measure or dimension
    label: str
    expression: str | None = None
    type_hint: str | None = None
    kind_hint: str | None = None
    based_on: str | None = None
    measure_type: str | None = None
    value_format_name: str | None = None

    @property
    def is_measure(self) -> bool:
        """Whether the field sits with the measures (a table calculation of measures does)."""
        if self.kind == "measure":
            return True
        if self.kind == "table_calculation":
            return self.kind_hint != "dimension"
        return False

    @property
    def is_numeric(self) -> bool:
        if self.kind == "measure":
            return True
        return self.type_hint == "number"

    @property
    def type(self) -> str:
        """The LookML type json_detail gives it: the measure's type, else its ``_type_hint``."""
        if self.kind == "measure":
            return self.measure_type or "number"
        return self.type_hint or "string"


def _bad(message: str) -> QueryError:
    return QueryError("dynamic_fields", message)


def parse_dynamic_fields(value: object) -> dict[str, DynamicField]:
    """A query's ``dynamic_fields`` by name; a `QueryError` for what Looker could not read."""
    if value in (None, "", "[]"):
        return {}
    if not isinstance(value, str):
        raise _bad("dynamic_fields must be a JSON string (a list of field definitions).")
    try:
        entries = json.loads(value)
    except ValueError:
        raise _bad("dynamic_fields is not valid JSON.") from None
    if not isinstance(entries, list):
        raise _bad("dynamic_fields must be a JSON list of field definitions.")
    found: dict[str, DynamicField] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise _bad("Each entry of dynamic_fields must be an object.")
        field = _entry(entry)
        if field is not None:
            found[field.name] = field
    return found


def _entry(entry: dict[str, object]) -> DynamicField | None:
    kinds = [k for k in _KINDS if isinstance(entry.get(k), str) and entry[k]]
    if len(kinds) != 1:
        raise _bad("A dynamic field must be a table_calculation, a measure or a dimension.")
    if entry.get("is_disabled") is True:
        return None
    kind = kinds[0]
    name = str(entry[kind])
    label = entry.get("label")
    return DynamicField(
        name=name,
        kind=kind,
        label=label if isinstance(label, str) and label else name.replace("_", " ").title(),
        expression=_text(entry.get("expression")),
        type_hint=_text(entry.get("_type_hint")),
        kind_hint=_text(entry.get("_kind_hint")),
        based_on=_text(entry.get("based_on")),
        measure_type=_text(entry.get("type")),
        value_format_name=_text(entry.get("value_format_name")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def aggregate(
    field: DynamicField, known: Sequence[str]
) -> Callable[[Sequence[dict[str, object]]], object]:
    """A custom measure as a function of a group's rows: its ``type`` over ``based_on``."""
    if field.measure_type not in CUSTOM_MEASURE_TYPES:
        types = ", ".join(CUSTOM_MEASURE_TYPES)
        raise _bad(f"Custom measure {field.name!r}: the stand-in aggregates {types}.")
    based_on = field.based_on
    if field.measure_type != "count" and based_on not in known:
        raise _bad(f"Custom measure {field.name!r} is based on an unknown field {based_on!r}.")
    kind = field.measure_type

    def measure(rows: Sequence[dict[str, object]]) -> object:
        if kind == "count":
            return len(rows)
        values = [row[str(based_on)] for row in rows if row[str(based_on)] is not None]
        if kind == "count_distinct":
            return len(set(values))
        if not values:
            return None
        numbers = [float(str(v)) for v in values]
        if kind == "sum":
            return round(sum(numbers), 2)
        if kind == "average":
            return round(sum(numbers) / len(numbers), 6)
        return min(numbers) if kind == "min" else max(numbers)

    return measure


Column = list[object]
Evaluate = Callable[[dict[str, Column], int], Column]
_TOKEN = re.compile(r"\s*(?:(\$\{[A-Za-z0-9_.]+\})|(\d+(?:\.\d+)?)|([A-Za-z_]+)|(.))")


def compile_expression(name: str, expression: str | None) -> tuple[Evaluate, set[str]]:
    """An expression as a function of the result's columns (by field name) and its row count,
    and the fields it references; a `QueryError` for what the stand-in cannot compute."""
    if not expression:
        raise _bad(f"Dynamic field {name!r} has no expression.")
    tokens: list[tuple[str, str]] = []
    for ref, number, word, other in _TOKEN.findall(expression):
        if ref:
            tokens.append(("ref", ref[2:-1]))
        elif number:
            tokens.append(("number", number))
        elif word:
            tokens.append(("word", word))
        elif other.strip():
            tokens.append(("op", other))
    parser = _Parser(name, tokens)
    evaluate = parser.expression()
    if parser.at < len(tokens):
        raise parser.unexpected()
    return evaluate, parser.refs


class _Parser:
    """Recursive descent over ``+ - * /``, unary minus, parentheses, ``sum(...)``."""

    def __init__(self, name: str, tokens: list[tuple[str, str]]) -> None:
        self.name = name
        self.tokens = tokens
        self.at = 0
        self.refs: set[str] = set()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def unexpected(self) -> QueryError:
        token = self.peek()
        where = f"at {token[1]!r}" if token else "at its end"
        return _bad(f"Table calculation {self.name!r}: cannot read the expression {where}.")

    def expression(self) -> Evaluate:
        left = self.term()
        while (token := self.peek()) is not None and token in (("op", "+"), ("op", "-")):
            self.at += 1
            left = _binary(token[1], left, self.term())
        return left

    def term(self) -> Evaluate:
        left = self.factor()
        while (token := self.peek()) is not None and token in (("op", "*"), ("op", "/")):
            self.at += 1
            left = _binary(token[1], left, self.factor())
        return left

    def factor(self) -> Evaluate:
        token = self.peek()
        if token is None:
            raise self.unexpected()
        self.at += 1
        kind, text = token
        if kind == "number":
            constant = float(text) if "." in text else int(text)
            return lambda _columns, count: [constant] * count
        if kind == "ref":
            self.refs.add(text)
            return lambda columns, _count: list(columns[text])
        if token == ("op", "-"):
            inner = self.factor()
            return _binary("*", lambda _c, count: [-1] * count, inner)
        if token == ("op", "("):
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "word" and text == "sum":
            self.expect("(")
            inner = self.expression()
            self.expect(")")
            return _total(inner)
        self.at -= 1
        if kind == "word":
            raise _bad(f"Table calculation {self.name!r}: unknown function {text!r}.")
        raise self.unexpected()

    def expect(self, op: str) -> None:
        if self.peek() != ("op", op):
            raise self.unexpected()
        self.at += 1


def _binary(op: str, left: Evaluate, right: Evaluate) -> Evaluate:
    def evaluate(columns: dict[str, Column], count: int) -> Column:
        return [
            _apply(op, a, b)
            for a, b in zip(left(columns, count), right(columns, count), strict=True)
        ]

    return evaluate


def _apply(op: str, a: object, b: object) -> object:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return None if b == 0 else a / b


def _total(inner: Evaluate) -> Evaluate:
    def evaluate(columns: dict[str, Column], count: int) -> Column:
        values = [v for v in inner(columns, count) if isinstance(v, (int, float))]
        return [sum(values) if values else None] * count

    return evaluate
