"""Files that ship with quizgen: templates, derivation banks, shipped blueprints, examples and
the guide's sections beyond the seed's.

The top-level folders ``templates/``, ``banks/``, ``examples/`` and ``docs/guide/`` are packaged
as ``quizgen.templates``, ``quizgen.bank_files``, ``quizgen.examples`` and ``quizgen.guide``
(``package-dir`` in pyproject.toml), and found here by importlib's finders, as
``importlib.resources`` finds them (without importing it: on a plain interpreter it was a
twentieth of a one-copy run): a wheel, ``pipx``, an editable install and a source checkout all
find the same files, from any working directory.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from quizgen.core.errors import QuizgenError


def _folder(package: str) -> Path:
    spec = find_spec(f"quizgen.{package}")
    if spec is None or not spec.submodule_search_locations:
        raise QuizgenError(f"quizgen's {package} are missing; reinstall quizgen")
    root = Path(next(iter(spec.submodule_search_locations)))
    if not root.is_dir():  # a zipped install: Jinja and YAML need real files
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


def module_source(name: str) -> Path:
    """The source file of a module of quizgen, found without importing it (a cache keyed by
    the code that computed what it holds reads the code, not runs it)."""
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise QuizgenError(f"quizgen's module {name} is missing; reinstall quizgen")
    return Path(spec.origin)


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


def kept_text(
    folder: Path | None, key: str, make: Callable[[], str], valid: Callable[[str], bool]
) -> str:
    """What ``make`` gives for ``key``, kept in a file of ``folder`` (one of ``cache_folder``'s,
    which names what the result depends on) under a hash of the key, so that a later run or
    another process reads it instead of computing it again. A file that cannot be read, or
    whose text is not ``valid`` (damaged), is computed again; one that cannot be written only
    costs the next run the same work. Written whole or not at all: a concurrent reader never
    sees half a file."""
    if folder is None:
        return make()
    path = folder / hashlib.sha256(key.encode()).hexdigest()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    else:
        if valid(text):
            return text
    text = make()
    keep_bytes(path, text.encode("utf-8"))
    return text


def cache_file(kind: str, parts: Iterable[bytes]) -> Path | None:
    """The file of the cache folder ``kind`` for a result computed from ``parts`` (the bytes of
    the files and code it depends on, the versions of the libraries whose objects it holds),
    named by their hash: a change to any of them is another file. None when caching is off."""
    folder = cache_folder(kind)
    if folder is None:
        return None
    digest = hashlib.sha256()
    for part in parts:
        digest.update(f"{len(part)}\0".encode() + part)
    return folder / f"{digest.hexdigest()}.pickle"


def kept_object(path: Path) -> Any | None:
    """The object ``keep_object`` wrote to ``path``, or None when there is none or it cannot be
    read (damaged, or of classes changed since): the caller computes it again. Read with the
    garbage collector paused: the many objects made while unpickling set off full collections
    over everything imported before, which took three quarters of the read (they hold no
    reference cycles to collect)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # not kept yet, or unreadable: computed again
        return None
    finally:
        if was_enabled:
            gc.enable()


def keep_object(path: Path, value: Any) -> None:
    """``value`` pickled to ``path`` (``keep_bytes``)."""
    keep_bytes(path, pickle.dumps(value))


def keep_bytes(path: Path, data: bytes) -> None:
    """``data`` written to the cache file ``path`` whole or not at all (a concurrent reader
    never sees half a file, and a failed write leaves no part behind); a cache that cannot be
    written is only slower."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
