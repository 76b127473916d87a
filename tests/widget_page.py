"""The browser's side of the kernel's widgets, for tests without a browser: each widget's comm
goes to a `FakeComm` that records what the kernel sends; a `WidgetView` reads the state the JS
would see and sends what the JS sends (``model.send``). The ``page`` fixture (conftest.py)
installs it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from comm.base_comm import BaseComm

__all__ = ["FakeComm", "Page", "WidgetView"]


class WidgetView:
    """One widget as the page's JS sees it: the state the kernel synced to it, and
    ``send(content)`` for what the JS sends (``model.send``)."""

    def __init__(self, comm: FakeComm) -> None:
        self._comm = comm

    def __eq__(self, other: object) -> bool:  # the same widget
        return isinstance(other, WidgetView) and other._comm is self._comm

    __hash__ = None  # type: ignore[assignment]

    @property
    def state(self) -> dict[str, Any]:
        """The synced state: the comm's open message, then every update, merged."""
        return dict(self._comm.state)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Every message the kernel sent on this widget's comm, as sent."""
        return list(self._comm.sent)

    def __getattr__(self, name: str) -> Any:  # view.status, view.message, ...
        try:
            return self._comm.state[name]
        except KeyError:
            raise AttributeError(name) from None

    def send(self, content: dict[str, Any]) -> None:
        self._comm.handle_msg(
            {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
        )

    @property
    def login_state(self) -> str:
        """The OAuth ``state`` of the login the widget shows ("" when it shows none)."""
        query = parse_qs(urlsplit(str(self._comm.state.get("authorize_url", ""))).query)
        return query.get("state", [""])[0]

    def send_event(self, event: str) -> None:
        """What the JS sends for ``event`` about the login the widget shows."""
        self.send({"event": event, "state": self.login_state})


class FakeComm(BaseComm):
    """A comm whose other end is this test: it records what the kernel publishes."""

    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[dict[str, Any]] = []
        self.state: dict[str, Any] = {}
        super().__init__(**kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data or {}
        self.sent.append({"msg_type": msg_type, "data": data})
        if msg_type == "comm_open" or data.get("method") in ("update", "echo_update"):
            self.state.update(data.get("state") or {})


class Page:
    """Every widget the kernel opened during a test, as a front end would see them."""

    def __init__(self) -> None:
        self.comms: list[FakeComm] = []

    @property
    def login_widgets(self) -> list[WidgetView]:
        """The "Log in to Looker" widgets, oldest first."""
        return [WidgetView(c) for c in self.comms if "authorize_url" in c.state]

    @property
    def login_widget(self) -> WidgetView:
        """The newest "Log in to Looker" widget."""
        views = self.login_widgets
        assert views, "no login widget was opened"
        return views[-1]
