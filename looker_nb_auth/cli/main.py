"""``looker-nb-auth``: the command line (the Looker stand-in, the demo, register, doctor, login,
the hub service)."""

from __future__ import annotations

import argparse
import sys

from .hub_service import add_hub_service, run_hub_service
from .say import refuse

__all__ = ["main", "run_as_module"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="looker-nb-auth", description="Log in to Looker from Jupyter notebooks."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "fake-looker",
        help="run the Looker stand-in (fake-looker --help for its options)",
        add_help=False,
    )
    demo = commands.add_parser(
        "demo",
        help="run the Looker stand-in and JupyterLab with the three tutorial notebooks",
        description="Run the Looker stand-in and JupyterLab, set up for each other, on a copy of "
        "the tutorials 01-getting-started.ipynb, 02-dataframes.ipynb and 03-explore.ipynb, "
        "until Ctrl-C.",
    )
    demo.add_argument("--port", type=int, default=8888, help="JupyterLab's port (8888)")
    demo.add_argument(
        "--looker-port", type=int, default=0, help="the stand-in's port (default: any free one)"
    )
    demo.add_argument(
        "--scripted", action="store_true", help="no browser: a scripted login against the stand-in"
    )
    _add_register(commands)
    doctor = commands.add_parser(
        "doctor",
        help="check this machine's or this Jupyter server's setup, one line per check",
        description="Check the server extension, the settings, Looker's /versions, the clock, "
        "the registered OAuth app (with admin API3 credentials) and the token cache. Exit code "
        "1 if a check fails. With --data: instead, with the login kept by looker-nb-auth login, "
        "run a few tiny queries on the explore named by --explore and say what the DataFrame "
        "calls rely on: the CSV header's text and column order, how many rows limit=-1 brings, "
        "json_detail's shape, how Looker refuses a query, the polls a query costs, how a table "
        "calculation and a custom field come back; exit code 1 if the DataFrame path cannot "
        "handle something it saw.",
    )
    _add_ini_options(doctor, "looker.ini to read settings from (default: ./looker.ini)")
    _add_data_options(doctor)
    _add_login_commands(commands)
    add_hub_service(commands)
    if args and args[0] == "fake-looker":
        from ..fake_looker import main as fake_looker_main

        return fake_looker_main(args[1:])
    parsed = parser.parse_args(args)
    if parsed.command == "demo":
        from .demo import run_demo, run_notebook_demo

        if parsed.scripted:
            return run_demo()
        return run_notebook_demo(port=parsed.port, looker_port=parsed.looker_port)
    if parsed.command == "register":
        return _register(parsed)
    if parsed.command == "doctor":
        if parsed.data:
            return _doctor_data(doctor, parsed)
        from .doctor import run_doctor

        return run_doctor(config_file=parsed.ini, section=parsed.section)
    if parsed.command in ("login", "whoami", "logout"):
        return _login_command(parsed)
    if parsed.command == "hub-service":
        return run_hub_service(parsed)
    return 2  # pragma: no cover - argparse exits on unknown commands


def run_as_module() -> None:
    """``python -m looker_nb_auth``, and ``%run -m looker_nb_auth`` in IPython or a notebook.

    In a terminal the command's exit code is the process's. IPython's ``%run -m`` shows a
    nonzero ``SystemExit`` as a traceback and "Unknown failure executing module", after the
    command has already said everything (doctor's summary, argparse's usage error, a one-line
    error): there the command ends without one. (``%run`` has no exit code to set.)
    """
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2), already printed
        if exc.code and _in_ipython():
            return
        raise
    if code and _in_ipython():
        return
    sys.exit(code)


def _in_ipython() -> bool:
    """Whether this runs inside an IPython shell (a terminal IPython or a Jupyter kernel)."""
    ipython = sys.modules.get("IPython")  # never imported here: it is only there if it runs us
    return ipython is not None and ipython.get_ipython() is not None


def _add_register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    register = commands.add_parser(
        "register",
        help="register or update the Looker OAuth app (a Looker admin's API3 keys)",
        description="Register the OAuth client app in Looker, or update it when its settings "
        "differ, with a Looker admin's API3 credentials (LOOKERSDK_CLIENT_ID and "
        "LOOKERSDK_CLIENT_SECRET, or client_id and client_secret in looker.ini); then print the "
        "settings every user's Jupyter server needs. Needs pip install 'looker-nb-auth[sdk]'.",
    )
    register.add_argument(
        "--base-url",
        metavar="URL",
        help="the Looker API URL (default: LOOKERSDK_BASE_URL or base_url in looker.ini)",
    )
    register.add_argument(
        "--client-guid", metavar="GUID", required=True, help="the OAuth app's client guid"
    )
    target = register.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--redirect-uri", metavar="URI", help="the redirect URI to register, exactly"
    )
    target.add_argument(
        "--hub-url",
        metavar="URL",
        help="a JupyterHub's public URL: registers {hub}/hub/user-redirect/looker-nb-auth/callback",
    )
    register.add_argument(
        "--display-name", metavar="NAME", required=True, help="the app's name in Looker"
    )
    register.add_argument(
        "--description",
        metavar="TEXT",
        required=True,
        help="shown to users on Looker's consent page at their first login",
    )
    register.add_argument(
        "--replace",
        action="store_true",
        help="make this the app's only redirect URI (default: add it to the app's list, on "
        "Looker 26.18+ with looker-sdk 26.18+)",
    )
    _add_ini_options(
        register,
        "looker.ini with the admin's API3 credentials (default: ./looker.ini if present)",
    )


def _add_login_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """login, whoami and logout: a login from the terminal, kept for scripts and cron jobs."""
    login = commands.add_parser(
        "login",
        help="log in to Looker from this terminal and keep the login for scripts",
        description="Log in to Looker in a browser and keep the login in the token cache (the "
        "OS keyring, else a 0600 file), where LookerSession.from_cache() in scripts and cron "
        "jobs finds it. With a loopback redirect URI (http://127.0.0.1:PORT/...) this command "
        "takes the browser's redirect itself; otherwise paste the address Looker sent you to. "
        "Settings as for LookerSession: the options, then LOOKERSDK_* variables, then "
        "looker.ini.",
    )
    login.add_argument(
        "--open", action="store_true", help="open the login page in the default web browser"
    )
    whoami = commands.add_parser(
        "whoami",
        help="say who is logged in (exit code 1 if nobody)",
        description="Resume the login kept by looker-nb-auth login and print its Looker user; "
        "exit code 1 if there is none.",
    )
    logout = commands.add_parser(
        "logout",
        help="revoke the kept login at Looker and delete it",
        description="Revoke the login kept by looker-nb-auth login at Looker and delete it from "
        "the token cache (it is deleted even when Looker cannot confirm the revocation).",
    )
    for command in (login, whoami, logout):
        command.add_argument(
            "--base-url",
            metavar="URL",
            help="the Looker API URL (default: LOOKERSDK_BASE_URL or base_url in looker.ini)",
        )
        command.add_argument(
            "--client-guid",
            metavar="GUID",
            help="the OAuth app's client guid (default: LOOKERSDK_CLIENT_GUID or looker.ini)",
        )
        command.add_argument(
            "--redirect-uri",
            metavar="URI",
            help="the app's registered redirect URI (default: LOOKERSDK_REDIRECT_URI or "
            "looker.ini)",
        )
        _add_ini_options(command, "looker.ini to read settings from (default: ./looker.ini)")


def _login_command(parsed: argparse.Namespace) -> int:
    from .login import Target, run_login, run_logout, run_whoami

    target = Target(
        base_url=parsed.base_url,
        client_guid=parsed.client_guid,
        redirect_uri=parsed.redirect_uri,
        config_file=parsed.ini,
        section=parsed.section,
    )
    if parsed.command == "login":
        return run_login(target, open_browser=parsed.open)
    if parsed.command == "whoami":
        return run_whoami(target)
    return run_logout(target)


def _add_data_options(doctor: argparse.ArgumentParser) -> None:
    """doctor --data: probe what the DataFrame path relies on, on the user's own Looker."""
    data = doctor.add_argument_group("probes of the DataFrame calls (--data)")
    data.add_argument(
        "--data",
        action="store_true",
        help="probe what run_query relies on, with your kept login (needs --explore)",
    )
    data.add_argument("--explore", metavar="MODEL::EXPLORE", help="the explore to query")
    data.add_argument(
        "--fields",
        metavar="F1,F2",
        help="the fields to query (default: the explore's first measure and two dimensions)",
    )
    data.add_argument(
        "--rows-field",
        metavar="FIELD",
        help="a dimension with many values, for the limit=-1 probe (default: an id)",
    )
    data.add_argument("--json", action="store_true", help="print the findings as JSON")


def _doctor_data(doctor: argparse.ArgumentParser, parsed: argparse.Namespace) -> int:
    from .doctor_data import parse_explore, run_doctor_data
    from .login import Target

    if not parsed.explore:
        doctor.error("--data needs --explore MODEL::EXPLORE")
    try:
        parse_explore(parsed.explore)
    except ValueError as exc:
        doctor.error(str(exc))
    fields = [f.strip() for f in (parsed.fields or "").split(",") if f.strip()]
    target = Target(config_file=parsed.ini, section=parsed.section)
    return run_doctor_data(
        target,
        parsed.explore,
        fields=fields,
        rows_field=parsed.rows_field,
        as_json=parsed.json,
    )


def _add_ini_options(parser: argparse.ArgumentParser, ini_help: str) -> None:
    """--ini and --section, read as _settings.read_ini reads them (one rule for every command)."""
    parser.add_argument("--ini", metavar="PATH", help=ini_help)
    parser.add_argument(
        "--section",
        metavar="NAME",
        help="section of the ini file (default: [Looker], else the first section)",
    )


def _register(parsed: argparse.Namespace) -> int:
    from .._errors import AdminError, AdminUsageError, SdkNotInstalled
    from ..jupyterhub import hub_redirect_uri
    from .register import register

    try:
        if parsed.hub_url is not None:
            try:
                redirect_uri = hub_redirect_uri(parsed.hub_url)
            except ValueError as exc:
                raise AdminUsageError(str(exc)) from None
        else:
            redirect_uri = parsed.redirect_uri
        register(
            client_guid=parsed.client_guid,
            redirect_uri=redirect_uri,
            display_name=parsed.display_name,
            description=parsed.description,
            base_url=parsed.base_url,
            ini=parsed.ini,
            section=parsed.section,
            replace=parsed.replace,
            out=sys.stdout,
        )
    except AdminError as exc:
        return refuse("register", exc, exc.exit_code)
    except SdkNotInstalled as exc:  # a missing package: a usage problem, like a bad flag
        return refuse("register", exc, AdminUsageError.exit_code)
    return 0
