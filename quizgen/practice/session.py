"""The practice session's choices, with no UI: which problems to ask (round the topics, or
adaptively), which derivation questions (never one twice), and the hints, a rung at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from quizgen import topics
from quizgen.core.draw import pick
from quizgen.core.errors import QuizgenError
from quizgen.core.latex import answer_text
from quizgen.core.model import FORMS, Difficulty, Form, Part, Problem, Solution
from quizgen.core.seeds import child_seed, rng_for
from quizgen.exam.banks import BankQuestion
from quizgen.exam.build import make_bank_item
from quizgen.exam.model import BankItem
from quizgen.exam.problems import make_problem, problem_for_code
from quizgen.practice import adaptive
from quizgen.render.unicode_math import inline, to_unicode

if TYPE_CHECKING:
    from quizgen.practice.shared_history import AnyHistory


def quiz_problems(
    names: Sequence[str],
    count: int,
    seed: int,
    difficulty: Difficulty,
    history: AnyHistory | None = None,
    forms: Sequence[Form] = ("forward",),
) -> Iterator[Problem]:
    """The session's problems, drawn lazily: problem i has the child seed (seed, "quiz", i).
    Topics come round in a shuffled order, each once before any comes again (so a count of
    at least the number of topics covers them all), or adaptively when a history is given.
    Each problem is asked in one of ``forms`` that its topic has, drawn from (seed, "quiz",
    i, "form") when there are several (see :func:`forms_of`)."""
    rng = rng_for(child_seed(seed, "quiz", "topics"))
    rounds: list[str] = []
    for index in range(count):
        if history is not None:
            topic, level = adaptive.pick(rng, names, history)
        else:
            if not rounds:
                rounds = [names[int(i)] for i in rng.permutation(len(names))]
            topic, level = rounds.pop(0), difficulty
        problem_seed = child_seed(seed, "quiz", index)
        choice = forms_of(topic, forms)
        form = choice[0]
        if len(choice) > 1:
            form = pick(rng_for(child_seed(seed, "quiz", index, "form")), choice)
        yield make_problem(topic, problem_seed, level, form)


def session_forms(chosen: Sequence[str], adaptive: bool) -> tuple[Form, ...]:
    """The forms a session asks: those chosen (``all``: every form), else ``forward``, or
    every form in adaptive practice, which mixes them."""
    if "all" in chosen or (adaptive and not chosen):
        return FORMS
    return tuple(f for f in FORMS if f in chosen) or ("forward",)


def forms_of(topic: str, forms: Sequence[Form]) -> tuple[Form, ...]:
    """The forms of ``forms`` that ``topic`` is asked in (an error naming its forms when it
    has none of them)."""
    known = topics.get(topic).forms
    found = tuple(f for f in forms if f in known)
    if not found:
        asked = " or ".join(f'"{f}"' for f in forms)
        raise QuizgenError(f'topic "{topic}" has no form {asked}; its forms: {", ".join(known)}')
    return found


def topics_in_forms(names: Sequence[str], forms: Sequence[Form]) -> list[str]:
    """The topics of ``names`` that have at least one of ``forms``, in order."""
    return [n for n in names if any(f in topics.get(n).forms for f in forms)]


def practice_set(
    blueprint: str,
    seed: int,
    student_id: str,
    name: str,
    picks: Mapping[str, int] | None = None,
) -> list[Problem | BankItem]:
    """A student's own copy of a blueprint set as practice (their student seed and the
    ``picks`` that keep their class's copies apart, as a class set's paper would have them),
    in paper order."""
    from quizgen.exam.blueprint import find_blueprint, load_blueprint
    from quizgen.exam.build import build_for_student
    from quizgen.exam.model import Item, Student

    loaded = load_blueprint(find_blueprint(blueprint))
    exam = build_for_student(loaded, seed, Student(student_id, name), picks=picks)
    return [i.problem if isinstance(i, Item) else i for i in exam.versions[0].items]


def bank_questions(
    pool: Sequence[BankQuestion], names: Sequence[str], count: int, seed: int
) -> Iterator[BankItem]:
    """Up to ``count`` bank questions from the topics' sections, never one twice in a session
    (fewer when the sections hold fewer); the draw and every shuffle come from the seed."""
    sections = {topics.get(name).section for name in names}
    candidates = [q for q in pool if q.section in sections]
    if not candidates:
        return
    rng = rng_for(child_seed(seed, "quiz", "bank"))
    order = [candidates[int(i)] for i in rng.permutation(len(candidates))]
    for index, question in enumerate(order[:count]):
        shuffle = rng_for(child_seed(seed, "quiz", index, "shuffle"))
        yield make_bank_item(index + 1, str(index), question, question.marks, shuffle)


def looks_like_bank_id(code: str) -> bool:
    """Bank ids are lower-case words and hyphens (item codes are upper-case)."""
    import re

    return re.fullmatch(r"[a-z0-9][a-z0-9-]*", code.strip()) is not None


def bank_item_for(code: str, pool: Sequence[BankQuestion]) -> BankItem | None:
    """The derivation question whose id a paper prints as its code (None for anything else),
    its steps and options shuffled by a seed of its own: a paper's shuffle is that paper's."""
    if not looks_like_bank_id(code):
        return None
    question = next((q for q in pool if q.id == code.strip()), None)
    if question is None:
        return None
    shuffle = rng_for(child_seed(0, "check", question.id))
    return make_bank_item(1, question.id, question, question.marks, shuffle)


def item_for_code(code: str, pool: Callable[[], Sequence[BankQuestion]]) -> Problem | BankItem:
    """What a printed code stands for: a derivation question's id from the bank questions
    ``pool()`` gives (asked for only when the code looks like an id), else an item code's
    problem, in the form the code names; an unknown code is a QuizgenError saying why."""
    bank_item = bank_item_for(code, pool()) if looks_like_bank_id(code) else None
    if bank_item is not None:
        return bank_item
    return problem_for_code(code)


def hint_ladder(solution: Any, first_step: int = 1) -> Iterator[tuple[int, str]]:
    """The hints ``h`` gives, one rung at a time, each with the number of its step: each
    step's idea (its title, with the formula), then the numbers put in, then its result; never
    the whole solution at once. Steps before ``first_step`` are left out (an answered part
    already showed them)."""
    for number, step in enumerate(solution.steps, start=1):
        if number < first_step:
            continue
        yield number, f"step {number}: {inline(step.title)}"
        for line in step.lines:
            yield number, f"step {number}, the numbers: {to_unicode(line)}"
        if step.result:
            yield number, f"step {number} gives {to_unicode(step.result)}"


def steps_shown_by(solution: Solution, part: Part) -> int:
    """How many steps an answered part has shown: the number of the first step that ends on
    the part's answer (at its precision; later steps may reuse it), or 0 when none does. The
    hints for the next part start after it, rather than again at step 1."""
    answer = answer_text(solution.answer[part.key], part.precision)
    for number, step in enumerate(solution.steps, start=1):
        if ends_on(step.result or (step.lines[-1] if step.lines else ""), answer):
            return number
    return 0


def ends_on(text: str, number: str) -> bool:
    """Does ``text`` end on ``number`` (trailing space aside), and not on a longer number that
    merely ends the same way (12.5 for 2.5)? String tests rather than a regular expression
    made for each answer: compiling one was most of this, once per part answered."""
    text = text.rstrip()
    if not text.endswith(number):
        return False
    before = text[: len(text) - len(number)][-1:]
    return not (before.isdecimal() or before == ".")
