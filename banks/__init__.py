"""Package data: shipped with quizgen as a resource folder (see quizgen/core/resources.py)."""
