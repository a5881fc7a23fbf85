"""Listed pools: a draw that knows a used-up pool stops early and still picks what the full
search over every redraw picks."""

from __future__ import annotations

import pytest

from quizgen.core.resources import shipped_blueprints
from quizgen.core.seeds import child_seed
from quizgen.exam import build
from quizgen.exam.blueprint import Blueprint, ItemSpec, Section, load_blueprint
from quizgen.exam.build import Draws, FirstDraw, SeedKey, first_draws, roster_draws
from quizgen.exam.model import Student
from quizgen.exam.pools import listed_pool
from quizgen.exam.problems import fingerprint, make_problem


def _full_search_draw(spec: ItemSpec, key: SeedKey, slot: str, seen: Draws) -> int:
    """The redraw the draw picked before pools were listed: every redraw looked at."""
    best: tuple[int, int] | None = None
    least: tuple[int, int] | None = None
    for redraw in range(build.MAX_REDRAWS + 1):
        problem = build._redrawn(spec, key, slot, redraw)
        uses = seen.uses[fingerprint(problem)]
        if uses:
            if least is None or uses < least[0]:
                least = (uses, redraw)
            continue
        options = build._option_count(problem) if spec.answer == "choice" else build.GOOD_CHOICES
        if best is None or options > best[0]:
            best = (options, redraw)
        if options >= build.GOOD_CHOICES:
            break
    redraw = (best or least)[1]  # type: ignore[index]
    seen.add(build._redrawn(spec, key, slot, redraw), spec.difficulty)
    return redraw


def _full_search_picks(blueprint: Blueprint, seed: int, students: list[Student]) -> dict:
    """roster_draws' picks as the full search gives them."""
    seen, picks = Draws(), {}
    for student in sorted(students, key=lambda s: (child_seed(seed, "rank", s.id), s.id)):
        mine = {}
        for s_index, section in enumerate(blueprint.sections):
            for i_index, spec in enumerate(section.items):
                if spec.bank is None:
                    for slot in build._slots(s_index, i_index, spec):
                        redraw = _full_search_draw(spec, (seed, "student", student.id), slot, seen)
                        if redraw:
                            mine[slot] = redraw
        picks[student.id] = mine
    return picks


def _roster(count: int) -> list[Student]:
    return [Student(f"s{k:04d}", f"Student {k}") for k in range(count)]


def _small_pools() -> Blueprint:
    """Pools a roster of 60 uses up: sigmoid easy (6, sharing fingerprints with medium's
    integers), medium (16) as multiple choice, and inverse (18)."""
    items = [
        ItemSpec(topic="sigmoid", difficulty="easy", count=2, marks=1),
        ItemSpec(topic="sigmoid", difficulty="medium", answer="choice", marks=1),
        ItemSpec(topic="sigmoid", form="inverse", difficulty="medium", marks=1),
    ]
    return Blueprint(title="T", sections=[Section(title="S", items=items)])


def test_a_roster_that_uses_up_small_pools_gets_the_picks_of_the_full_search():
    students = _roster(60)
    assert roster_draws(_small_pools(), 5, students).picks == _full_search_picks(
        _small_pools(), 5, students
    )


def test_first_draws_drawn_elsewhere_give_the_picks_the_pass_draws_itself():
    """What a class set's workers draw for the roster pass (multiple choice included)."""
    students, blueprint = _roster(60), _small_pools()
    drawn_here = roster_draws(blueprint, 5, students)
    given = roster_draws(
        blueprint, 5, students, lambda ranked: [first_draws(blueprint, 5, s) for s in ranked]
    )
    assert given == drawn_here


def test_the_pass_takes_the_first_draws_it_is_given_in_rank_order():
    students, blueprint = _roster(2), _small_pools()  # too few to use a pool up
    asked: list[str] = []

    def all_alike(ranked):  # every slot's first draw the same problem, for every student
        asked.extend(s.id for s in ranked)
        return [[FirstDraw("alike", build.GOOD_CHOICES, "{}")] * 4 for _ in ranked]

    picks = roster_draws(blueprint, 5, students, all_alike).picks
    rank = {s.id: child_seed(5, "rank", s.id) for s in students}
    assert asked == sorted(rank, key=rank.__getitem__)
    slots = {"1.1.1", "1.1.2", "1.2", "1.3"}
    assert set(picks[asked[0]]) == slots - {"1.1.1"}  # the given problem is taken once only
    assert all(set(picks[sid]) == slots for sid in asked[1:])


def test_a_paper_built_from_the_first_draws_of_the_pass_is_the_paper_drawn_again():
    midterm = load_blueprint(shipped_blueprints()["midterm"])
    students = _roster(20)  # enough that some slots are redrawn
    picks = roster_draws(midterm, 2026, students).picks
    assert any(picks.values())
    for student in students:
        firsts = first_draws(midterm, 2026, student)
        given = build.build_for_student(midterm, 2026, student, None, picks[student.id], firsts)
        assert given == build.build_for_student(midterm, 2026, student, None, picks[student.id])


def test_a_paper_takes_a_first_draw_it_is_given_as_it_is():
    blueprint, (mine, other) = _small_pools(), _roster(2)
    firsts = first_draws(blueprint, 5, mine)
    swapped = (first_draws(blueprint, 5, other)[0], *firsts[1:])  # slot 1.1.1: the other's
    paper = build.build_for_student(blueprint, 5, mine, None, {}, swapped).versions[0]
    alone = build.build_for_student(blueprint, 5, other, None, {}).versions[0]
    taken, drawn = (next(i.problem for i in v.items if i.slot == "1.1.1") for v in (paper, alone))
    assert taken.params == drawn.params
    assert taken.seed == child_seed(5, "student", mine.id, "1.1.1")  # still the slot's seed


@pytest.mark.slow
def test_the_midterm_for_300_students_gets_the_picks_of_the_full_search():
    midterm = load_blueprint(shipped_blueprints()["midterm"])
    students = _roster(300)
    assert roster_draws(midterm, 2026, students).picks == _full_search_picks(
        midterm, 2026, students
    )


@pytest.mark.parametrize(
    ("topic", "form", "difficulty"),
    [
        ("sigmoid", "forward", "medium"),
        ("sigmoid", "inverse", "medium"),
        ("softmax", "forward", "easy"),
    ],
)
def test_a_listed_pool_holds_every_problem_the_seeds_draw(topic, form, difficulty):
    drawn = {fingerprint(make_problem(topic, k, difficulty, form)) for k in range(2000)}
    assert listed_pool(topic, form, difficulty) == drawn


@pytest.mark.parametrize(
    ("topic", "form", "difficulty"),
    [
        ("sigmoid", "forward", "easy"),
        ("sigmoid", "inverse", "medium"),
        ("softmax", "forward", "easy"),
    ],
)
def test_the_count_of_distinct_problems_that_stops_at_a_listed_pool_is_the_full_counts(
    topic, form, difficulty
):
    keys = ("census", topic) if form == "forward" else ("census", topic, form)
    census = {
        fingerprint(make_problem(topic, child_seed(0, *keys, k), difficulty, form))
        for k in range(build.CENSUS_DRAWS)
    }
    assert build.distinct_problems(topic, difficulty, form) == len(census)


def test_a_generator_that_draws_other_than_integers_is_not_listed():
    assert listed_pool("conv_shape", "forward", "medium") is None  # it draws rng.random()


def test_a_generator_that_fails_on_scripted_answers_is_not_listed():
    assert listed_pool("bce", "spot", "medium") is None  # its retries see the same answers
