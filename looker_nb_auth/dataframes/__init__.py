"""Looks, queries and SQL into typed DataFrames (the ``[pandas]`` / ``[polars]`` extras).

``calls.py`` gives the session its ``run_look`` / ``run_query`` / ``run_sql`` / ``query_sql``
and the async twins ``arun_*``; each builds a flow (``pipeline.py``) that ``drive.py`` runs on
``session.client`` or on ``session.async_client``. A query then goes through one module per
step, in this order:

1. ``describe.py``: the WriteQuery dict, query id or slug, or Look as a saved query, and what
   the explore's field metadata says each field holds;
2. ``task.py``: create the query task, and 3. poll its results (stop it on cancel or timeout);
4. ``stream.py``: the results body, as it arrives, into the parser (or ``to=``'s file);
5. ``parse.py``: the CSV (pyarrow's streaming reader, or pandas in chunks) into columns named
   by field; a pivoted query's json_detail goes to ``pivots.py`` instead;
6. ``dtypes.py``: the columns into the dtypes their LookML types call for;
7. ``annotate.py``: ``df.attrs``, ``labels=True``, the truncation warning.

``sql.py`` is SQL Runner and a query's generated SQL; ``answers.py`` maps Looker's answers to
the package's errors; ``backends.py`` checks pandas / polars / pyarrow are installed. Uses the
client only through the session's public surface (``client``, ``async_client``, ``settings``).
"""
