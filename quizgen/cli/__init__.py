"""Floor 6, the terminal face: the click commands, the terminal quiz and stats. Input and
output only: what is right, what to ask and what to store live in the floors below.

``root`` holds the group and its error handling, ``options`` the options commands share, and
one module per command or family (``problems``, ``paper``, ``bank``, ``export``, ``practice``,
``serve``, ``grade``), imported only when its command runs."""

import os

# quizgen's matrices are a few numbers across: the OpenBLAS threads numpy starts at import (one
# per core) do nothing for them and cost about a tenth of a second of every command's CPU time.
# Set before anything imports numpy; a user's own setting wins, and class-set workers inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from quizgen.cli.root import cli, main

__all__ = ["cli", "main"]
