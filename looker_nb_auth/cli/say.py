"""How every command says what went wrong: one line on stderr, ``looker-nb-auth COMMAND:
sentence``, never a traceback."""

from __future__ import annotations

import sys

__all__ = ["refuse", "say"]


def say(command: str, sentence: object) -> None:
    """One line on stderr, naming the command."""
    print(f"looker-nb-auth {command}: {sentence}", file=sys.stderr, flush=True)


def refuse(command: str, sentence: object, exit_code: int) -> int:
    """Say ``sentence`` and return the exit code the command ends with."""
    say(command, sentence)
    return exit_code
