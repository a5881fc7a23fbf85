"""The package's floors hold: every module imports only from its own floor or the floors below
(imports inside functions count too). A face never decides what is right; practice never
prints; exam never renders; render never draws a problem."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "quizgen"
FLOORS = {
    "core": 1,
    "topics": 2,
    "exam": 3,
    "render": 4,
    "export": 4,
    "practice": 5,
    "publish": 5,
    "marking": 5,
    "scan": 5,
    "cli": 6,
    "web": 6,
}


def floor_of(module: str) -> int | None:
    """The floor of a module named ``quizgen.X...`` (None for the package's own top)."""
    parts = module.split(".")
    if parts[0] != "quizgen" or len(parts) < 2:
        return None
    return FLOORS.get(parts[1])


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "quizgen":  # from quizgen import topics
                found += [f"quizgen.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
    return [name for name in found if name.startswith("quizgen")]


def module_name(path: Path) -> str:
    return "quizgen." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if floor_of(module_name(p)) is not None)


def test_every_module_lives_on_a_floor():
    stray = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert stray == [], "modules beside the floors"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_runs_upward(path):
    name = module_name(path)
    mine = floor_of(name)
    upward = [m for m in imports(path) if (floor_of(m) or 0) > mine]
    assert upward == [], f"{name} (floor {mine}) imports {upward}"


def test_every_package_ships_in_the_wheel():
    """setuptools lists the packages by hand: a new folder left off the list imports from the
    source tree but is missing from the wheel."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on

    listed = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = set(listed["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(("quizgen", *init.parent.relative_to(PACKAGE).parts))
        for init in PACKAGE.rglob("__init__.py")
    }
    assert folders - shipped == set()
