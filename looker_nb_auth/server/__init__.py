"""Runs in the Jupyter server: the extension that receives Looker's redirect for its kernels.

Jupyter Server finds this module through ``looker_nb_auth._jupyter_server_extension_points``;
``extension.py`` holds the ``c.LookerNbAuth`` traits and what loading does.
"""

from __future__ import annotations

from .extension import load

__all__: list[str] = []

_load_jupyter_server_extension = load
