"""Who is logged in: ``GET /api/4.0/user``, once per login."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from .._answers import LookerAnswer
from .._errors import UnexpectedResponse

__all__ = ["LookerUser", "fetch_user"]


@dataclass(frozen=True)
class LookerUser:
    """Who is logged in, from ``GET /api/4.0/user``."""

    id: str
    display_name: str
    email: str

    def __str__(self) -> str:
        return f"{self.display_name} ({self.email})" if self.email else self.display_name


#: What ``GET /api/4.0/user`` is asked for: only what `LookerUser` holds.
USER_FIELDS = {"fields": "id,display_name,email"}


def fetch_user(client: httpx.Client) -> LookerUser:
    """The user ``client`` is logged in as; `UnexpectedResponse` when Looker will not say."""
    return read_user(client.get("user", params=USER_FIELDS))


def read_user(response: httpx.Response) -> LookerUser:
    """The user Looker's answer to ``GET /api/4.0/user`` names; `UnexpectedResponse` when it
    names none."""
    if response.status_code != 200:
        said = LookerAnswer.of(response).description
        raise UnexpectedResponse(
            f"Looker answered {response.status_code} to GET /api/4.0/user"
            f"{f' ({said})' if said else ''}; log in again.",
            status_code=response.status_code,
        )
    data: dict[str, Any] = response.json()
    return LookerUser(
        id=str(data.get("id", "")),
        display_name=str(data.get("display_name") or ""),
        email=str(data.get("email") or ""),
    )
