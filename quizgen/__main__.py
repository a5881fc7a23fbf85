"""``python -m quizgen``: the same command line as ``quizgen``."""

from quizgen.cli import main

main()
