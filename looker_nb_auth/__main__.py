"""``python -m looker_nb_auth`` and ``%run -m looker_nb_auth`` (``cli/main.py``)."""

from .cli.main import run_as_module

run_as_module()
del run_as_module  # %run -m copies this module's names into the notebook's namespace
