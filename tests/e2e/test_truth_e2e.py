"""The widget tells the truth when things go wrong: a truth table, in real JupyterLab.

Each row is a situation a user meets, and what they see: the widget's status, its sentence and
its buttons, and what the cell raises. The main rows run in Notebook 7 too (``jupyter``);
the others in JupyterLab (``lab``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from .conftest import Jupyter
from .helpers import (
    CLIENT_GUID,
    LOGGED_IN_PAGE,
    UI_TIMEOUT,
    JupyterServer,
    LoginWidget,
    Notebook,
    complete_looker_login,
    expect_callback_page,
    open_login_popup,
    write_notebook,
)

ADA = "ada@example.com"
LOGIN = "from looker_nb_auth import login\nsession = login()"


def _login_cell(
    jupyter: Jupyter, stem: str, *more: str, init_script: str | None = None
) -> tuple[Notebook, LoginWidget]:
    """A notebook whose first cell, ``session = login()``, has run (``more``: later cells);
    and its widget."""
    name = write_notebook(jupyter.notebook_path(stem), [LOGIN, *more])
    notebook = jupyter.open(name, init_script=init_script)
    notebook.run(0)
    return notebook, notebook.widget(0)


def _log_in(jupyter: Jupyter, notebook: Notebook, widget: LoginWidget) -> None:
    """Click, log in to Looker and Allow in the popup: the widget says "Logged in"."""
    popup = open_login_popup(notebook.page, widget)
    complete_looker_login(popup, redirect_uri=jupyter.server.redirect_uri)
    expect_callback_page(popup, jupyter.server.redirect_uri, LOGGED_IN_PAGE)
    widget.expect_status("logged_in")


QUIET = "from looker_nb_auth import login\nsession = login(quiet_after=2, {args})"


@pytest.mark.parametrize(
    ("row", "args", "looker_says"),
    [
        ("unknown guid", "client_guid='nope'", "No OAuth client app is registered"),
        ("redirect mismatch", "redirect_uri=REDIRECT + 'x'", "The redirect_uri does not match"),
        ("popup closed", "", None),
    ],
)
def test_no_answer_from_looker_turns_into_the_likely_causes(
    lab: Jupyter, row: str, args: str, looker_says: str | None
) -> None:
    """Looker's popup shows its own error page (an unregistered client guid or redirect URI),
    or the user closed it: nothing comes back, and after the quiet period the widget lists the
    likely causes instead of waiting forever."""
    source = f"REDIRECT = {lab.server.redirect_uri!r}\n" + QUIET.format(args=args)
    name = write_notebook(lab.notebook_path(row.replace(" ", "-")), [source])
    notebook = lab.open(name)
    notebook.run(0)
    widget = notebook.widget(0)
    popup = open_login_popup(notebook.page, widget)
    if looker_says is None:
        popup.close()
    else:  # Looker's own error page, which never redirects back
        expect(popup.locator("body")).to_contain_text(looker_says, timeout=UI_TIMEOUT)
    widget.expect_status("waiting")
    expect(widget.message).to_have_text("No answer from Looker yet; the likely causes:")
    causes = widget.root.locator('[data-role="causes"] li')
    expect(causes).to_have_count(3)
    expect(causes.nth(0)).to_contain_text("The popup was closed, or the browser blocked it")
    expect(causes.nth(1)).to_contain_text(
        f"client guid, {CLIENT_GUID if row != 'unknown guid' else 'nope'}, and this redirect URI"
    )
    expect(causes.nth(1)).to_contain_text("run %run -m looker_nb_auth doctor in a cell")
    expect(widget.button("cancel")).to_be_visible()
    if not popup.is_closed():
        popup.close()


def test_kernel_interrupt_during_a_wait_is_login_cancelled(lab: Jupyter) -> None:
    name = write_notebook(
        lab.notebook_path("interrupt"),
        ["from looker_nb_auth import login\nsession = login(wait=True, timeout=120)"],
    )
    notebook = lab.open(name)
    notebook.run(0, wait=False)
    widget = notebook.widget(0)
    widget.expect_status("ready")
    notebook.menu("Kernel", "kernelmenu:interrupt")
    expect(notebook.output(0)).to_contain_text(
        "LoginCancelled: The login was interrupted, so this cell stopped; the login widget above "
        "shows what to do next.",
        timeout=UI_TIMEOUT,
    )
    assert "KeyboardInterrupt" not in notebook.output_text(0)
    widget.expect_status("ready")
    expect(widget.message).to_have_text("Login interrupted; click Log in to Looker to try again.")


def test_a_page_open_on_another_origin_says_where_to_open_jupyter(lab: Jupyter) -> None:
    """Jupyter opened at localhost while the redirect URI says 127.0.0.1: said before the click,
    as the main thing shown, with a link to this notebook on 127.0.0.1 that works."""
    name = write_notebook(lab.notebook_path("origin"), [LOGIN])
    server = lab.server
    url = server.page_url(name, workspace="e2e-origin").replace("//127.0.0.1:", "//localhost:")
    page = lab.context.new_page()
    page.goto(url)
    notebook = Notebook(page, server, name)
    notebook.wait_until_ready()
    notebook.run(0)
    widget = notebook.widget(0)
    widget.expect_status("ready")
    origin = server.url.rstrip("/")
    note = widget.root.locator('[data-role="note"]')
    expect(note).to_contain_text(
        f"This login would come back to {origin}, not to "
        f"{origin.replace('127.0.0.1', 'localhost')} where this page is open"
    )
    expect(note).to_contain_text("Jupyter may ask for its token or password first")
    # The warning is the main thing: above the button, which is no longer the primary one.
    box, button = note.bounding_box(), widget.button("login").bounding_box()
    assert box is not None and button is not None and box["y"] < button["y"]
    expect(widget.button("login")).not_to_have_class(re.compile("looker-nb-auth-primary"))
    there = note.get_by_role("link")
    expect(there).to_have_text(f"{origin}/lab/workspaces/e2e-origin/tree/{name}")
    with lab.context.expect_page() as opened:
        there.click()
    reached = opened.value
    reached.wait_for_load_state()
    # Jupyter asks for its token there, as the warning says; then the same notebook opens.
    assert reached.url.startswith(f"{origin}/login"), reached.url
    reached.locator("#password_input").fill(server.token)
    reached.locator("#password_input").press("Enter")
    again = Notebook(reached, server, name)
    again.wait_until_ready()
    assert reached.url.startswith(f"{origin}/lab/workspaces/e2e-origin/tree/{name}"), reached.url


def test_a_blocked_popup_is_named_and_the_link_is_the_way(lab: Jupyter) -> None:
    _, widget = _login_cell(lab, "blocked", init_script="window.open = () => null;")
    widget.expect_status("ready")
    widget.button("login").click()
    widget.expect_status("waiting")
    expect(widget.message).to_have_text(
        "Your browser blocked the popup window: open the Looker login page with the link."
    )
    expect(widget.fallback_link).to_have_class(re.compile("looker-nb-auth-primary-link"))
    expect(widget.fallback_link).to_be_focused()


def test_a_refused_refresh_shows_logged_out(jupyter: Jupyter) -> None:
    """An admin revokes the user's tokens: the next call fails and the widget stops saying
    "Logged in"."""
    notebook, widget = _login_cell(jupyter, "refused", "session.client.get('user')")
    _log_in(jupyter, notebook, widget)
    user = next(u for u in jupyter.looker.config.users if u.email == ADA)
    jupyter.looker.revoke_user_tokens(user.id)
    notebook.run(1)
    output = notebook.output(1)
    expect(output).to_contain_text("LoginRequired: Looker refused to renew the login")
    assert "Traceback" not in notebook.output_text(1)  # one sentence, not 50 lines
    widget.expect_status("logged_out")
    expect(widget.message).to_contain_text("Logged out: Looker refused to renew the login")
    expect(widget.button("login")).to_be_enabled()


def test_after_a_kernel_restart_the_old_widget_says_disconnected(jupyter: Jupyter) -> None:
    notebook, widget = _login_cell(jupyter, "restart")
    widget.expect_status("ready")
    notebook.menu("Kernel", "kernelmenu:restart")  # as a user does: the menu, then the dialog
    notebook.page.locator(".jp-Dialog button.jp-mod-accept").click()
    widget.expect_status("disconnected")
    expect(widget.message).to_have_text(
        "Disconnected from its kernel: run this cell again to log in."
    )
    expect(widget.button("login")).to_be_hidden()


@contextlib.contextmanager
def default_widget_settings(server: JupyterServer) -> Iterator[None]:
    """The widget manager's settings as a fresh install has them (``saveState`` off: no widget
    state in the saved notebook), for the pages opened meanwhile."""
    settings = (
        server.home / "config/lab/user-settings/@jupyter-widgets/jupyterlab-manager"
    ) / "plugin.jupyterlab-settings"
    before = settings.read_text(encoding="utf-8")
    settings.write_text("{}", encoding="utf-8")
    try:
        yield
    finally:
        settings.write_text(before, encoding="utf-8")


def test_a_reopened_notebook_says_disconnected_not_model_not_found(jupyter: Jupyter) -> None:
    """Saved, closed, its kernel gone, reopened, with the default settings of JupyterLab 4 and
    Notebook 7: the cell says what the button was and what to do, not "Error displaying widget:
    model not found"."""
    with default_widget_settings(jupyter.server):
        notebook, widget = _login_cell(jupyter, "reopen")
        widget.expect_status("ready")
        name = notebook.name
        saved = notebook.save()
        notebook.page.close()
        jupyter.server.shutdown_kernels()
        again = jupyter.open(name)
        expect(again.output(0)).to_have_text(
            "Looker login: disconnected from its kernel; run this cell again to log in."
        )
        assert "Error displaying widget" not in again.output_text(0)
    # The cause: the saved output holds no widget view for the page to look up.
    (output,) = saved.cells[0].outputs
    assert "application/vnd.jupyter.widget-view+json" not in output["data"]


def test_try_again_after_a_wait_timeout_leaves_a_way_to_the_session(lab: Jupyter) -> None:
    cells = [
        "from looker_nb_auth import login\nsession = login(wait=True, timeout=3)",
        "session = login()\nprint('again', session.user.email)",
    ]
    name = write_notebook(lab.notebook_path("timeout"), cells)
    notebook = lab.open(name)
    notebook.run(0)
    expect(notebook.output(0)).to_contain_text("LoginTimeout: No answer from Looker within 3 s")
    widget = notebook.widget(0)
    widget.expect_status("error")
    # The mark stays with its sentence, on the same line (not alone above it).
    mark = widget.root.locator(".looker-nb-auth-bad").bounding_box()
    sentence = widget.message.bounding_box()
    assert mark is not None and sentence is not None
    assert abs(mark["y"] - sentence["y"]) < sentence["height"]
    widget.button("retry").click()
    popup = open_login_popup(notebook.page, widget)
    complete_looker_login(popup, redirect_uri=lab.server.redirect_uri)
    widget.expect_status("logged_in")
    expect(widget.message).to_contain_text("run the login cell again to get this session")
    notebook.run(1)
    expect(notebook.output(1)).to_contain_text(f"again {ADA}")


def test_a_logout_looker_does_not_confirm_is_said(lab: Jupyter) -> None:
    notebook, widget = _login_cell(lab, "logout-503")
    _log_in(lab, notebook, widget)
    lab.looker.fail_next(1, 503)
    widget.button("logout").click()
    widget.expect_status("logged_out")
    expect(widget.message).to_have_text(
        "Logged out here; Looker could not revoke the token: HTTP 503, Service Unavailable."
    )
    expect(widget.button("login")).to_be_focused()


def test_rerunning_the_login_cell_many_times_keeps_the_server_store_small(lab: Jupyter) -> None:
    """Every run replaces the pending login; the server forgets the old state each time. And a
    cell that calls login() 300 times shows one widget, not 300."""
    cells = [
        "from looker_nb_auth import login\nfor _ in range(300):\n    session = login()\n",
        # The store has room: a new login registers (no HTTP 429 for this server's kernels).
        "from looker_nb_auth.client.pickup import ExtensionClient\n"
        "from looker_nb_auth.oauth.state import new_state\n"
        "print('ttl', ExtensionClient.from_environment().register(new_state()))",
    ]
    name = write_notebook(lab.notebook_path("rerun"), cells)
    notebook = lab.open(name)
    notebook.run(0)
    notebook.widget(0).expect_status("ready")
    expect(notebook.code_cell(0).locator(".looker-nb-auth")).to_have_count(1)
    notebook.run(1)
    expect(notebook.output(1)).to_contain_text("ttl 600.0")


def test_a_user_outside_the_app_s_group_gets_the_causes_not_a_wait(lab: Jupyter) -> None:
    """Looker's consent step answers 403 "User not allowed to authorize app!" to a user outside
    the app's group, and never redirects back: the widget's likely causes cover it."""
    guid = "e2e-group-only"
    lab.looker.register_app(guid, lab.server.redirect_uri, "Group only", group_id="2")
    notebook = lab.open(
        write_notebook(lab.notebook_path("group"), [QUIET.format(args=f"client_guid={guid!r}")])
    )
    notebook.run(0)
    widget = notebook.widget(0)
    popup = open_login_popup(notebook.page, widget)
    popup.locator("#email").fill("grace@example.com")  # Grace is not in group 2
    popup.get_by_role("button", name="Log in").click()
    popup.get_by_role("button", name="Allow").click()
    expect(popup.locator("body")).to_contain_text("User not allowed to authorize app!")
    expect(widget.root.locator('[data-role="causes"] li').nth(1)).to_contain_text(
        "or your Looker user may not use it"
    )
    popup.close()
