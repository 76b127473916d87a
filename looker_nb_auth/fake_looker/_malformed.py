"""A malformed results body, as a broken proxy or Looker might send one
(``FakeLookerConfig.malformed_results``), and a body with more rows than asked for
(``ignore_limit``, applied where the query runs: ``_execute.execute``).

No Looker source: plausible answers of a broken proxy or Looker that a client must turn into a
sentence rather than a parser's traceback.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from ._config import MalformedShape

__all__ = ["DEEP", "malformed"]

#: How deep the ``deep_json`` array is nested.
DEEP = 100_000
#: The rows of ``wrong_shape`` in json: arrays where Looker sends objects.
_ROWS_AS_ARRAYS = '[[1,"a"],[2,"b"]]'


def malformed(
    shape: MalformedShape, is_csv: bool, head: str, rest: Iterable[str]
) -> Iterator[str | bytes]:
    """The body of a result rendered as ``head`` then ``rest``, malformed in ``shape``."""
    if shape == "cut_row":
        return _cut_csv(head, rest) if is_csv else _cut_json(head, rest)
    if shape == "bad_utf8":
        return _bad_utf8_csv(head, rest) if is_csv else iter([b'[{"name":"\xff\xfe"}]'])
    if shape == "deep_json":
        return iter([head, *rest]) if is_csv else iter(["[" * DEEP + "]" * DEEP])
    if is_csv:  # wrong_shape
        return iter([head, _row(head, extra=1, cell="x"), *rest])
    return iter([_ROWS_AS_ARRAYS])


def _row(head: str, *, extra: int, cell: str) -> str:
    """A csv row with as many cells as the header has, plus ``extra``."""
    cells = len(next(csv.reader([head])))
    return ",".join([cell] * (cells + extra)) + "\n"


def _cut_csv(head: str, rest: Iterable[str]) -> Iterator[str]:
    yield head
    yield from rest
    yield '"cut sho'  # a last row that ends inside its first (quoted) cell


def _cut_json(head: str, rest: Iterable[str]) -> Iterator[str]:
    """Every chunk but the last (which closes the arrays and objects)."""
    yield head
    held: str | None = None
    for chunk in rest:
        if held is not None:
            yield held
        held = chunk
    yield '{"cut'


def _bad_utf8_csv(head: str, rest: Iterable[str]) -> Iterator[str | bytes]:
    yield head
    yield _row(head, extra=0, cell="\udcff").encode("utf-8", "surrogateescape")
    yield from rest
