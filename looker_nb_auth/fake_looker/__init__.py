"""A faithful Looker stand-in: OAuth 2.0 code + PKCE login pages, ``/api/token``, API 4.0 slice.

It imports nothing from the client side of ``looker_nb_auth``; it is Looker, not the client.
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
