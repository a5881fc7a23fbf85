"""Floor 6, the terminal face: the click commands, the terminal quiz and stats. Input and
output only: what is right, what to ask and what to store live in the floors below."""

from quizgen.cli.app import cli, main

__all__ = ["cli", "main"]
