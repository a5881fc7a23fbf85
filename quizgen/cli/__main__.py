"""``python -m quizgen.cli``: the same command line as ``quizgen``."""

from quizgen.cli.root import main

main()
