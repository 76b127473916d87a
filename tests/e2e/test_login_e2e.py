"""``login()`` in a real notebook: the button, Looker's popup, the callback, the kernel's session.

Every test runs in JupyterLab 4 and in Notebook 7 (``[lab]`` / ``[notebook]``), against the Looker
stand-in over loopback, with the server extension picking the code up for the kernel.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from .conftest import Jupyter
from .helpers import (
    DENIED_PAGE,
    LOGGED_IN_PAGE,
    UI_TIMEOUT,
    LoginWidget,
    Notebook,
    complete_looker_login,
    expect_callback_page,
    open_login_popup,
    write_notebook,
)

ADA = "ada@example.com"
LOGIN = "from looker_nb_auth import login\nsession = login()"
BLOCKING_LOGIN = (
    "from looker_nb_auth import login\n"
    "session = login(wait=True, timeout=120)\n"
    'print("after", session.user.email)'
)
WHO_AM_I = "print(session.sdk.me().email)"


def logged_in_as_ada(jupyter: Jupyter) -> str:
    host = urlsplit(jupyter.looker.web_url).netloc
    return f"Logged in as Ada Lovelace ({ADA}) on {host}"


def log_in_with_popup(
    jupyter: Jupyter, notebook: Notebook, widget: LoginWidget, *, approve: bool = True
) -> str:
    """Click the button, log in to Looker and Allow (or Deny); returns the callback URL."""
    popup = open_login_popup(notebook.page, widget)
    widget.expect_status("waiting")
    redirect_uri = jupyter.server.redirect_uri
    callback = complete_looker_login(popup, approve=approve, redirect_uri=redirect_uri)
    expect_callback_page(popup, redirect_uri, LOGGED_IN_PAGE if approve else DENIED_PAGE)
    return callback


def test_login_non_blocking(jupyter: Jupyter) -> None:
    """``session = login()``, click, log in and Allow in the popup; the next cell uses the SDK."""
    name = write_notebook(jupyter.notebook_path("login"), [LOGIN, WHO_AM_I])
    notebook = jupyter.open(name)
    notebook.run(0)
    widget = notebook.widget(0)
    widget.expect_status("ready")
    expect(widget.button("login")).to_have_text("Log in to Looker")

    popup = open_login_popup(notebook.page, widget)
    widget.expect_status("waiting")
    looker_auth = f"{jupyter.looker.web_url}/auth?"
    expect(widget.fallback_link).to_have_attribute("href", re.compile("^" + re.escape(looker_auth)))
    expect(popup.get_by_role("heading", name="Log in to Looker")).to_be_visible(timeout=UI_TIMEOUT)
    # Looker's pages send Cross-Origin-Opener-Policy: the popup has no opener, and yet...
    assert popup.evaluate("window.opener === null")
    auth = [r for r in jupyter.traffic.responses if r.url.startswith(looker_auth)]
    assert auth, "the popup's /auth response was not seen"
    assert auth[0].all_headers().get("cross-origin-opener-policy") == "same-origin"

    callback = complete_looker_login(popup, redirect_uri=jupyter.server.redirect_uri)
    assert "code=" in callback
    # ...the login completes, because the code travels through the server extension.
    expect_callback_page(popup, jupyter.server.redirect_uri, LOGGED_IN_PAGE)
    widget.expect_status("logged_in")
    expect(widget.message).to_have_text(logged_in_as_ada(jupyter))
    expect(widget.button("logout")).to_have_text("Log out")

    notebook.run(1)
    expect(notebook.output(1)).to_contain_text(ADA)


def test_login_blocking_cell(jupyter: Jupyter) -> None:
    """``login(wait=True)`` parks the running cell; the code after it runs logged in."""
    name = write_notebook(jupyter.notebook_path("blocking"), [BLOCKING_LOGIN])
    notebook = jupyter.open(name)
    notebook.run(0, wait=False)
    widget = notebook.widget(0)
    log_in_with_popup(jupyter, notebook, widget)
    expect(notebook.output(0)).to_contain_text(f"after {ADA}", timeout=UI_TIMEOUT)
    widget.expect_status("logged_in")
    expect(widget.message).to_have_text(logged_in_as_ada(jupyter))
    notebook.expect_kernel_idle()


def test_deny_then_try_again(jupyter: Jupyter) -> None:
    """Deny on Looker's consent page: the widget says so; "Try again" makes a fresh login."""
    name = write_notebook(jupyter.notebook_path("deny"), [LOGIN, WHO_AM_I])
    notebook = jupyter.open(name)
    notebook.run(0)
    widget = notebook.widget(0)
    callback = log_in_with_popup(jupyter, notebook, widget, approve=False)
    assert "error=access_denied" in callback
    widget.expect_status("error")
    expect(widget.message).to_have_text("You did not allow access to Looker.")
    notebook.run(1)  # the next cell names the control on screen: Try again
    expect(notebook.output(1)).to_contain_text(
        'LoginRequired: Not logged in to Looker: you did not allow access; click "Try again" above'
    )
    widget.button("retry").click()
    widget.expect_status("ready")
    expect(widget.button("login")).to_be_enabled()


def test_cancel_blocking_login(jupyter: Jupyter) -> None:
    """Cancel while a ``login(wait=True)`` cell waits: the cell ends with LoginCancelled."""
    name = write_notebook(jupyter.notebook_path("cancel"), [BLOCKING_LOGIN])
    notebook = jupyter.open(name)
    notebook.run(0, wait=False)
    widget = notebook.widget(0)
    popup = open_login_popup(notebook.page, widget)
    widget.expect_status("waiting")
    widget.button("cancel").click()
    expect(notebook.prompt(0)).to_have_text(re.compile(r"\[\d+\]:"), timeout=UI_TIMEOUT)
    expect(notebook.output(0)).to_contain_text("LoginCancelled")
    assert f"after {ADA}" not in notebook.output_text(0)
    widget.expect_status("ready")
    expect(widget.message).to_contain_text("cancelled")
    popup.close()


def test_cancel_non_blocking_login(jupyter: Jupyter) -> None:
    """Cancel while ``login()`` waits in the background: back to "Log in to Looker"."""
    name = write_notebook(jupyter.notebook_path("cancel-bg"), [LOGIN])
    notebook = jupyter.open(name)
    notebook.run(0)
    widget = notebook.widget(0)
    popup = open_login_popup(notebook.page, widget)
    widget.expect_status("waiting")
    widget.button("cancel").click()
    widget.expect_status("ready")
    expect(widget.message).to_contain_text("cancelled")
    expect(widget.button("login")).to_be_enabled()
    popup.close()


def test_popup_blocked_fallback_link(jupyter: Jupyter) -> None:
    """``window.open`` returns null (a popup blocker): the fallback link logs in all the same."""
    name = write_notebook(jupyter.notebook_path("blocked"), [LOGIN, WHO_AM_I])
    notebook = jupyter.open(name, init_script="window.open = () => null;")
    notebook.run(0)
    widget = notebook.widget(0)
    widget.expect_status("ready")
    pages_before = len(jupyter.context.pages)
    widget.button("login").click()
    widget.expect_status("waiting")
    assert len(jupyter.context.pages) == pages_before, "window.open was supposed to be blocked"
    link = widget.fallback_link
    expect(link).to_be_visible()
    with jupyter.context.expect_page(timeout=UI_TIMEOUT) as opened:
        link.click()
    complete_looker_login(opened.value, redirect_uri=jupyter.server.redirect_uri)
    expect_callback_page(opened.value, jupyter.server.redirect_uri, LOGGED_IN_PAGE)
    widget.expect_status("logged_in")
    expect(widget.message).to_have_text(logged_in_as_ada(jupyter))
    notebook.run(1)
    expect(notebook.output(1)).to_contain_text(ADA)


def test_logout_then_login_again(jupyter: Jupyter) -> None:
    """Log out from the widget, then log in again in the same kernel (Looker remembers consent)."""
    name = write_notebook(
        jupyter.notebook_path("relogin"),
        [LOGIN, "print('logged in:', session.is_logged_in)", WHO_AM_I],
    )
    notebook = jupyter.open(name)
    notebook.run(0)
    widget = notebook.widget(0)
    log_in_with_popup(jupyter, notebook, widget)
    widget.expect_status("logged_in")

    widget.button("logout").click()
    widget.expect_status("logged_out")
    expect(widget.message).to_have_text("Logged out.")
    notebook.run(1)
    expect(notebook.output(1)).to_contain_text("logged in: False")

    # Looker still has its browser session and the approval: straight back with a new code.
    redirect_uri = jupyter.server.redirect_uri
    with jupyter.context.expect_event(
        "request", lambda r: r.url.split("?", 1)[0] == redirect_uri, timeout=UI_TIMEOUT
    ):
        open_login_popup(notebook.page, widget)
    widget.expect_status("logged_in")
    expect(widget.message).to_have_text(logged_in_as_ada(jupyter))
    assert len(set(jupyter.traffic.codes(redirect_uri))) == 2
    notebook.run(2)
    expect(notebook.output(2)).to_contain_text(ADA)


def test_no_secret_in_notebook_outputs_or_logs(jupyter: Jupyter) -> None:
    """After a login, neither the saved .ipynb (with widget state), the outputs nor the server
    log contain the code, the PKCE verifier, the access token or the refresh token."""
    secrets_file = jupyter.home / "secrets.json"
    verifier_file = jupyter.home / "verifiers.json"
    name = write_notebook(
        jupyter.notebook_path("secrets"),
        [
            LOGIN,
            # The verifiers exist only until the code is redeemed: note them before the click.
            "import json, pathlib\n"
            f"pathlib.Path({str(verifier_file)!r}).write_text(json.dumps(\n"
            "    [r.code_verifier.reveal() for r in session._pending.values()]))",
            WHO_AM_I,
            "token = session._tokens.token\n"
            f"pathlib.Path({str(secrets_file)!r}).write_text(json.dumps(\n"
            "    [token.access_token.reveal(), token.refresh_token.reveal()]))",
            "session",
        ],
    )
    notebook = jupyter.open(name)
    notebook.run(0)
    notebook.run(1)
    widget = notebook.widget(0)
    log_in_with_popup(jupyter, notebook, widget)
    widget.expect_status("logged_in")
    notebook.run(2)
    expect(notebook.output(2)).to_contain_text(ADA)
    notebook.run(3)
    notebook.run(4)

    saved = notebook.save()
    assert "application/vnd.jupyter.widget-state+json" in saved.metadata.get("widgets", {}), (
        "the widget state was not saved, so this test would not see a leak through it"
    )
    access_token, refresh_token = json.loads(secrets_file.read_text())
    verifiers = json.loads(verifier_file.read_text())
    codes = jupyter.traffic.codes(jupyter.server.redirect_uri)
    assert access_token and refresh_token and verifiers and codes
    secrets = {
        "access token": access_token,
        "refresh token": refresh_token,
        **{f"verifier {i}": v for i, v in enumerate(verifiers)},
        **{f"code {i}": c for i, c in enumerate(codes)},
    }
    places = {
        "saved notebook": notebook.path.read_text(encoding="utf-8"),
        "server log": jupyter.server.log_text(),
        "cell outputs": "\n".join(
            notebook.output_text(i) for i in range(notebook.code_cells.count())
        ),
        "page text": notebook.page.locator("body").inner_text(),
    }
    leaks = [
        f"{what} in {where}"
        for what, secret in secrets.items()
        for where, text in places.items()
        if secret in text
    ]
    assert not leaks, leaks
