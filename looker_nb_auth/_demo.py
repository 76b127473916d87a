"""``looker-nb-auth demo``: the Looker stand-in plus a scripted login against it.

Every step is the real one (authorize URL, login and consent forms, callback, redeem, API calls,
logout) over HTTP on loopback; only the person clicking in the browser is played by a robot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

from ._session import LookerSession

__all__ = ["run_demo"]

CLIENT_GUID = "looker-nb-auth-demo"
REDIRECT_URI = "http://127.0.0.1:8888/looker-nb-auth/callback"


def run_demo(out: Callable[[str], None] = print) -> int:
    from .fake_looker import FakeLooker, authorize_in_browser

    with FakeLooker() as looker:
        looker.register_app(
            CLIENT_GUID,
            REDIRECT_URI,
            display_name="looker-nb-auth demo",
            description="Lets your Jupyter notebook call the Looker API as you.",
        )
        out(f"Looker stand-in: API {looker.api_url}, login pages {looker.web_url}")
        with LookerSession(
            base_url=looker.api_url, client_guid=CLIENT_GUID, redirect_uri=REDIRECT_URI
        ) as session:
            request = session.start_login()
            out(f"1. Open Looker's login page: {urlsplit(request.url).path} on {looker.web_url}")
            redirected = authorize_in_browser(request.url)
            out("2. Logged in and allowed the app; Looker redirected back with a code")
            user = session.complete_login(redirected)
            out(f"3. Redeemed the code: logged in as {user}")
            me = session.sdk.me()
            out(f"4. session.sdk.me(): id={me.id} display_name={me.display_name!r}")
            looks = session.client.get("looks").raise_for_status().json()
            out(f"5. session.client.get('looks'): {[look['title'] for look in looks]}")
            rows = session.client.get(f"looks/{looks[0]['id']}/run/json").raise_for_status().json()
            out(f"6. Ran look {looks[0]['id']}: {len(rows)} rows, first {rows[0]}")
            count = asyncio.run(_count_users_async(session))
            out(f"7. session.async_client: GET user answered {count}")
            session.logout()
            out(f"8. Logged out; the token is revoked (logged in: {session.is_logged_in})")
    return 0


async def _count_users_async(session: LookerSession) -> int:
    async with session.async_client as client:
        response = await client.get("user")
    return response.status_code
