"""A kernel whose loopback port is taken asks the kernel listening there (``loopback_listener.py``)
to take its login's answer, and parks a pickup for it: the same long-poll as with the server
extension (``pickup.py``), over loopback, with this user's key (``loopback_key.py``)."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from .._errors import ReceiverUnavailable
from .._protocol import PENDING_TTL, PICKUP_POLL
from .loopback_listener import PEER_HEADER, PEER_PREFIX, Outcome, Peer

__all__ = ["HostGone", "NotAHost", "PeerClient"]

#: Connecting to and hearing from a listener on this machine (it answers at once, under one
#: lock); a pickup adds its wait. What stays silent longer is not one of ours.
_TIMEOUT = 3.0


class HostGone(Exception):
    """Internal: no kernel listens on the port now (or the one there is letting go): bind it."""


class NotAHost(Exception):
    """Internal: what holds the port is not this user's looker-nb-auth listener."""


class PeerClient:
    """Talks to the kernel that holds the port, for the logins of this receiver (``owner``;
    ``terminal``: ``looker-nb-auth login``'s, whose page sends the person back to the terminal)."""

    def __init__(
        self,
        address: tuple[str, int],
        host_header: str,
        key: str,
        owner: str,
        *,
        terminal: bool = False,
    ) -> None:
        host, port = address
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.owner = owner
        self.terminal = terminal
        self._http = httpx.Client(
            base_url=f"http://{netloc}{PEER_PREFIX}",
            headers={PEER_HEADER: key, "Host": host_header},
            timeout=_TIMEOUT,
            trust_env=False,  # loopback: never through a proxy
        )

    def _call(self, op: Peer, **body: Any) -> httpx.Response:
        """``body`` with this receiver's owner; the read waits ``body["wait"]`` longer."""
        read = _TIMEOUT + float(body.get("wait", 0.0))
        try:
            response = self._http.post(
                op.value,
                json={"owner": self.owner, **body},
                timeout=httpx.Timeout(_TIMEOUT, read=read),
            )
        except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError) as exc:
            raise HostGone from exc  # refused, or the listener's process ended mid-request
        except httpx.HTTPError as exc:
            raise NotAHost from exc  # no answer in time: something else holds the port
        if response.status_code == Outcome.LEAVING.value:
            raise HostGone
        return response

    def register(self, state: str) -> float:
        """Seconds the login stays pending there. Raises ``HostGone``, ``NotAHost``, or
        ``ReceiverUnavailable`` when the listener refuses this login."""
        response = self._call(Peer.REGISTER, state=state, terminal=self.terminal)
        if response.status_code in (409, 429):
            raise ReceiverUnavailable(
                "The kernel that listens on the redirect URI's port for this machine's logins "
                "refused this one (too many pending from this kernel); click Log in to Looker "
                "again in a few minutes.",
                status_code=response.status_code,
            )
        if response.status_code != 201:
            raise NotAHost
        try:
            ttl = float(response.json()["expires_in"])
        except (ValueError, KeyError, TypeError):
            ttl = PENDING_TTL
        return ttl if ttl > 0 else PENDING_TTL

    def pickup(self, state: str, wait: float) -> tuple[Outcome, dict[str, str] | None]:
        """Park up to ``wait`` seconds for the answer. Raises ``HostGone`` or ``NotAHost``."""
        wait = round(min(wait, PICKUP_POLL), 3)
        response = self._call(Peer.PICKUP, state=state, wait=wait)
        if response.status_code == Outcome.ANSWERED.value:
            try:
                answer = response.json()
            except ValueError:
                raise NotAHost from None
            if isinstance(answer, dict) and all(isinstance(v, str) for v in answer.values()):
                return Outcome.ANSWERED, answer
            raise NotAHost
        if response.status_code == Outcome.NOT_YET.value:
            return Outcome.NOT_YET, None
        if response.status_code == Outcome.GONE.value:
            return Outcome.GONE, None
        raise NotAHost

    def forget(self, state: str) -> None:
        """Drop the login there; its parked pickup gets ``cancelled``. Never raises."""
        with contextlib.suppress(HostGone, NotAHost):  # nothing to drop where nothing listens
            self._call(Peer.FORGET, state=state)

    def close(self) -> None:
        self._http.close()
