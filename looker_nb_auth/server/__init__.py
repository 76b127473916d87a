"""Runs in the Jupyter server: the extension that receives Looker's redirect for its kernels.

Jupyter Server finds this module through ``looker_nb_auth._jupyter_server_extension_points`` and
calls its two hooks: ``_load_jupyter_server_extension`` while it initialises, and
``_start_jupyter_server_extension`` once its event loop runs and its port is bound.

- ``extension.py``: the ``c.LookerNbAuth`` traits; ``load`` registers the routes, ``start``
  exports the server's URL, a per-run secret and the settings to the kernels it starts.
- ``handlers.py``: the routes. ``GET callback`` is step 2 of the data path on the server (Looker
  redirects the login popup there); ``POST pending`` and ``POST pickup`` are step 3, the kernel
  registering its state and collecting the answer; ``POST cancel`` is the widget's Cancel.
- ``pending.py``: the store between the two, step 3: answers by state, single use, expiring,
  bounded for the server and for each kernel.
- ``kernel_secrets.py``: each kernel's own secret, naming it, so the store knows whose login is
  whose; ``kernel_ends.py``: a restart or shutdown ends that kernel's logins.
- ``saving.py``: a saved notebook keeps the login widget's text, not its view.
"""

from __future__ import annotations

from .extension import load, start

__all__: list[str] = []

_load_jupyter_server_extension = load
_start_jupyter_server_extension = start
