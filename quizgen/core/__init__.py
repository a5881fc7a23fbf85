"""Floor 1, core: plain data, seeds, errors, exact and stable maths, LaTeX and its checks,
record files and judging answers. Imports nothing else of quizgen."""
