"""``looker-nb-auth``: the command line (the Looker stand-in and the demo)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


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
        "demo", help="run the Looker stand-in and JupyterLab on the getting-started notebook"
    )
    demo.add_argument("--port", type=int, default=8888, help="JupyterLab's port (8888)")
    demo.add_argument(
        "--looker-port", type=int, default=0, help="the stand-in's port (default: any free one)"
    )
    demo.add_argument(
        "--scripted", action="store_true", help="no browser: a scripted login against the stand-in"
    )
    if args and args[0] == "fake-looker":
        from .fake_looker import main as fake_looker_main

        return fake_looker_main(args[1:])
    parsed = parser.parse_args(args)
    if parsed.command == "demo":
        from ._demo import run_demo, run_notebook_demo

        if parsed.scripted:
            return run_demo()
        return run_notebook_demo(port=parsed.port, looker_port=parsed.looker_port)
    return 2  # pragma: no cover - argparse exits on unknown commands
