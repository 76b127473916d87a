"""Log in once per hub, in the browser: a real JupyterHub running the looker-nb-auth hub service
(``tests/hub/service_hub.py``), Chromium, the Looker stand-in.

Ada clicks "Log in to Looker" in a notebook on her default server: the popup is the service's
login page (through the hub's OAuth for the service), then Looker's forms; the kernel, asking
the service while the widget waits, is logged in. Her restarted kernel, a new kernel on her
second (named) server and a Voila dashboard on her server are logged in by ``login()`` with no
click; Grace's kernel is not.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hub.service_hub import CLIENT_GUID, ServiceHub, service_hub
from playwright.sync_api import Browser, expect

from .conftest import HubStack
from .helpers import (
    complete_looker_login,
    open_login_popup,
    reset_consent,
    write_notebook,
)
from .test_jupyterhub_e2e import HubBrowser, hub_browsers
from .test_voila_e2e import LOOKS, SHOWN, open_dashboard

LOGIN = "from looker_nb_auth import login\nsession = login()"
WHO_AM_I = "print('looker user:', session.user.email)"


@pytest.fixture(scope="module")
def hub_with_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceHub]:
    with service_hub(tmp_path_factory.mktemp("hub-service-e2e")) as stack:
        yield stack


@pytest.fixture
def people(hub_with_service: ServiceHub, browser: Browser) -> Iterator[dict[str, HubBrowser]]:
    reset_consent(hub_with_service.looker, CLIENT_GUID)
    stack = HubStack(hub_with_service.hub, hub_with_service.looker)
    try:
        with hub_browsers(stack, browser, ("ada", "grace")) as found:
            yield found
    finally:
        stack.hub.user("ada", "second").shutdown_kernels()


def test_one_login_in_the_widget_logs_every_server_of_the_user_in(
    people: dict[str, HubBrowser], hub_with_service: ServiceHub
) -> None:
    ada, grace = people["ada"], people["grace"]
    hub = hub_with_service.hub
    ada.log_in_to_hub()
    fresh = f"assert 'session' not in dir(), 'the kernel was not restarted'\n{LOGIN}"
    first = ada.open([LOGIN, WHO_AM_I, fresh, WHO_AM_I])  # the last two after a restart
    first.run(0)
    widget = first.widget(0)
    widget.expect_status("ready")
    popup = open_login_popup(first.page, widget)
    widget.expect_status("waiting")
    callback = complete_looker_login(
        popup, email="ada@example.com", redirect_uri=f"{hub.url}services/looker/callback"
    )
    assert "code=" in callback
    expect(popup.locator("body")).to_contain_text("every notebook on this hub is logged in")
    widget.expect_status("logged_in")  # the kernel asked the service while the widget waited
    first.run(1)
    expect(first.output(1)).to_contain_text("looker user: ada@example.com")

    # Her kernel restarted (a new process, nothing kept): login() is logged in, no click.
    with hub.api() as api:
        (kernel,) = [s["kernel"]["id"] for s in api.get(f"{ada.user.path}api/sessions").json()]
        api.post(f"{ada.user.path}api/kernels/{kernel}/restart").raise_for_status()
    first.expect_kernel_idle()
    first.run(2)
    first.widget(2).expect_status("logged_in")
    first.run(3)
    expect(first.output(3)).to_contain_text("looker user: ada@example.com")

    # A new kernel on Ada's second server: logged in by login() itself, no click.
    second = ada.open([LOGIN, WHO_AM_I], server=hub.user("ada", "second"))
    second.run(0)
    second.widget(0).expect_status("logged_in")
    second.run(1)
    expect(second.output(1)).to_contain_text("looker user: ada@example.com")

    # A Voila dashboard (a kernel of its own per viewer) on Ada's server: filled in, no click.
    dashboard = write_notebook(ada.user.root_dir / "hub-dashboard.ipynb", [LOGIN, LOOKS])
    shown = open_dashboard(ada.context, f"{ada.user.url}voila/render/{dashboard}")
    shown.widget.expect_status("logged_in")
    expect(shown.cells).to_contain_text(SHOWN)

    # Grace's kernel gets nothing of Ada's login: her widget offers the button.
    grace.log_in_to_hub()
    hers = grace.open([LOGIN])
    hers.run(0)
    hers.widget(0).expect_status("ready")
