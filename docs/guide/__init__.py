"""Package data: the course guide's sections beyond the seed's ten, one Markdown file each,
shipped with quizgen as a resource folder (see quizgen/core/resources.py)."""
