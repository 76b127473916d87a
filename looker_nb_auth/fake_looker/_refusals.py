"""How the stand-in's query engine refuses a query, as Looker does: a part it cannot build
(`QueryError`, Looker's 400 or 422 naming the part), a model or explore it does not have
(`QueryNotFound`, a 404), SQL the database rejects (`SqlError`, an in-band ``looker_error``)."""

from __future__ import annotations

__all__ = ["QueryError", "QueryNotFound", "SqlError"]


class QueryError(Exception):
    """A query Looker would refuse: which part of the body is wrong and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class QueryNotFound(Exception):
    """The query names a model or explore this instance does not have (Looker: 404)."""


class SqlError(Exception):
    """The database refused the query's SQL; ``message`` is what Looker puts in ``looker_error``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
