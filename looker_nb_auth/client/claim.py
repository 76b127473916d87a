"""What single-flight refresh (``refresh.py``) tells each caller: a `Claim` (use this token,
wait for that refresh, lead one, or the login is over), `Abandoned` when a leader was stopped
before it finished (a waiter takes over), and the `TokenSource` a login without a refresh token
renews from (the hub service, ``hub_tokens.py``)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from .._errors import LoginRequired
from .._secret import Secret
from ..oauth.token import Token

__all__ = ["Abandoned", "Claim", "TokenSource"]

#: Where a login without a refresh token gets its next access token (the hub service): called
#: with the clock's ``now`` and the access token Looker refused (the source must not hand that
#: one out again; None when the token is only due), it returns a token obtained then (its
#: ``refresh_token`` None), or raises ``LoginRequired`` (no login: over, or not made yet) or
#: ``LookerUnreachable`` / ``LookerServerError`` (it cannot say now).
TokenSource = Callable[[float, Secret | None], Token]


class Abandoned(Exception):
    """The leader was interrupted (Ctrl-C, cancellation) before it finished; a waiter takes over."""


@dataclass
class Claim:
    """What a caller must do: use ``access_token``, wait on ``future``, ``lead`` the refresh
    (of ``refresh_token``, or from the ``source``), or raise ``lost``."""

    access_token: Secret | None = None
    future: Future[Secret] | None = None
    lead: bool = False
    refresh_token: Secret | None = None  # set for the leader of a refresh grant only
    lost: LoginRequired | None = None  # the login just ended: raise this
    #: A proactive refresh (the token still works): if Looker cannot renew it now, use this.
    fallback: Secret | None = None
    #: The token works for longer than the margin: refresh beside the caller, who goes on.
    background: bool = False
    #: The access token Looker refused (``stale=``), for the ``source`` to renew.
    refused: Secret | None = None
