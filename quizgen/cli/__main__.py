"""``python -m quizgen.cli``: the same command line as ``quizgen``."""

from quizgen.cli.app import main

main()
