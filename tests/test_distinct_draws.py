"""Distinct draws: no problem twice in an exam while its pool allows, one warning line when it
does not, and no trivial draw at any difficulty."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.core.latex import num
from quizgen.core.resources import shipped_blueprints
from quizgen.exam.blueprint import Blueprint, ItemSpec, Section, load_blueprint
from quizgen.exam.build import build_exam, build_for_student, roster_draws
from quizgen.exam.model import Item, Student
from quizgen.exam.problems import fingerprint, make_problem
from quizgen.marking.papers import from_manifest


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


def _roster(count: int, prefix: str = "s") -> list[Student]:
    return [Student(f"{prefix}{k:03d}", f"Student {k}") for k in range(count)]


def _roster_problems(blueprint: Blueprint, seed: int, students: list[Student]) -> dict:
    """Each student's problems, built one by one from the picks the roster pass gives."""
    picks = roster_draws(blueprint, seed, students).picks
    return {
        s.id: [
            i.problem
            for i in build_for_student(blueprint, seed, s, picks=picks[s.id]).versions[0].items
            if isinstance(i, Item)
        ]
        for s in students
    }


def test_no_two_students_of_a_roster_share_a_problem_while_the_pools_allow():
    blueprint = load_blueprint(shipped_blueprints()["midterm"])
    papers = _roster_problems(blueprint, 2026, _roster(16))  # medium sigmoid has 16 values
    prints = [fingerprint(p) for problems in papers.values() for p in problems]
    assert len(prints) == len(set(prints))
    assert roster_draws(blueprint, 2026, _roster(16)).warnings == ()


def test_without_the_roster_pass_students_of_a_class_do_share_problems():
    """What the roster pass is for: students drawn alone collide (the pass is not idle)."""
    blueprint = load_blueprint(shipped_blueprints()["midterm"])
    prints = [
        fingerprint(i.problem)
        for s in _roster(16)
        for i in build_for_student(blueprint, 2026, s).versions[0].items
        if isinstance(i, Item)
    ]
    assert len(prints) > len(set(prints))


def test_a_roster_too_large_for_a_pool_repeats_evenly_and_says_so_in_one_line():
    drawn = roster_draws(_sigmoid_easy(1), 1, _roster(12))
    papers = _roster_problems(_sigmoid_easy(1), 1, _roster(12))
    uses = Counter(problems[0].params.z for problems in papers.values())
    assert sorted(uses.values()) == [2] * 6
    assert drawn.warnings == (
        "sections[0].items[0] (sigmoid, easy): only 6 distinct problems exist and 12 were asked "
        "for over 12 student(s), so some repeat",
    )


def test_a_reordered_roster_gives_every_student_the_same_picks():
    blueprint = load_blueprint(shipped_blueprints()["midterm"])
    students = _roster(30)
    assert (
        roster_draws(blueprint, 7, students).picks
        == roster_draws(blueprint, 7, students[::-1]).picks
    )


def test_a_student_added_to_a_roster_changes_only_the_students_whose_draws_it_took():
    blueprint = load_blueprint(shipped_blueprints()["midterm"])
    before = _roster_problems(blueprint, 7, _roster(30))
    after = _roster_problems(blueprint, 7, [*_roster(30), Student("late", "Late Comer")])
    newcomer = {fingerprint(p) for p in after["late"]}
    for sid, problems in before.items():
        if problems != after[sid]:  # a changed paper gave up a problem the newcomer now has
            assert newcomer & {fingerprint(p) for p in problems}, sid


def test_a_class_set_records_each_students_picks_and_grading_rebuilds_the_same_papers(
    tmp_path,
):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"s{k},Student {k}\n" for k in range(14)))
    path = tmp_path / "bp.yaml"
    path.write_text(
        "title: T\nsections:\n  - title: S\n    items:\n"
        "      - {topic: sigmoid, difficulty: medium, count: 1, marks: 2}\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            *("paper", str(path), "--roster", str(roster), "--seed", "5"),
            *("--format", "html", "--out", str(out), "-j", "1"),
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert any(row["redraws"] for row in manifest["students"])  # some had to redraw
    rebuilt = from_manifest(out / "manifest.json", str(path), None).papers
    zs = [rebuilt[row["id"]].items[0].problem.params.z for row in manifest["students"]]
    assert len(set(zs)) == len(zs) == 14
    for row in manifest["students"]:
        paper = (out / row["files"]["paper.html"]).read_text()
        z = rebuilt[row["id"]].items[0].problem.params.z
        assert f"z = {num(z)}" in paper
