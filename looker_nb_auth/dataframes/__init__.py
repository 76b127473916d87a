"""Looks, queries and SQL into typed DataFrames (the ``[pandas]`` / ``[polars]`` extras).

``queries.py`` runs a query as Looker's query tasks do and ``frames.py`` turns the result into
a DataFrame typed from the explore's field metadata. Uses the client only through the session's
public surface (``session.client``, ``session.settings``).
"""
