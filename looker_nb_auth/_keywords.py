"""Keywords defined once, as a ``TypedDict``, and still shown in each signature that takes them.

A function takes them as ``**options: Unpack[SomeOptions]`` (type checkers and editors that read
types complete them), and `spelled_out` writes them into its ``__signature__``, so ``help()``,
Jupyter's Shift-Tab and its completion of ``redirect_uri=`` see them as keyword parameters too:
one definition instead of a keyword list copied into every function.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, get_type_hints

__all__ = ["spelled_out"]

F = TypeVar("F", bound=Callable[..., Any])


def spelled_out(options: type) -> Callable[[F], F]:
    """Show the keys of a ``**options: Unpack[options]`` as keyword parameters in the decorated
    function's signature, and refuse any other keyword as Python would (``TypeError``)."""
    hints = get_type_hints(options)

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        shown = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=hint)
            for name, hint in hints.items()
        ]
        known = {p.name for p in own} | set(hints)
        owner, _, name = function.__qualname__.rpartition(".")
        what = owner if name == "__init__" else name.lstrip("_")  # as the caller wrote it

        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            for given in kwargs:
                if given not in known:
                    raise TypeError(f"{what}() got an unexpected keyword argument {given!r}")
            return function(*args, **kwargs)

        checked.__signature__ = signature.replace(parameters=[*own, *shown])  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate
