"""Files that ship with quizgen: templates, derivation banks, shipped blueprints, examples and
the guide's sections beyond the seed's.

The top-level folders ``templates/``, ``banks/``, ``examples/`` and ``docs/guide/`` are packaged
as ``quizgen.templates``, ``quizgen.bank_files``, ``quizgen.examples`` and ``quizgen.guide``
(``package-dir`` in pyproject.toml), and found here through ``importlib.resources``: a wheel,
``pipx``, an editable install and a source checkout all find the same files, from any working
directory.
"""

from __future__ import annotations

import os
from functools import cache
from importlib.resources import files
from importlib.util import find_spec
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


def package_folder(name: str) -> Path:
    """Where an installed package's files are, found without importing it (ziamath takes a
    quarter of a second to import; its font file's path should not)."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise QuizgenError(f"the package {name} is not installed; reinstall quizgen")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


@cache
def cache_folder(kind: str) -> Path | None:
    """A folder of the user's cache (``QUIZGEN_CACHE_DIR``, default the platform's user cache
    folder) for results that are costly to compute and keyed by what they were computed from;
    None when ``QUIZGEN_CACHE_DIR=off`` or the folder cannot be made (everything is then
    computed again, never skipped)."""
    setting = os.environ.get("QUIZGEN_CACHE_DIR")
    if setting == "off":
        return None
    if setting:
        root = Path(setting)
    else:
        from platformdirs import user_cache_path

        root = user_cache_path("quizgen")
    folder = root / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder
