"""Field names as Python sees them: `FieldNamespace` for ``explore.fields.<TAB>``, and
`suggest` for "did you mean" when a name is not the explore's.

``explore.fields`` is two levels, view then field, as LookML names them
(``explore.fields.orders.created_month``): a TAB after ``fields.`` lists a few views rather than
every field, and ``view.field`` cannot be ambiguous the way a flattened ``orders__created_month``
can be. Attributes are set on each namespace's ``__dict__`` and there is no ``__getattr__``:
Jedi looks attributes up statically, and IPython's own completer (without Jedi) evaluates
``explore.fields.orders`` only on objects that do not override attribute access. A name that is
not there is Python's own `AttributeError`; ``explore["view.field"]`` is the lookup that says
"did you mean".

A LookML name is already an identifier; a name that is not (a custom field, a keyword such as
``class``, a leading digit) is made one: other characters become ``_``, a leading digit gets a
``_`` before it, a keyword a ``_`` after it, and a name two fields would share gets ``_2``,
``_3``... in the explore's order. ``explore["view.field"]`` always takes the name as Looker
spells it.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fields import Field

__all__ = ["FieldNamespace", "identifier", "namespace", "suggest"]

_NOT_WORD = re.compile(r"\W")


def identifier(name: str) -> str:
    """``name`` as a Python identifier (see the module's docstring)."""
    made = _NOT_WORD.sub("_", name) if name else "_"
    if made[0].isdigit():
        made = f"_{made}"
    if keyword.iskeyword(made):  # soft keywords (match, type) are identifiers
        made = f"{made}_"
    return made


def _unique(name: str, taken: set[str]) -> str:
    chosen, n = name, 1
    while chosen in taken or chosen in ("_title", "_names") or chosen.startswith("__"):
        n += 1
        chosen = f"{name}_{n}"
    taken.add(chosen)
    return chosen


class FieldNamespace:
    """Fields (or views of fields) as attributes, for TAB completion; iterating gives the
    fields, ``repr`` lists the attribute names."""

    def __init__(self, title: str, members: Mapping[str, Field | FieldNamespace]) -> None:
        self.__dict__.update(members)
        self._title = title
        self._names = list(members)

    def __dir__(self) -> list[str]:
        return list(self._names)

    def __iter__(self) -> Iterator[Field]:
        for name in self._names:
            member = self.__dict__[name]
            if isinstance(member, FieldNamespace):
                yield from member
            else:
                yield member

    if TYPE_CHECKING:  # type checkers only: at run time IPython would not complete past it

        def __getattr__(self, name: str) -> Any: ...

    def __repr__(self) -> str:
        return f"<{self._title}: {', '.join(self._names)}>"


def namespace(title: str, fields: Iterable[Field]) -> FieldNamespace:
    """``fields`` grouped by view: ``namespace.view.field``."""
    by_view: dict[str, list[Field]] = {}
    for field in fields:
        by_view.setdefault(field.view, []).append(field)
    views: dict[str, Field | FieldNamespace] = {}
    taken: set[str] = set()
    for view, members in by_view.items():
        inner: set[str] = set()
        named: dict[str, Field | FieldNamespace] = {}
        for field in members:
            short = field.name.split(".", 1)[1] if "." in field.name else field.name
            named[_unique(identifier(short), inner)] = field
        views[_unique(identifier(view), taken)] = FieldNamespace(f"{title}.{view}", named)
    return FieldNamespace(title, views)


def suggest(given: str, names: Iterable[str], labels: Mapping[str, str]) -> list[str]:
    """Up to three names close to ``given``: by name, by the part after the view, or by label
    (``labels``: label → name), compared case-insensitively."""
    known = list(names)
    lowered = {name.lower(): name for name in known}
    found: list[str] = []

    def add(candidates: Iterable[str]) -> None:
        for name in candidates:
            if name not in found:
                found.append(name)

    text = given.strip().lower()
    add(lowered[m] for m in difflib.get_close_matches(text, lowered, n=3, cutoff=0.85))
    shorts: dict[str, list[str]] = {}
    for name in known:
        shorts.setdefault(name.split(".", 1)[-1].lower(), []).append(name)
    short = text.split(".", 1)[-1]
    for match in difflib.get_close_matches(short, shorts, n=3, cutoff=0.7):
        add(shorts[match])
    by_label = {label.lower(): name for label, name in labels.items()}
    add(by_label[m] for m in difflib.get_close_matches(text, by_label, n=3, cutoff=0.75))
    return found[:3]
