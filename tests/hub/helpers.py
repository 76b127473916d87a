"""A hub user's whole login through the broker: authorize URL, Looker's pages, callback."""

from __future__ import annotations

from urllib.parse import urlsplit

from looker_nb_auth.client.user import LookerUser
from looker_nb_auth.fake_looker import authorize_in_browser
from looker_nb_auth.hub.broker import Broker


def callback_query(broker: Broker, user: str, email: str, *, approve: bool = True) -> str:
    """Start ``user``'s login and walk Looker's pages as ``email``: the callback's query."""
    redirected = authorize_in_browser(broker.start_login(user), email=email, approve=approve)
    return urlsplit(redirected).query


def log_in(broker: Broker, user: str, email: str) -> LookerUser:
    looker_user, _ = broker.complete_login(user, callback_query(broker, user, email))
    return looker_user
