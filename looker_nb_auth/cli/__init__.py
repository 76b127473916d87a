"""The ``looker-nb-auth`` command: ``main.py`` parses the command line and runs a command;
``admin.py`` is the Looker admin API client (an admin's API3 session through looker_sdk, imported
from ``_admin_sdk.py`` only when it connects); ``register.py`` registers or updates the OAuth app
in Looker; ``doctor.py`` and ``doctor_looker.py`` check a setup, one ``Check`` (``check.py``) a
line; ``demo.py`` runs the Looker stand-in and JupyterLab on the getting-started notebook;
``say.py`` is how every command says what went wrong (one line on stderr).
"""
