"""What a run imports and reads is what it uses: a blueprint's topics, the forms it asks them
in, and the banks only when it has bank items (one copy's fixed cost; speed is measured in
bench/speed.py, not here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from quizgen import topics

QUIZ_TOPICS = ["sigmoid", "relu", "bce", "cce"]  # banks/exams/quiz.yaml's, forward form only


def fresh(code: str, **env: str) -> str:
    """What ``code`` prints in a fresh interpreter (nothing imported by earlier tests)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return done.stdout.strip()


#: what one HTML copy of a blueprint needs only when the user's cache lacks it: YAML and the
#: blueprint's validators (for a blueprint not validated before), latex2mathml (for formulas
#: not converted before) and the banks' LaTeX checker (for banks not validated before)
ONLY_WHEN_NOT_KEPT = ["latex2mathml", "quizgen.core.latex_check", "yaml"]


def one_copy(out: Path) -> str:
    """Code that writes one HTML copy of quiz.yaml as ``quizgen paper`` does, seed 5."""
    return (
        "import sys\n"
        "from quizgen.cli import cli\n"
        f"args = ['paper', 'quiz', '--seed', '5', '--format', 'html', '--out', {str(out)!r}]\n"
        "cli.main(args, standalone_mode=False)\n"
    )


def test_a_warm_one_copy_run_reads_what_it_needs_from_the_cache(tmp_path):
    cache = str(tmp_path / "cache")
    fresh(one_copy(tmp_path / "first"), QUIZGEN_CACHE_DIR=cache)
    shown = fresh(
        one_copy(tmp_path / "again")
        + "from quizgen.exam.blueprint import Blueprint\n"
        + f"print([m for m in {ONLY_WHEN_NOT_KEPT!r} if m in sys.modules])\n"
        + "print(Blueprint.__pydantic_complete__)\n",
        QUIZGEN_CACHE_DIR=cache,
    )
    assert shown.splitlines()[-2:] == ["[]", "False"]
    assert written(tmp_path / "again") == written(tmp_path / "first")


def written(folder: Path) -> dict[str, bytes]:
    """The files under ``folder`` by their path in it."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_first_one_copy_run_validates_and_converts(tmp_path):
    shown = fresh(
        one_copy(tmp_path / "first")
        + f"print([m for m in {ONLY_WHEN_NOT_KEPT!r} if m in sys.modules])\n",
        QUIZGEN_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert shown.splitlines()[-1] == str(["latex2mathml", "yaml"])


def test_loading_a_blueprint_imports_its_topics_alone_without_their_other_forms():
    shown = fresh(
        "import sys\n"
        "from quizgen import topics\n"
        "from quizgen.exam.blueprint import find_blueprint, load_blueprint\n"
        "load_blueprint(find_blueprint('quiz'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('quizgen.topics.')"
        " and not m.startswith('quizgen.topics._')))\n"
    )
    assert shown == str(sorted(f"quizgen.topics.{name}" for name in QUIZ_TOPICS))


def test_a_blueprint_without_bank_items_reads_no_bank():
    shown = fresh(
        "from quizgen.exam import banks\n"
        "from quizgen.exam.blueprint import find_blueprint, load_blueprint\n"
        "load_blueprint(find_blueprint('quiz'))\n"
        "print(banks.builtin_banks.cache_info().currsize)\n"
    )
    assert shown == "0"


def test_a_topic_lists_its_forms_before_any_is_imported():
    topic = topics.get("sigmoid")
    assert "spot" in topic.other_forms and "whatif" in topic.forms
    assert topic.with_form("inverse").computes is topic.other_forms["inverse"]


def test_the_registry_is_the_dict_get_reads():
    assert topics.get("relu") is topics.registry()["relu"]
    assert list(topics.registry()) == sorted(topics.names(), key=lambda n: topics.get(n).section)
