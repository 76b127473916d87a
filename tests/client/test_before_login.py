"""What the README promises before a login: the clients exist, and their first request says to
log in (`LoginRequired`), whichever client makes it."""

from __future__ import annotations

import asyncio

import pytest

from looker_nb_auth import LoginRequired, LookerSession


def test_a_request_through_session_client_before_login_raises_login_required(
    session: LookerSession,
) -> None:
    client = session.client  # made before the login: no request yet, nothing to refuse
    with pytest.raises(LoginRequired, match="log in"):
        client.get("user")


def test_a_request_through_session_async_client_before_login_raises_login_required(
    session: LookerSession,
) -> None:
    async def main() -> None:
        await session.async_client.get("user")

    with pytest.raises(LoginRequired, match="log in"):
        asyncio.run(main())


def test_an_sdk_call_before_login_raises_login_required(session: LookerSession) -> None:
    sdk = session.sdk
    with pytest.raises(LoginRequired, match="log in"):
        sdk.me()
