"""What the stand-in knows at start: its users, its registered apps and its behaviour knobs."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DemoUser", "FakeLookerConfig", "OAuthApp"]


@dataclass
class DemoUser:
    """A Looker user who can log in on the stand-in's login form."""

    id: str
    email: str
    password: str
    first_name: str
    last_name: str
    is_admin: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class OAuthApp:
    """A registered OAuth client app (Looker's ``OauthClientApp``): one exact redirect URI."""

    client_guid: str
    redirect_uri: str
    display_name: str
    description: str = ""
    enabled: bool = True
    group_id: str | None = None


def _demo_users() -> list[DemoUser]:
    return [
        DemoUser("1", "ada@example.com", "looker-demo", "Ada", "Lovelace", is_admin=True),
        DemoUser("2", "grace@example.com", "looker-demo", "Grace", "Hopper"),
    ]


@dataclass
class FakeLookerConfig:
    """Users, apps and knobs. Live: a running stand-in reads the knobs on every request."""

    users: list[DemoUser] = field(default_factory=_demo_users)
    apps: list[OAuthApp] = field(default_factory=list)
    admin_client_id: str = "demo-admin-client-id"
    admin_client_secret: str = "demo-admin-client-secret"
    access_token_ttl: int = 3600
    refresh_token_ttl: float = 30 * 24 * 3600.0
    code_ttl: float = 60.0
    rotate_refresh_tokens: bool = True
    omit_refresh_token: bool = False
    latency: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    seed: int | None = None
