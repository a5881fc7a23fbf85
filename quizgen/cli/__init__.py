"""Floor 6, the terminal face: the click commands, the terminal quiz and stats. Input and
output only: what is right, what to ask and what to store live in the floors below.

``root`` holds the group and its error handling, ``options`` the options commands share, and
one module per command or family (``problems``, ``paper``, ``bank``, ``export``, ``practice``,
``serve``, ``grade``), imported only when its command runs."""

from quizgen.cli.root import cli, main

__all__ = ["cli", "main"]
