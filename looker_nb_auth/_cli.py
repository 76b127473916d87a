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
    commands.add_parser("demo", help="run the Looker stand-in and a scripted login against it")
    if args and args[0] == "fake-looker":
        from .fake_looker import main as fake_looker_main

        return fake_looker_main(args[1:])
    parsed = parser.parse_args(args)
    if parsed.command == "demo":
        from ._demo import run_demo

        return run_demo()
    return 2  # pragma: no cover - argparse exits on unknown commands
