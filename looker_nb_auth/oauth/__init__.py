"""Pure protocol, no Jupyter and no process of its own: what Looker's OAuth flow needs.

``state.py`` (the ``state``: made, tagged with a JupyterHub server name, read back, checked),
``pkce.py`` (verifier, challenge) and ``authorize.py`` (step 1, the authorize URL);
``callback.py`` (step 2, the one parser of Looker's redirect); ``token.py`` (step 4, the token
endpoint's bodies and typed errors); ``versions.py`` (where Looker's login page is).
"""
