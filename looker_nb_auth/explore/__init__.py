"""Browse Looker from a notebook: models, explores and fields, tab completion, and queries
checked against the explore before they run.

``session.models()`` → `Models` → `Model` → `Explore` (``session.explore("model", "explore")``)
→ `Field`; ``explore.query(...)`` → `ExploreQuery`, which runs on the DataFrame path. One module
per concept: ``metadata.py`` (what is asked of Looker), ``models.py``, ``explore.py``,
``fields.py``, ``names.py`` (names as Python attributes, "did you mean"), ``render.py`` (text
and HTML), ``filters.py`` (Looker's filter expressions), ``query.py`` (the checks),
``complete.py`` (``session.explore("<TAB>``) and ``calls.py`` (the session's methods).

Nothing is imported here, so ``complete.register`` can be reached from ``import
looker_nb_auth`` without loading httpx.
"""
