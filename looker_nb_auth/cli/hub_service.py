"""``looker-nb-auth hub-service``: the JupyterHub service that holds every hub user's login."""

from __future__ import annotations

import argparse

from .._errors import ConfigurationError
from .say import refuse

__all__ = ["add_hub_service", "run_hub_service"]


def add_hub_service(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "hub-service",
        help="run the JupyterHub service that keeps every hub user's Looker login",
        description="Run as the JupyterHub managed service 'looker' (c.JupyterHub.services): it "
        "logs hub users in to Looker at {hub}/services/looker/, keeps their logins encrypted "
        "(LOOKER_NB_AUTH_HUB_CRYPT_KEY) in LOOKER_NB_AUTH_HUB_DB_URL, and hands their kernels "
        "access tokens. Settings: LOOKER_NB_AUTH_BASE_URL, LOOKER_NB_AUTH_CLIENT_GUID, "
        "LOOKER_NB_AUTH_REDIRECT_URI and JupyterHub's JUPYTERHUB_* variables. Needs pip install "
        "'looker-nb-auth[hub]'.",
    )
    command.add_argument(
        "--ip",
        metavar="ADDRESS",
        help="the address to listen on (default: the host of JUPYTERHUB_SERVICE_URL; on "
        "Kubernetes 0.0.0.0, as the service's url names the hub's Service)",
    )
    command.add_argument(
        "--rotate-keys",
        action="store_true",
        help="re-encrypt every login with the first key of LOOKER_NB_AUTH_HUB_CRYPT_KEY and exit",
    )


def run_hub_service(parsed: argparse.Namespace) -> int:
    try:
        from ..hub.service import run_service

        return run_service(rotate=parsed.rotate_keys, ip=parsed.ip)
    except ImportError as exc:
        missing = f"{exc.name or 'a package'} is missing; pip install 'looker-nb-auth[hub]'."
        return refuse("hub-service", missing, 2)
    except ConfigurationError as exc:
        return refuse("hub-service", exc, 2)
