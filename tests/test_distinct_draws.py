"""Distinct draws: no problem twice in an exam while its pool allows, one warning line when it
does not, and no trivial draw at any difficulty."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.core.resources import shipped_blueprints
from quizgen.exam.blueprint import Blueprint, ItemSpec, Section, load_blueprint
from quizgen.exam.build import build_exam
from quizgen.exam.model import Item
from quizgen.exam.problems import fingerprint, make_problem


def _problems(exam):
    return [i.problem for v in exam.versions for i in v.items if isinstance(i, Item)]


def _sigmoid_easy(count: int) -> Blueprint:
    item = ItemSpec(topic="sigmoid", difficulty="easy", count=count, marks=2)
    return Blueprint(title="T", sections=[Section(title="S", items=[item])])


def test_no_problem_repeats_across_versions_while_the_pools_allow():
    exam = build_exam(load_blueprint(shipped_blueprints()["midterm"]), 2026, 12)
    prints = [fingerprint(p) for p in _problems(exam)]
    assert len(prints) == len(set(prints)) == 12 * 10
    assert exam.warnings == ()


def test_a_pool_too_small_repeats_evenly_and_says_so_in_one_line():
    exam = build_exam(_sigmoid_easy(3), 1, 4)
    uses = Counter(p.params.z for p in _problems(exam))
    assert sorted(uses.values()) == [2] * 6
    assert exam.warnings == (
        "sections[0].items[0] (sigmoid, easy): only 6 distinct problems exist and 12 were asked "
        "for over 4 version(s), so some repeat",
    )


def test_distinct_draws_are_reproducible_from_the_seed():
    one, two = (build_exam(_sigmoid_easy(3), 9, 4) for _ in range(2))
    assert [p.params for p in _problems(one)] == [p.params for p in _problems(two)]


def test_the_paper_command_prints_the_warning_on_stderr(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text(
        "title: T\nsections:\n  - title: S\n    items:\n"
        "      - {topic: sigmoid, difficulty: easy, count: 3, marks: 2}\n"
    )
    result = CliRunner().invoke(
        cli,
        [
            "paper",
            str(path),
            "--versions",
            "4",
            "--seed",
            "1",
            "-f",
            "html",
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        "Warning: bp.yaml: sections[0].items[0] (sigmoid, easy): only 6 distinct problems exist "
        "and 12 were asked for over 4 version(s), so some repeat"
    ]


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_sigmoid_never_asks_at_z_zero(difficulty):
    assert all(make_problem("sigmoid", k, difficulty).params.z != 0 for k in range(400))
