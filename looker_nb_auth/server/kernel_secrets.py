"""Each kernel's own secret: which kernel a request to the kernel routes comes from.

The server run has one random secret. Every kernel this server starts inherits, instead of it, a
secret of its own, ``<kernel id>.<HMAC of the kernel id under the run's secret>``, put into the
environment it is started with. So a request's secret names its kernel and nobody can make one
for another kernel id without the run's secret: a kernel's pending logins are counted (and picked
up, and forgotten) as that kernel's alone (``server/pending.py``), and one kernel's flood refuses
only that kernel. The run's secret itself stays in the server's environment for what the server
starts besides kernels (its terminals): such requests count as one more kernel, named ``""``.

Processes of the same OS user can read each other's environment: this separates kernels that
misbehave, not an attacker running as the user, who could read the run's secret as well.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
from typing import Any

from .._protocol import SECRET_ENV

__all__ = ["UNNAMED", "KernelSecrets"]

#: The kernel that requests made with the run's own secret count as.
UNNAMED = ""
#: Kernel ids this names; Jupyter's are UUIDs. A kernel with another id uses the run's secret.
_KERNEL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONTEXT = b"looker-nb-auth kernel "


class KernelSecrets:
    """Makes each kernel's secret from the run's, and tells from a secret which kernel sent it."""

    def __init__(self, run_secret: str) -> None:
        self.run_secret = run_secret
        self._key = run_secret.encode("utf-8")

    def _mac(self, kernel_id: str) -> str:
        digest = hmac.new(self._key, _CONTEXT + kernel_id.encode("ascii"), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")

    def of_kernel(self, kernel_id: str) -> str:
        """The secret the kernel ``kernel_id`` is started with (the run's for an odd id)."""
        if not _KERNEL_ID.fullmatch(kernel_id):
            return self.run_secret
        return f"{kernel_id}.{self._mac(kernel_id)}"

    def kernel_of(self, given: str) -> str | None:
        """The kernel id that ``given`` is the secret of (``UNNAMED`` for the run's own secret),
        or ``None`` when it is no secret of this server run."""
        encoded = given.encode("utf-8", "surrogatepass")
        if encoded and hmac.compare_digest(encoded, self._key):
            return UNNAMED
        kernel_id, dot, mac = given.partition(".")
        if not dot or not _KERNEL_ID.fullmatch(kernel_id):
            return None
        if hmac.compare_digest(mac.encode("utf-8", "surrogatepass"), self._mac(kernel_id).encode()):
            return kernel_id
        return None

    def give_to_kernels_of(self, kernel_manager: Any) -> None:
        """Start every new kernel of ``kernel_manager`` (Jupyter Server's ``MappingKernelManager``)
        with its own secret in ``LOOKER_NB_AUTH_SECRET``. A restart keeps its environment, so a
        kernel keeps its secret for as long as it keeps its id."""
        start = kernel_manager.start_kernel

        @functools.wraps(start)
        async def start_kernel(*args: Any, kernel_id: str | None = None, **kwargs: Any) -> Any:
            if kernel_id is None or kernel_id not in kernel_manager:
                kernel_id = kernel_id or str(kernel_manager.new_kernel_id())
                env = kwargs.get("env")
                base = os.environ if env is None else env  # what jupyter_client would use
                kwargs["env"] = {**base, SECRET_ENV: self.of_kernel(kernel_id)}
            return await start(*args, kernel_id=kernel_id, **kwargs)

        kernel_manager.start_kernel = start_kernel
