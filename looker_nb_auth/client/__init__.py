"""The client every caller uses: notebooks, scripts, cron jobs and the ``looker-nb-auth`` CLI.

``session.py`` (``LookerSession``: start a login, redeem the code, the user, logout),
``refresh.py`` and ``auth.py`` (the token behind every client: refresh before expiry and once on
401, single-flight; ``endpoint.py`` is the plain client of the token endpoint), ``sdk.py``
(looker_sdk on that token and client), ``cache.py`` (the opt-in token cache), and the two
receivers of Looker's redirect for a kernel: ``pickup.py`` (the answer from the Jupyter server
extension) and ``loopback.py`` (the kernel's own listener on a loopback
redirect URI, shared by this user's kernels through ``loopback_listener.py``, ``loopback_peer.py``
and ``loopback_key.py``). Nothing here draws anything: the notebook's UI is ``notebook/``.
"""
