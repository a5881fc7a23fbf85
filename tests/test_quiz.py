"""The terminal quiz, driven end to end with scripted input, and its history database."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.core.latex import answer_text
from quizgen.exam.item_codes import encode
from quizgen.exam.problems import make_problem, solve
from quizgen.practice.adaptive import next_difficulty, topic_weights
from quizgen.practice.answers import AnswerFormatError, parse
from quizgen.practice.history import History, TopicStats
from quizgen.practice.session import quiz_problems
from quizgen.render.unicode_math import inline

SIGMOID = encode("sigmoid", "medium", 3778479469)  # z = -2.5: sigma 0.076, sigma' 0.070


def run(args, lines=(), tmp_path: Path | None = None):
    db = ["--db", str(tmp_path / "h.db")] if tmp_path else []
    return CliRunner().invoke(
        cli, [*args, *db, "--no-color"], input="".join(f"{x}\n" for x in lines)
    )


def rows(tmp_path: Path, sql: str):
    with sqlite3.connect(tmp_path / "h.db") as db:
        return db.execute(sql).fetchall()


def test_correct_answers_are_confirmed_and_saved(tmp_path):
    result = run(["check", SIGMOID], ["0.076", "0.070"], tmp_path)
    assert result.output.count("✓ Correct.") == 2 and "All correct." in result.output
    assert rows(tmp_path, "SELECT part, answer, correct FROM attempts") == [
        ("sigma", "0.076", 1),
        ("dsigma", "0.070", 1),
    ]


def test_wrong_answer_shows_the_right_one_and_the_worked_solution(tmp_path):
    result = run(["check", SIGMOID], ["0.5", "0.070"], tmp_path)
    assert "✗ The answer is 0.076." in result.output
    assert "Worked solution" in result.output


def test_a_known_mistake_is_named(tmp_path):
    result = run(["check", SIGMOID], ["0.076", "0.076"], tmp_path)
    assert "It looks like you answered sigma(z) for the derivative" in result.output
    assert rows(tmp_path, "SELECT misconception FROM attempts WHERE part = 'dsigma'") == [
        ("answered sigma(z) for the derivative",)
    ]


def test_a_later_part_that_follows_from_a_wrong_earlier_one_gets_follow_through(tmp_path):
    result = run(["check", SIGMOID], ["0.9", "0.09"], tmp_path)
    assert "Consistent with your earlier answer, which was wrong" in result.output
    assert rows(tmp_path, "SELECT correct, follow_through FROM attempts WHERE part = 'dsigma'") == [
        (1, 1)
    ]


def test_unreadable_input_reprompts_with_an_example_and_is_not_counted(tmp_path):
    result = run(["check", SIGMOID], ["zero point", "0.076", "0.070"], tmp_path)
    assert "could not read that as a scalar; type e.g. 0.731" in result.output
    assert rows(tmp_path, "SELECT COUNT(*) FROM attempts") == [(2,)]


def test_hints_climb_a_ladder_one_rung_at_a_time_and_are_counted(tmp_path):
    result = run(["check", SIGMOID], ["h", "h", "0.076", "0.070"], tmp_path)
    hints = [line.strip() for line in result.output.splitlines() if "Hint:" in line]
    assert hints == [
        "Hint: step 1: Sigmoid",
        "Hint: step 1, the numbers: σ(-2.5) = 1/(1 + e^(2.5)) = 1/(13.182) = 0.076",
    ]
    assert "Worked solution" not in result.output  # the answers were right: no full solution
    recorded = rows(tmp_path, "SELECT part, hint FROM attempts ORDER BY id")
    assert recorded == [("sigma", 2), ("dsigma", 0)]


def test_skip_shows_the_solution_and_records_every_part_left_as_skipped(tmp_path):
    result = run(["check", SIGMOID], ["s"], tmp_path)
    assert "Worked solution" in result.output
    assert "│ sigmoid │     0 │     2 │" in result.output
    recorded = rows(tmp_path, "SELECT part, answer, correct, outcome FROM attempts ORDER BY id")
    assert recorded == [("sigma", None, 0, "skipped"), ("dsigma", None, 0, "skipped")]


def test_asking_for_the_solution_is_recorded_as_shown_and_stats_agree(tmp_path):
    result = run(["check", SIGMOID], ["0.076", "?"], tmp_path)
    assert "│ sigmoid │     1 │     2 │" in result.output
    recorded = rows(tmp_path, "SELECT part, outcome FROM attempts ORDER BY id")
    assert recorded == [("sigma", "answered"), ("dsigma", "shown")]
    stats = CliRunner().invoke(cli, ["stats", "--db", str(tmp_path / "h.db"), "--no-color"])
    assert "│ sigmoid │     2 │     1 │" in stats.output  # the same 2 parts, 1 right


def test_quit_ends_with_a_summary_and_keeps_what_was_answered(tmp_path):
    result = run(["quiz", "-t", "sigmoid", "-n", "3", "-s", "1"], ["0.1", "q"], tmp_path)
    assert result.exit_code == 0
    assert "everything you answered is saved" in result.output and "Score by topic" in result.output
    assert rows(tmp_path, "SELECT COUNT(*) FROM attempts") == [(1,)]


def test_end_of_input_ends_cleanly(tmp_path):
    result = run(["quiz", "-t", "relu", "-n", "2", "-s", "1"], [], tmp_path)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "No answers this time." in result.output


def test_the_same_seed_asks_the_same_problems():
    first = [p.params for p in quiz_problems(["sigmoid", "relu"], 4, 9, "medium")]
    second = [p.params for p in quiz_problems(["sigmoid", "relu"], 4, 9, "medium")]
    assert first == second


def test_a_whole_scripted_quiz_scores_every_topic(tmp_path):
    problems = list(quiz_problems(["conv_shape", "param_count"], 3, 4, "easy"))
    lines = []
    for problem in problems:
        solution = solve(problem)
        lines += [answer_text(solution.answer[p.key], p.precision) for p in solution.parts]
    result = run(
        ["quiz", "-t", "conv_shape", "-t", "param_count", "-n", "3", "-s", "4", "-d", "easy"],
        lines,
        tmp_path,
    )
    assert result.output.count("All correct.") == 3
    assert rows(tmp_path, "SELECT MIN(correct) FROM attempts") == [(1,)]


def test_stats_show_accuracy_mistakes_and_progress(tmp_path):
    run(["check", SIGMOID], ["0.076", "0.076"], tmp_path)
    output = run(["stats"], [], tmp_path).output
    assert "Accuracy by topic" in output and "sigmoid" in output and "50 %" in output
    assert "answered sigma(z) for the derivative" in output
    assert "Progress by day" in output


def test_unknown_item_code_is_a_one_line_error():
    result = run(["check", "XX-123"])
    assert result.exit_code == 1 and "is not an item code" in result.stderr


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("3", "scalar", 3.0),
        ("-1/4", "scalar", -0.25),
        ("2.5e-3", "scalar", 0.0025),
        ("[-2, -2, -2]", "vector", [-2.0] * 3),
        ("-2 -2 -2", "vector", [-2.0] * 3),
        ("[[1, 2], [3, 4]]", "matrix", [[1.0, 2.0], [3.0, 4.0]]),
        ("1 2; 3 4", "matrix", [[1.0, 2.0], [3.0, 4.0]]),
        ("28x28x32", "shapes", [[28, 28, 32]]),
        ("28,28,32", "shapes", [[28, 28, 32]]),
        ("28x28x32, 14x14x32", "shapes", [[28, 28, 32], [14, 14, 32]]),
    ],
)
def test_answer_formats_are_forgiven(text, kind, value):
    assert parse(text, kind) == value


@pytest.mark.parametrize(
    ("text", "kind"),
    [("abc", "scalar"), ("1/0", "scalar"), ("[[1, 2], [3]]", "matrix"), ("28x28", "shapes")],
)
def test_unreadable_answers_raise_with_an_example(text, kind):
    with pytest.raises(AnswerFormatError, match=r"type e\.g\."):
        parse(text, kind)


def test_adaptive_weights_favour_weak_topics():
    stats = [TopicStats("relu", 10, 9), TopicStats("cce", 10, 2)]
    relu, cce, fresh = topic_weights(["relu", "cce", "bce"], stats)
    assert cce > fresh > relu


def test_adaptive_difficulty_rises_with_success_and_falls_with_failure():
    assert next_difficulty([(True, "medium")] * 6) == "hard"
    assert next_difficulty([(False, "medium")] * 6) == "easy"
    assert next_difficulty([(True, "medium")] * 4 + [(False, "medium")] * 2) == "medium"
    assert next_difficulty([(True, "hard")] * 6) == "hard"


def test_adaptive_session_leans_toward_the_weakest_topic(tmp_path):
    history = History(tmp_path / "h.db")
    session = history.start_session("test")
    for topic, correct in [("relu", True)] * 20 + [("cce", False)] * 20:
        from quizgen.practice.history import Attempt

        history.record(session, Attempt(topic, 1, "easy", "X", "p", "1", correct, 1.0))
    drawn = [p.topic for p in quiz_problems(["relu", "cce"], 60, 3, "medium", history)]
    assert drawn.count("cce") > 3 * drawn.count("relu")
    assert {p.difficulty for p in quiz_problems(["cce"], 3, 3, "medium", history)} == {"easy"}


def test_a_real_terminal_session(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "quizgen.cli", "check", SIGMOID, "--db", str(tmp_path / "h.db")],
        encoding="utf-8",
        timeout=30,
        env={"NO_COLOR": "1", "TERM": "xterm", "PATH": "/usr/bin:/bin"},
    )
    child.expect("σ\\(z\\) = ")
    child.sendline("0.076")
    child.expect("Correct")
    child.expect("= ")
    child.sendline("0.076")
    child.expect("It looks like you answered sigma")
    child.expect("Score by topic")
    child.expect(pexpect.EOF)
    assert make_problem("sigmoid", 3778479469, "medium").params.z == -2.5


def test_each_prompt_says_how_to_round(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["quiz", "--topic", "sigmoid", "--count", "1", "--seed", "4", "--no-color", "--db",
         str(tmp_path / "h.db")],
        input="q\n",
    )  # fmt: skip
    assert "(a) σ(z) (to 3 decimal places) = " in result.output


def test_a_right_answer_rounded_too_coarsely_is_told_so(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["check", "SGM-0HECWZT", "0.1", "0.1", "--no-color", "--db", str(tmp_path / "h.db")],
    )
    assert result.output.count("Right, but rounded too coarsely: give 3 decimal places") == 2
    report = CliRunner().invoke(cli, ["check", "SGM-0HECWZT", "0.1", "0.3", "--format", "json"])
    first, second = json.loads(report.stdout)["parts"]
    assert first["rounded_too_coarsely"] and not second["rounded_too_coarsely"]


def test_a_count_of_at_least_the_topics_covers_every_topic():
    from quizgen.topics import registry

    names = list(registry())
    drawn = [p.topic for p in quiz_problems(names, len(names), 3, "medium")]
    assert sorted(drawn) == sorted(names)


def test_a_bank_question_is_never_asked_twice_in_a_session():
    from quizgen.exam.banks import builtin_banks
    from quizgen.practice.session import bank_questions

    asked = [item.bank.id for item in bank_questions(builtin_banks(), ["sigmoid"], 50, 1)]
    assert asked and len(asked) == len(set(asked))


def test_a_mistake_repeated_in_a_later_part_is_explained_once(tmp_path):
    from quizgen.core.latex import answer_text
    from quizgen.exam.item_codes import encode
    from quizgen.exam.problems import make_problem
    from quizgen.practice.checking import check_typed
    from quizgen.topics import get

    topic = get("backprop")
    transposed = next(m for m in topic.misconceptions if m.label.startswith("transposed"))
    for seed in range(50):
        problem = make_problem("backprop", seed, "medium")
        solution = topic.solve(problem.params)
        answer = transposed.solve(problem.params)
        typed = [answer_text(answer[p.key], p.precision) for p in solution.parts]
        verdicts = [c.verdict for c in check_typed(problem, typed)]
        if sum(v.misconception is transposed for v in verdicts if v) >= 2:
            break
    else:
        pytest.fail("no draw shows the mistake twice")
    code = encode("backprop", "medium", seed)
    result = run(["check", code, *typed], [], tmp_path)
    said = " ".join(result.output.split())  # the console wraps long lines
    assert said.count(inline(transposed.explanation)) == 1
    assert "The same mistake again: you transposed the weight gradients." in said


def test_hints_for_a_later_part_start_after_the_steps_an_earlier_answer_showed(tmp_path):
    result = run(["check", SIGMOID], ["0.076", "h", "0.070"], tmp_path)
    hints = [line.strip() for line in result.output.splitlines() if "Hint:" in line]
    assert hints == ["Hint: step 2: Derivative, using the simplification trick"]


def test_hints_keep_climbing_across_parts_when_no_answer_showed_a_step(tmp_path):
    result = run(["check", SIGMOID], ["h", "h", "0.076", "h"], tmp_path)
    hints = [line.strip() for line in result.output.splitlines() if "Hint:" in line]
    assert hints[-1].startswith("Hint: step 2: ")


def test_the_prompt_keeps_a_subscript_the_stem_shows():
    code = encode("cce", "medium", 7)
    solution = solve(make_problem("cce", 7, "medium"))
    answers = [answer_text(solution.answer[p.key], p.precision) for p in solution.parts]
    result = run(["check", code], answers)
    assert "(c) gradient ∇[z] ℓ" in result.output


def test_terminal_tables_left_align_words_and_right_align_numbers():
    from quizgen.cli.quiz import rich_table
    from quizgen.core.model import Table

    table = rich_table(Table(("layer", "operation"), (("1", "Conv 2 × 2"), ("10", "MaxPool"))))
    assert [c.justify for c in table.columns] == ["right", "left"]


def test_stats_bars_fit_an_80_column_terminal_without_being_cut(tmp_path):
    run(["check", encode("linear_regression", "medium", 4)], ["?"], tmp_path)
    output = (
        CliRunner()
        .invoke(cli, ["stats", "--db", str(tmp_path / "h.db"), "--no-color"], env={"COLUMNS": "80"})
        .output
    )
    assert "linear_regression" in output and "·" in output
    assert "…" not in output
    assert max(len(line) for line in output.splitlines()) <= 80
