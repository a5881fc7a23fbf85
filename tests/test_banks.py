"""Derivation banks: the shipped banks are valid and complete, errors are precise, shuffles are
reproducible, hostile content is harmless, and bank questions reach papers, keys and the quiz."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from quizgen.cli import cli
from quizgen.cli.quiz import QuizSession
from quizgen.core.errors import QuizgenError
from quizgen.core.model import BANK_KINDS
from quizgen.exam.banks import BUILTIN, BankError, load_banks, select
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_exam, make_bank_item
from quizgen.exam.model import BankItem
from quizgen.practice.session import bank_questions
from quizgen.render.html import render
from quizgen.topics import registry

GOOD_DERIVE = """
  - id: my-derive
    kind: derive
    prompt: Show that $a = b$.
    steps:
      - {formula: 'a = c', reason: First., marks: 1}
      - {formula: 'c = b', reason: Then., marks: 2}
"""


def bank_file(tmp_path: Path, questions: str, section: int = 3) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(f"section: {section}\nquestions:{questions}", encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(BankError) as error:
        load_banks([path])
    return error.value.problems


def test_shipped_banks_pass_the_check():
    result = CliRunner().invoke(cli, ["bank", "check"])
    assert result.exit_code == 0 and "no problems" in result.output


def test_every_topic_section_has_two_kinds_or_more():
    questions = load_banks()
    for topic in registry().values():
        kinds = {q.kind for q in questions if q.section == topic.section}
        assert len(kinds) >= 2, topic.name


def test_a_bank_file_attaches_to_a_topic_by_name(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(f"topic: relu\nquestions:{GOOD_DERIVE}", encoding="utf-8")
    (question,) = load_banks([path])
    assert question.section == registry()["relu"].section


def test_a_bank_file_for_an_unknown_topic_is_an_error(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(f"topic: relux\nquestions:{GOOD_DERIVE}", encoding="utf-8")
    assert any(p.startswith('mine.yaml: topic: unknown topic "relux"') for p in problems(path))


def test_a_bank_file_names_either_a_topic_or_a_section(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(f"topic: relu\nsection: 8\nquestions:{GOOD_DERIVE}", encoding="utf-8")
    assert any("give either topic" in p for p in problems(path))


def test_every_derivation_has_a_marking_scheme():
    for q in select(load_banks(), kind="derive"):
        assert q.marks == sum(s.marks for s in q.steps) > 0


def test_selection_by_section_kind_tag_and_id():
    questions = load_banks()
    assert {q.id for q in select(questions, section=3, kind="derive")} == {"sigmoid-derivative"}
    assert all("convention" in q.question.tags for q in select(questions, tag="convention"))
    assert len(select(questions, tag="convention")) >= 2
    assert [q.id for q in select(questions, qid="same-padding")] == ["same-padding"]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        (
            GOOD_DERIVE.replace("    prompt: Show that $a = b$.\n", ""),
            "question my-derive: prompt: Field required",
        ),
        (
            GOOD_DERIVE.replace("kind: derive", "kind: derive\n    marks: 4"),
            "question my-derive: marks: 4, but the steps' marks add up to 3",
        ),
        (
            GOOD_DERIVE.replace("'a = c'", "'\\foo{a}'"),
            "question my-derive: steps[0].formula: LaTeX: unsupported command \\foo",
        ),
        (
            GOOD_DERIVE.replace("'a = c'", "'\\frac{a}{c'"),
            "steps[0].formula: LaTeX: unbalanced braces",
        ),
        (GOOD_DERIVE.replace("prompt:", "promt:"), "question my-derive: promt: Extra inputs"),
        (GOOD_DERIVE + GOOD_DERIVE, "question my-derive: id: duplicate"),
        (
            """
  - id: two-right
    kind: choice
    prompt: Pick.
    options:
      - {text: a, correct: true, why: x}
      - {text: b, correct: true, why: y}""",
            "question two-right: options: exactly one option must be correct, found 2",
        ),
        (
            """
  - id: no-right
    kind: choice
    prompt: Pick.
    options:
      - {text: a, why: x}
      - {text: b, why: y}""",
            "question no-right: options: exactly one option must be correct, found 0",
        ),
        (
            GOOD_DERIVE
            + """
  - id: my-fill
    kind: fill
    from: my-derive
    blank: 3
    prompt: Fill.
    distractors: ['a', 'b']""",
            "question my-fill: blank: step 3 does not exist (2 steps)",
        ),
        (
            GOOD_DERIVE
            + """
  - id: my-fill
    kind: fill
    from: my-derive
    blank: 1
    prompt: Fill.
    distractors: ['a = c', 'b']""",
            "question my-fill: distractors[0]: is the right step itself",
        ),
        (
            """
  - id: my-order
    kind: order
    from: nowhere
    prompt: Order.""",
            'question my-order: from: no derive question "nowhere"',
        ),
    ],
)
def test_bank_errors_name_the_file_the_question_and_the_field(tmp_path, questions, message):
    found = problems(bank_file(tmp_path, questions))
    assert any(p.startswith("mine.yaml: ") and message in p for p in found), found


@pytest.fixture
def bank_cache(tmp_path, monkeypatch):
    """An empty user cache of this test's own."""
    from quizgen.core import resources

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    resources.cache_folder.cache_clear()
    yield
    resources.cache_folder.cache_clear()


def test_banks_once_validated_come_from_the_cache(tmp_path, monkeypatch, bank_cache):
    from quizgen.exam import banks

    path = bank_file(tmp_path, GOOD_DERIVE)
    first = load_banks([path])
    monkeypatch.setattr(banks, "_validated", lambda files: pytest.fail("validated again"))
    assert load_banks([path]) == first


def test_banks_cached_by_another_pydantic_are_validated_again(tmp_path, monkeypatch, bank_cache):
    from quizgen.exam import banks

    path = bank_file(tmp_path, GOOD_DERIVE)
    load_banks([path])
    monkeypatch.setattr(banks, "VERSION", "0.0")
    monkeypatch.setattr(banks, "_validated", lambda files: pytest.fail("validated again"))
    with pytest.raises(pytest.fail.Exception, match="validated again"):
        load_banks([path])


def test_reading_cached_banks_leaves_the_garbage_collector_running(tmp_path, bank_cache):
    import gc

    path = bank_file(tmp_path, GOOD_DERIVE)
    load_banks([path])
    load_banks([path])
    assert gc.isenabled()


def test_a_changed_bank_file_is_validated_again_never_taken_from_the_cache(tmp_path, bank_cache):
    path = bank_file(tmp_path, GOOD_DERIVE)
    load_banks([path])
    bank_file(tmp_path, GOOD_DERIVE.replace("marks: 2", "marks: -2"))
    assert any("marks" in p for p in problems(path))


def test_bank_check_reports_every_problem_and_fails(tmp_path):
    path = bank_file(
        tmp_path,
        GOOD_DERIVE.replace("'a = c'", "'\\foo'")
        + """
  - id: two-right
    kind: choice
    prompt: Pick.
    options:
      - {text: a, correct: true, why: x}
      - {text: b, correct: true, why: y}""",
    )
    result = CliRunner().invoke(cli, ["bank", "check", str(path)])
    assert result.exit_code == 1
    assert "2 problems found." in result.stderr


def test_yaml_that_builds_python_objects_is_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("section: !!python/object/apply:os.system ['echo hi']\nquestions: []\n")
    assert "malformed or unsafe YAML" in problems(path)[0]


def test_markup_in_bank_text_is_escaped_on_papers(tmp_path):
    bank = load_banks(
        [
            BUILTIN,
            bank_file(
                tmp_path,
                GOOD_DERIVE.replace(
                    "Show that $a = b$.", "<script>alert(1)</script> Show $a = b$."
                ),
            ),
        ]
    )
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: T\nsections:\n  - title: S\n    items:\n      - {bank: {id: my-derive}, marks: 3}\n"
    )
    exam = build_exam(load_blueprint(blueprint, bank), 1, 1, bank)
    html = render(exam, exam.versions[0], "paper", "bp.yaml")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_shuffles_are_reproducible_and_never_the_answer():
    (question,) = select(load_banks(), qid="bce-gradient-order")
    items = [make_bank_item(1, "1", question, 4, np.random.default_rng(s)) for s in range(20)]
    again = [make_bank_item(1, "1", question, 4, np.random.default_rng(s)) for s in range(20)]
    assert [i.order for i in items] == [i.order for i in again]
    assert all(i.right_order != "1 2 3 4 5" for i in items)
    assert len({i.order for i in items}) > 5


def test_right_order_maps_shown_numbers_back_to_the_derivation():
    (question,) = select(load_banks(), qid="same-padding-order")
    item = make_bank_item(1, "1", question, 4, np.random.default_rng(0))
    shown = item.shown_steps
    answer = [shown[int(k) - 1] for k in item.right_order.split()]
    assert answer == list(question.steps)


BANK_BLUEPRINT = """title: Derivations
sections:
  - title: Derive
    items:
      - {bank: {kind: derive, section: 3}, marks: 5}
      - {bank: {kind: order}, marks: 4}
      - {bank: {kind: fill}, marks: 2}
      - {bank: {kind: choice, tag: convention}, marks: 2}
"""


def test_bank_items_reach_papers_with_model_answers_only_in_the_key(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text(BANK_BLUEPRINT)
    exam = build_exam(load_blueprint(path), 8, 2)
    version = exam.versions[0]
    paper = render(exam, version, "paper", "bp.yaml")
    key = render(exam, version, "key", "bp.yaml")
    derive = next(i for i in version.items if isinstance(i, BankItem) and i.kind == "derive")
    for step in derive.bank.steps:
        if "$" not in step.reason:  # (reasons with math are typeset, not plain text)
            assert step.reason in key and step.reason not in paper
    assert "model answer" in key and "marks" in key
    order = next(i for i in version.items if isinstance(i, BankItem) and i.kind == "order")
    assert f"Order: <strong>{order.right_order}</strong>" in key
    assert exam.versions[0].items != exam.versions[1].items


def test_a_selection_with_too_few_questions_is_an_error(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text(
        BANK_BLUEPRINT.replace(
            "{kind: derive, section: 3}, marks: 5", "{kind: derive, section: 3}, marks: 5, count: 2"
        )
    )
    with pytest.raises(
        QuizgenError,
        match=r"sections\[0\]\.items\[0\]\.bank: only 1 bank question has .* asks for 2",
    ):
        build_exam(load_blueprint(path), 1, 1)


def test_an_item_needs_a_topic_or_a_bank_not_both(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text(
        BANK_BLUEPRINT.replace(
            "{bank: {kind: fill}, marks: 2}", "{topic: relu, bank: {kind: fill}, marks: 2}"
        )
    )
    with pytest.raises(QuizgenError, match=r"give either topic .* or bank"):
        load_blueprint(path)


def test_bank_list_shows_sections_and_kinds():
    output = CliRunner().invoke(cli, ["bank", "list"]).output
    assert output.splitlines()[0].split()[:5] == ["section", *BANK_KINDS]
    assert "sigmoid-derivative" in output


def _answers_for(items: list[BankItem]) -> list[str]:
    lines = []
    for item in items:
        if item.kind == "order":
            lines.append(item.right_order)
        elif item.options:
            lines.append(next(o.letter for o in item.options if o.correct))
        else:
            lines += ["", str(sum(s.marks for s in item.bank.steps))]
    return lines


def test_the_quiz_asks_bank_questions_of_every_kind(tmp_path):
    items = list(bank_questions(load_banks(), ["sigmoid", "bce"], 8, 5))
    assert {i.kind for i in items} == set(BANK_KINDS)
    result = CliRunner().invoke(
        cli,
        [
            "quiz",
            "--derivations",
            "-t",
            "sigmoid",
            "-t",
            "bce",
            "-n",
            "8",
            "-s",
            "5",
            "--db",
            str(tmp_path / "h.db"),
            "--no-color",
        ],
        input="".join(f"{line}\n" for line in _answers_for(items)),
    )
    assert result.exit_code == 0
    with sqlite3.connect(tmp_path / "h.db") as db:
        assert db.execute("SELECT COUNT(*), SUM(correct) FROM attempts").fetchone() == (8, 8)


def test_a_wrong_choice_is_named_and_explained():
    (question,) = select(load_banks(), qid="relu-zero-convention")
    item = make_bank_item(1, "1", question, 2, np.random.default_rng(3))
    wrong = next(o for o in item.options if not o.correct)
    right = next(o for o in item.options if o.correct)
    console = Console(file=io.StringIO(), width=200, no_color=True)
    session = QuizSession(console, lambda prompt: wrong.letter, None)
    assert session.ask_bank(item) is False
    output = console.file.getvalue()
    assert f"✗ The answer is {right.letter}." in output
    assert wrong.why.split("$")[0].strip() in output


def _order_item(qid: str, seed: int = 5):
    from quizgen.core.seeds import rng_for
    from quizgen.exam.banks import builtin_banks
    from quizgen.exam.build import make_bank_item

    question = next(q for q in builtin_banks() if q.id == qid)
    return make_bank_item(1, "s", question, question.marks, rng_for(seed))


def test_an_order_question_accepts_every_order_the_derivation_allows():
    import itertools

    item = _order_item("bce-gradient-order")  # steps 2, 3 and 4 are independent factors
    model = [item.order.index(j) + 1 for j in range(len(item.order))]
    accepted = [p for p in itertools.permutations(model) if item.accepts_order(list(p))]
    assert len(accepted) == 6  # 3! orders of the three factors, first and last fixed
    assert all(p[0] == model[0] and p[-1] == model[-1] for p in accepted)
    assert "(" in item.right_order


def test_an_order_without_interchangeable_steps_has_one_right_answer():
    import itertools

    item = _order_item("sigmoid-derivative-order")
    n = len(item.order)
    accepted = [p for p in itertools.permutations(range(1, n + 1)) if item.accepts_order(p)]
    assert [" ".join(map(str, p)) for p in accepted] == [item.right_order]


def test_the_shuffle_never_shows_an_allowed_order():
    for seed in range(30):
        item = _order_item("perceptron-update-order", seed)
        assert not item.accepts_order(list(range(1, len(item.order) + 1)))


@pytest.mark.parametrize(
    ("groups", "problem"),
    [
        ("[[2, 4]]", "two or more consecutive step numbers"),
        ("[[5, 6]]", "steps are numbered 1 to 3"),
        ("[[1, 2], [2, 3]]", "overlaps another group"),
    ],
)
def test_bad_interchangeable_groups_are_reported(tmp_path, groups, problem):
    path = tmp_path / "bank.yaml"
    path.write_text(
        "section: 3\nquestions:\n  - id: my-order\n    kind: order\n    prompt: Order them.\n"
        f"    interchangeable: {groups}\n    steps:\n      - {{formula: 'a', reason: A.}}\n"
        "      - {formula: 'b', reason: B.}\n      - {formula: 'c', reason: C.}\n"
    )
    with pytest.raises(BankError, match=problem):
        load_banks([path])


def _asked(qid: str, answers: list[str]) -> str:
    """What the terminal quiz prints for one bank question answered with ``answers``."""
    (question,) = select(load_banks(), qid=qid)
    item = make_bank_item(1, "1", question, question.marks, np.random.default_rng(3))
    console = Console(file=io.StringIO(), width=200, no_color=True)
    replies = iter(answers)
    QuizSession(console, lambda prompt: next(replies), None).ask_bank(item)
    return console.file.getvalue()


def test_a_self_marked_derivation_shows_the_model_derivation_once():
    output = _asked("sigmoid-derivative", ["", "0"])  # marked 0: not full marks
    assert output.count("Model derivation") == 1


def test_a_wrong_choice_without_a_derivation_prints_no_empty_heading():
    (question,) = select(load_banks(), qid="sigmoid-max-slope")
    assert not question.steps
    item = make_bank_item(1, "1", question, question.marks, np.random.default_rng(3))
    wrong = next(o for o in item.options if not o.correct)
    assert "Model derivation" not in _asked("sigmoid-max-slope", [wrong.letter])


def test_the_key_of_a_fill_question_gives_the_missing_step_not_only_its_letter(tmp_path):
    from quizgen.render.math import inline as svg_inline

    path = tmp_path / "bp.yaml"
    path.write_text(BANK_BLUEPRINT)
    exam = build_exam(load_blueprint(path), 8, 1)
    version = exam.versions[0]
    fill = next(i for i in version.items if isinstance(i, BankItem) and i.kind == "fill")
    right = next(o for o in fill.options if o.correct)
    key = render(exam, version, "key", "bp.yaml")
    assert f"Answer: <strong>{right.letter}</strong>, {svg_inline(right.text)}." in key


def test_bank_check_reports_all_problems_of_a_file_with_their_lines(tmp_path):
    """A bad id does not hide the rest of its question, nor a duplicate id a choice's options."""
    path = bank_file(
        tmp_path,
        """
  - id: Bad_ID
    kind: derive
    prompt: Show it.
    steps:
      - {formula: '\\foo', reason: First.}
      - {formula: 'b', reason: Then.}
  - id: pick
    kind: choice
    prompt: Pick.
    options:
      - {text: a, why: x}
      - {text: b, why: y}
  - id: pick
    kind: choice
    prompt: Pick again.
    options:
      - {text: a, correct: true, why: x}
      - {text: b, correct: true, why: y}""",
    )
    result = CliRunner().invoke(cli, ["bank", "check", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: mine.yaml: line 3: question Bad_ID: id: lower-case letters, digits and hyphens "
        "only (e.g. sigmoid-derivative)",
        "Error: mine.yaml: line 7: question Bad_ID: steps[0].formula: LaTeX: unsupported "
        "command \\foo",
        "Error: mine.yaml: line 13: question pick: options: exactly one option must be correct, "
        "found 0",
        "Error: mine.yaml: line 15: question pick: id: duplicate, first in mine.yaml",
        "Error: mine.yaml: line 19: question pick: options: exactly one option must be correct, "
        "found 2",
        "5 problems found.",
    ]
