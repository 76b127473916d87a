"""The widget in each state, in JupyterLab's light theme (and logged in, in the dark theme).

The PNGs are written to ``docs/screenshots/`` only with ``LOOKER_NB_AUTH_SCREENSHOTS=1`` (so CI
never rewrites them); without it the test still walks every state and takes the pictures.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from .conftest import REPO, Jupyter
from .helpers import (
    DENIED_PAGE,
    LOGGED_IN_PAGE,
    JupyterServer,
    LoginWidget,
    complete_looker_login,
    expect_callback_page,
    open_login_popup,
    write_notebook,
)

SCREENSHOTS = REPO / "docs" / "screenshots"
LIGHT = "JupyterLab Light"
DARK = "JupyterLab Dark"


def shoot(widget: LoginWidget, name: str) -> None:
    save = os.environ.get("LOOKER_NB_AUTH_SCREENSHOTS") == "1"
    folder = Path(os.environ.get("LOOKER_NB_AUTH_SCREENSHOTS_DIR") or SCREENSHOTS)
    path = folder / f"widget-{name}.png"
    if save:
        folder.mkdir(parents=True, exist_ok=True)
    png = widget.root.screenshot(path=path if save else None, animations="disabled", caret="hide")
    assert png.startswith(b"\x89PNG"), name


def change_theme(page: Page, theme: str) -> None:
    """Settings → Theme → ``theme`` (the command ``apputils:change-theme``)."""

    def label(text: str) -> Locator:
        return page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(text)}$"))

    page.locator(".lm-MenuBar-item", has_text=re.compile("^Settings$")).click()
    page.locator(".lm-Menu-item", has=label("Theme")).click()  # opens the submenu
    page.locator('.lm-Menu-item[data-command="apputils:change-theme"]', has=label(theme)).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)


def reset_theme(server: JupyterServer) -> None:
    """Back to the light theme in the server's user settings (later pages load Light)."""
    with server.api() as api:
        api.put(
            "lab/api/settings/@jupyterlab/apputils-extension:themes",
            json={"raw": json.dumps({"theme": LIGHT})},
        ).raise_for_status()


def test_widget_screenshots(lab: Jupyter) -> None:
    name = write_notebook(
        lab.notebook_path("screenshots"),
        [
            "from looker_nb_auth import login\nsession = login()",
            "other = login(client_guid='not-registered', quiet_after=1)",
        ],
    )
    notebook = lab.open(name)
    page = notebook.page
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", LIGHT)
    notebook.run(0)
    widget = notebook.widget(0)
    redirect_uri = lab.server.redirect_uri

    widget.expect_status("ready")
    shoot(widget, "ready")

    popup = open_login_popup(page, widget)
    widget.expect_status("waiting")
    expect(widget.message).to_contain_text("Waiting for Looker")
    shoot(widget, "waiting")

    complete_looker_login(popup, approve=False, redirect_uri=redirect_uri)
    expect_callback_page(popup, redirect_uri, DENIED_PAGE)
    widget.expect_status("error")
    expect(widget.message).to_have_text("You did not allow access to Looker.")
    shoot(widget, "error")

    widget.button("retry").click()
    popup = open_login_popup(page, widget)
    complete_looker_login(popup, sign_in=False, redirect_uri=redirect_uri)  # still signed in
    expect_callback_page(popup, redirect_uri, LOGGED_IN_PAGE)
    widget.expect_status("logged_in")
    expect(widget.message).to_contain_text("Logged in as Ada Lovelace")
    shoot(widget, "logged_in")

    try:
        change_theme(page, DARK)
        widget.expect_status("logged_in")
        shoot(widget, "logged_in-dark")
        change_theme(page, LIGHT)  # the states below, in the light theme again
    finally:  # the choice is saved in the server's user settings: later tests expect Light
        reset_theme(lab.server)

    widget.button("logout").click()
    widget.expect_status("logged_out")
    shoot(widget, "logged_out")

    notebook.run(1)  # a client guid Looker does not know: its error page, and no answer
    other = notebook.widget(1)
    popup = open_login_popup(page, other)
    expect(other.root.locator('[data-role="causes"] li')).to_have_count(3)
    shoot(other, "waiting-causes")
    popup.close()

    notebook.menu("Kernel", "kernelmenu:restart")
    page.locator(".jp-Dialog button.jp-mod-accept").click()
    widget.expect_status("disconnected")
    shoot(widget, "disconnected")
