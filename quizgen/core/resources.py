"""Files that ship with quizgen: templates, derivation banks, shipped blueprints, examples and
the guide's sections beyond the seed's.

The top-level folders ``templates/``, ``banks/``, ``examples/`` and ``docs/guide/`` are packaged
as ``quizgen.templates``, ``quizgen.bank_files``, ``quizgen.examples`` and ``quizgen.guide``
(``package-dir`` in pyproject.toml), and found here through ``importlib.resources``: a wheel,
``pipx``, an editable install and a source checkout all find the same files, from any working
directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from quizgen.core.errors import QuizgenError


def _folder(package: str) -> Path:
    root = files(f"quizgen.{package}")
    if not isinstance(root, Path):  # a zipped install: Jinja and YAML need real files
        raise QuizgenError(f"quizgen's {package} are not on disk ({root}); install it unzipped")
    return root


TEMPLATES = _folder("templates")
BANKS = _folder("bank_files")
BLUEPRINTS = BANKS / "exams"
EXAMPLES = _folder("examples")
GUIDE = _folder("guide")


def shipped_blueprints() -> dict[str, Path]:
    """The blueprints that ship with quizgen, by name (``midterm``, ``quiz``)."""
    return {path.stem: path for path in sorted(BLUEPRINTS.glob("*.yaml"))}
