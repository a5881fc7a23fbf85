"""What a run imports and reads is what it uses: a blueprint's topics, the forms it asks them
in, and the banks only when it has bank items (one copy's fixed cost; speed is measured in
bench/speed.py, not here)."""

from __future__ import annotations

import subprocess
import sys

from quizgen import topics

QUIZ_TOPICS = ["sigmoid", "relu", "bce", "cce"]  # banks/exams/quiz.yaml's, forward form only


def fresh(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (nothing imported by earlier tests)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


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
