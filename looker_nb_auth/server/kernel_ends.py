"""When a kernel restarts or stops, the logins it started cannot finish.

A login's PKCE verifier lives in the kernel process that started it (``client/session.py``). A
restart ends that process (the kernel keeps its id, and its secret, ``kernel_secrets.py``, but not
its memory), and so does a shutdown. So the server extension hooks the kernel manager's own
``restart_kernel`` and ``shutdown_kernel``, through which every restart and shutdown the server
does passes (the REST API, sessions, the idle culler), and tells the store before the process
ends: the kernel's pending logins are dropped and their states remembered as gone
(``server/pending.py``), so the callback page can say that the login cannot finish, and why,
instead of taking the code for nobody.

A kernel that dies of itself (and is restarted by its kernel manager's restarter, or given up)
does not pass through these: its logins expire as logins whose answer never came do.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["on_kernel_end"]

#: The kernel manager's methods (``MappingKernelManager``, async in Jupyter Server 2) that end a
#: kernel's process, and whose first argument is the kernel id.
_ENDS = ("restart_kernel", "shutdown_kernel")


def on_kernel_end(kernel_manager: Any, ended: Callable[[str], None]) -> None:
    """Call ``ended(kernel_id)`` whenever ``kernel_manager`` is asked to restart or shut down a
    kernel, before it does (a restart that then fails has ended the process all the same)."""
    for name in _ENDS:
        setattr(kernel_manager, name, _telling(getattr(kernel_manager, name), ended))


def _telling(method: Callable[..., Any], ended: Callable[[str], None]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def ending(*args: Any, **kwargs: Any) -> Any:
        kernel_id = kwargs.get("kernel_id", args[0] if args else None)
        if isinstance(kernel_id, str):
            ended(kernel_id)
        result = method(*args, **kwargs)
        return await result if inspect.isawaitable(result) else result

    return ending
