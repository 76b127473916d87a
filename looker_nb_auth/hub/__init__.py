"""The hub service: one JupyterHub service that holds every hub user's Looker login.

Run by JupyterHub as the managed service ``looker`` (``looker-nb-auth hub-service``). A user logs
in to Looker once on the hub; every kernel of theirs then gets access tokens from the service
with its server's JupyterHub token, and never sees a refresh token.

``store.py`` (the logins, encrypted at rest), ``broker.py`` (the OAuth client: log in, renew
single-flight, log out), ``handlers.py`` (who calls, and errors as statuses), ``api.py`` (the JSON
API), ``browser.py`` and ``pages.py`` (the pages and their HTML), ``routes.py`` (all routes) and
``service.py`` (the process). Needs the ``hub`` extra: ``pip install 'looker-nb-auth[hub]'``.
"""
