"""quizgen's shipped folders are found as importlib.resources finds them, without importing it,
and a zipped install (whose folders are no real ones) is said to need installing unzipped."""

from __future__ import annotations

from importlib.machinery import ModuleSpec
from importlib.resources import files

import pytest

from quizgen.core import resources
from quizgen.core.errors import QuizgenError


@pytest.mark.parametrize("package", ["templates", "bank_files", "examples", "guide"])
def test_a_shipped_folder_is_the_one_importlib_resources_finds(package):
    assert resources._folder(package) == files(f"quizgen.{package}")


def test_a_folder_inside_a_zipped_install_is_an_error_saying_to_install_unzipped(monkeypatch):
    zipped = ModuleSpec("quizgen.templates", None, is_package=True)
    zipped.submodule_search_locations = ["/opt/quizgen.zip/quizgen/templates"]
    monkeypatch.setattr(resources, "find_spec", lambda name: zipped)
    with pytest.raises(QuizgenError, match=r"templates are not on disk .*install it unzipped"):
        resources._folder("templates")


def test_a_missing_folder_is_an_error_saying_to_reinstall(monkeypatch):
    monkeypatch.setattr(resources, "find_spec", lambda name: None)
    with pytest.raises(QuizgenError, match="guide are missing; reinstall quizgen"):
        resources._folder("guide")
