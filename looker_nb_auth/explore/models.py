"""The LookML models a user may query, and their explores: `Models` and `Model`.

``session.models()`` lists them in one request (``GET /lookml_models``); an explore's fields
are fetched only when it is opened (``models["thelook"]["orders"]``, which is
``session.explore("thelook", "orders")``), because a model can have hundreds of explores.
Hidden explores are not listed, as Looker's menu does not list them; they open by name.
"""

from __future__ import annotations

import difflib
from collections import UserDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from . import render

if TYPE_CHECKING:
    from .explore import Explore

__all__ = ["ExploreInfo", "Model", "Models"]


def _unknown(name: str, what: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"no {what} is called {name!r}{hint}"


class Opener(Protocol):
    """What opens an explore: the session's ``explore``."""

    def explore(self, model: str, explore: str, *, refresh: bool = False) -> Explore: ...


@dataclass(frozen=True)
class ExploreInfo:
    """An explore as the models list names it (``LookmlModelNavExplore``)."""

    name: str
    label: str
    description: str
    group_label: str
    hidden: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExploreInfo:
        name = str(data.get("name") or "")
        return cls(
            name=name,
            label=str(data.get("label") or name),
            description=str(data.get("description") or ""),
            group_label=str(data.get("group_label") or ""),
            hidden=data.get("hidden") is True,
        )


class Model(Mapping[str, "Explore"]):
    """A LookML model: its explores by name (opened, with their fields, when looked up)."""

    def __init__(self, data: Mapping[str, Any], opener: Opener) -> None:
        self.name = str(data.get("name") or "")
        self.label = str(data.get("label") or self.name)
        self.project = str(data.get("project_name") or "")
        explores = [ExploreInfo.from_json(e) for e in data.get("explores") or () if e]
        self._explores = {e.name: e for e in explores if e.name}
        self._opener = opener

    @property
    def listed(self) -> list[ExploreInfo]:
        """The explores Looker's menu lists (not hidden)."""
        return [e for e in self._explores.values() if not e.hidden]

    def __getitem__(self, name: str) -> Explore:
        """The explore ``name`` (hidden ones too), opened with its fields; `KeyError` naming
        the close names for one this model does not have."""
        if name not in self._explores:
            raise KeyError(_unknown(name, f"explore of model {self.name}", self._explores))
        return self._opener.explore(self.name, name)

    def __iter__(self) -> Iterator[str]:
        return iter(e.name for e in self.listed)

    def __len__(self) -> int:
        return len(self.listed)

    def __contains__(self, name: object) -> bool:
        return name in self._explores

    def _ipython_key_completions_(self) -> list[str]:
        return list(self)

    def __repr__(self) -> str:
        lines = [f"<Model {self.name} {self.label!r} (project {self.project or '?'})"]
        lines += [f"  {e.name:<30} {e.label}" for e in self.listed]
        return "\n".join(lines) + ">"


class Models(UserDict[str, Model]):
    """The LookML models this user may query, by name (``session.models()``); read-only.

    A `collections.UserDict` that does not override ``__getitem__``, because IPython evaluates a
    subscript while completing only on types it knows to be harmless: so ``models["demo"]["<TAB>``
    completes explore names. (`Model` is a plain Mapping: its lookup opens an explore, which a
    TAB must not do.)"""

    def __init__(self, found: Iterable[Mapping[str, Any]], opener: Opener) -> None:
        super().__init__()
        models = (Model(data, opener) for data in found)
        self.data = {m.name: m for m in models if m.name}

    def __missing__(self, name: str) -> Model:
        raise KeyError(_unknown(name, "model this user may query", self.data))

    def __setitem__(self, name: str, model: Model) -> None:
        raise TypeError("the models are Looker's: session.models(refresh=True) reads them again")

    def __delitem__(self, name: str) -> None:
        raise TypeError("the models are Looker's: session.models(refresh=True) reads them again")

    def _ipython_key_completions_(self) -> list[str]:
        return list(self.data)

    def __repr__(self) -> str:
        lines = [f"<Models: {len(self)}"]
        for model in self.data.values():
            names = ", ".join(e.name for e in model.listed)
            lines.append(f"  {model.name} ({model.label}): {names or 'no explores'}")
        lines.append('  open one with session.explore("model", "explore")>')
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return render.models_html(self)
