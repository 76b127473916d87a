"""The Looker stand-in: the demo's and the tests' double of Looker, shipped in the package
because ``looker-nb-auth demo`` and the tutorials run on it with no Looker instance.

A real HTTP server with Looker's OAuth 2.0 code + PKCE login pages, ``/api/token`` and a slice
of API 4.0 (``docs/fidelity.md`` cites the source of each behaviour, and the knob for each
plausible answer where Looker's is undocumented). Its public surface is what the demo, our tests
and users' own tests need: `FakeLooker` (and its config), `ManualClock`, `authorize_in_browser`
(a user at the login and consent pages) and ``main`` (``looker-nb-auth fake-looker``). It
imports nothing from the client side of ``looker_nb_auth``; it is Looker, not the client.
"""

from ._cli import main
from ._clock import ManualClock
from ._config import DemoUser, FakeLookerConfig, OAuthApp
from ._robot import RobotError, authorize_in_browser
from ._server import FakeLooker

__all__ = [
    "DemoUser",
    "FakeLooker",
    "FakeLookerConfig",
    "ManualClock",
    "OAuthApp",
    "RobotError",
    "authorize_in_browser",
    "main",
]
