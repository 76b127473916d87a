"""``session.explore("<TAB>``: model names, then explore names, completed in IPython and Jupyter.

IPython completes names and attributes, and dictionary keys through
``_ipython_key_completions_``, but not a function's string arguments: a matcher does
(IPython's Matcher API v2, ``context_matcher``, IPython 8.6 and later). `register` adds it to
the running shell, once, when a session first browses (``models()``, ``explore()``) or when
this module is imported inside IPython (``looker_nb_auth.explore`` imports it).

The matcher completes the first string argument of ``<name>.explore(`` with model names and the
second with the explore names of that model, where ``<name>`` is, in the shell's namespace, a
session that is logged in. It reads the models list the session has, and if there is none yet
fetches it once per session within `FETCH_SECONDS` (a TAB must not hang). It never raises: a
completion that fails offers nothing, and IPython's other matchers answer.
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__ = ["FETCH_SECONDS", "matcher", "register"]

_ID = "looker_nb_auth.explore"
#: How long a TAB may wait for the models list, the first time.
FETCH_SECONDS = 2.0

_MODEL = re.compile(r"([A-Za-z_][\w.]*)\.explore\(\s*(['\"])([^'\"]*)$")
_EXPLORE = re.compile(
    r"([A-Za-z_][\w.]*)\.explore\(\s*(['\"])([^'\"]*)\2\s*,\s*(?:explore\s*=\s*)?(['\"])([^'\"]*)$"
)


def _session(shell: Any, name: str) -> Any:
    """The logged-in session ``name`` is in ``shell``'s namespace, or None (no code runs: names
    and attributes are looked up as stored, never through properties)."""
    import inspect

    from .calls import ExploreCalls

    head, *rest = name.split(".")
    found: Any = shell.user_ns.get(head)
    for part in rest:
        found = inspect.getattr_static(found, part, None)
    if isinstance(found, ExploreCalls) and getattr(found, "is_logged_in", False):
        return found
    return None


def _names(shell: Any, text: str) -> tuple[list[str], str] | None:
    """The names to offer at the end of ``text`` and the fragment they complete."""
    second = _EXPLORE.search(text)
    if second is not None:
        session = _session(shell, second[1])
        models = session._known_models(FETCH_SECONDS) if session is not None else None
        if models is None or second[3] not in models:
            return None
        typed = second[5]
        return [n for n in models[second[3]] if n.startswith(typed)], typed
    first = _MODEL.search(text)
    if first is not None:
        session = _session(shell, first[1])
        models = session._known_models(FETCH_SECONDS) if session is not None else None
        if models is None:
            return None
        typed = first[3]
        return [n for n in models if n.startswith(typed)], typed
    return None


def matcher(context: Any) -> dict[str, Any]:
    """The Matcher API v2 matcher (see the module's docstring)."""
    from IPython.core.completer import SimpleCompletion
    from IPython.core.getipython import get_ipython

    nothing: dict[str, Any] = {"completions": [], "suppress": False}
    try:
        shell = get_ipython()
        found = _names(shell, context.text_until_cursor) if shell is not None else None
    except Exception:
        return nothing
    if not found or not found[0]:
        return nothing
    names, typed = found
    return {
        "completions": [SimpleCompletion(n, type="looker") for n in sorted(names)],
        "matched_fragment": typed,
        "suppress": True,  # not file names, which IPython offers inside a string
    }


def register() -> bool:
    """Add `matcher` to the running IPython shell's completer, once; False outside IPython
    (which is not imported for this: a script that never imported it has no shell)."""
    if "IPython" not in sys.modules:
        return False
    try:
        from IPython.core.completer import context_matcher
        from IPython.core.getipython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    completer = getattr(shell, "Completer", None)
    if completer is None:
        return False
    if matcher not in completer.custom_matchers:
        completer.custom_matchers.append(context_matcher(identifier=_ID)(matcher))
    return True
