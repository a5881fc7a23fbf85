"""What one run validated or converted is kept in the user's cache for the next, and read back
only while it still holds: a blueprint by its text (a changed file is validated again, a kept
one whose topics or banks no longer fit it is too), MathML by the formula and latex2mathml's
version; a damaged cache file is ignored, never trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.core import resources
from quizgen.core.errors import QuizgenError
from quizgen.exam import blueprint as blueprints
from quizgen.exam.blueprint import load_blueprint
from quizgen.render import math

QUIZ = "title: Kept\nsections:\n  - title: A\n    items:\n      - {topic: relu, marks: 2}\n"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """An empty user cache of this test's own."""
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    resources.cache_folder.cache_clear()
    yield
    resources.cache_folder.cache_clear()


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kept.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def no_validation(monkeypatch) -> None:
    monkeypatch.setattr(blueprints, "_validated", lambda *_: pytest.fail("validated again"))


def kept_files(kind: str) -> list[Path]:
    folder = resources.cache_folder(kind)
    assert folder is not None
    return sorted(folder.iterdir())


def test_a_blueprint_once_validated_is_read_from_the_cache(tmp_path, monkeypatch):
    path = written(tmp_path, QUIZ)
    first = load_blueprint(path)
    no_validation(monkeypatch)
    assert load_blueprint(path) == first


def test_a_changed_blueprint_is_validated_again_and_its_errors_name_the_line(tmp_path):
    path = written(tmp_path, QUIZ)
    load_blueprint(path)
    written(tmp_path, QUIZ.replace("relu", "relux"))
    with pytest.raises(QuizgenError, match=r'^kept\.yaml: line 5: .*unknown topic "relux"'):
        load_blueprint(path)


def test_a_damaged_kept_blueprint_is_ignored(tmp_path):
    path = written(tmp_path, QUIZ)
    first = load_blueprint(path)
    (kept,) = kept_files(f"blueprints-{blueprints.CACHE_FORMAT}")
    kept.write_bytes(b"not a pickle")
    assert load_blueprint(path) == first


def test_a_kept_blueprint_asking_a_form_its_topic_no_longer_has_is_validated_again(
    tmp_path, monkeypatch
):
    path = written(tmp_path, QUIZ.replace("relu", "sigmoid, form: inverse"))
    load_blueprint(path)
    monkeypatch.setattr(blueprints.topics.Topic, "forms", property(lambda _: ("forward",)))
    with pytest.raises(QuizgenError, match=r'^kept\.yaml: line 5: .*has no form "inverse"'):
        load_blueprint(path)


def test_a_kept_blueprint_s_bank_items_are_checked_against_this_run_s_banks(tmp_path):
    text = QUIZ + "      - {bank: {topic: sigmoid}, count: 1, marks: 2}\n"
    path = written(tmp_path, text)
    load_blueprint(path)
    with pytest.raises(QuizgenError, match=r"^kept\.yaml: line 6: .*no bank question has"):
        load_blueprint(path, bank=[])


def test_a_blueprint_with_notes_says_them_on_every_load(tmp_path):
    from quizgen.core.errors import QuizgenNote

    path = written(tmp_path, QUIZ + "      - {topic: cce, marks: 2, form: choice}\n")
    for _ in range(2):
        with pytest.warns(QuizgenNote, match='read as "answer: choice"'):
            load_blueprint(path)


def test_no_blueprint_is_kept_with_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", "off")
    resources.cache_folder.cache_clear()
    path = written(tmp_path, QUIZ)
    load_blueprint(path)
    monkeypatch.setattr(blueprints, "_validated", lambda *_: pytest.fail("validated again"))
    with pytest.raises(pytest.fail.Exception, match="validated again"):
        load_blueprint(path)


FORMULA = r"\sigma(z) = \frac{1}{1 + e^{-z}}"


def test_a_converted_formula_is_read_from_the_cache_without_latex2mathml(monkeypatch):
    converted = math._latex2mathml(FORMULA, True)
    assert math._converted(FORMULA, True) == converted
    monkeypatch.setattr(math, "_latex2mathml", lambda *_: pytest.fail("converted again"))
    assert math._converted(FORMULA, True) == converted


def test_a_damaged_kept_formula_is_converted_again():
    first = math._converted(FORMULA, False)
    (kept,) = kept_files(f"mathml-latex2mathml{math._latex2mathml_version()}")
    kept.write_text("<math><mi>", encoding="utf-8")  # cut short
    assert math._converted(FORMULA, False) == first


def test_formulas_kept_by_another_latex2mathml_are_converted_again(monkeypatch):
    math._converted(FORMULA, False)
    monkeypatch.setattr(math, "_latex2mathml_version", lambda: "0.0")
    calls = []
    monkeypatch.setattr(math, "_latex2mathml", lambda *args: calls.append(args) or "<math></math>")
    math._converted(FORMULA, False)
    assert calls == [(FORMULA, False)]


def test_a_formula_latex2mathml_cannot_read_is_not_kept():
    with pytest.raises(Exception):  # noqa: B017 - latex2mathml's own error
        math._converted(r"\left( 2", False)
    folder = math.mathml_cache_dir()
    assert folder is not None and list(folder.iterdir()) == []
