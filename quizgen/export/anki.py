"""Anki decks (genanki): worked problems and derivation steps as cards, for phones.

Note ids are stable (derived from item codes and bank question ids), so exporting again with
the same seed updates the cards in a collection instead of duplicating them. Anki typesets the
``\\( \\)`` and ``\\[ \\]`` math with its built-in MathJax.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from quizgen.core.latex import answer_text
from quizgen.exam.model import BankItem, Exam, Item
from quizgen.export.layout import derivation_html, display, html, slots, solution_html, stem_html

FIXED_TIME = 1767225600.0  # 2026-01-01: the package's timestamps, so reruns give the same bytes
CSS = (
    ".card { font-family: sans-serif; font-size: 18px; text-align: left; } .reason { color: #555; }"
)


def _id(*parts: object) -> int:
    """A stable 31-bit id (Anki ids must be positive integers that fit in 63 bits)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 33


def _models():
    import genanki  # type: ignore[import-untyped]

    problem = genanki.Model(
        _id("quizgen", "model", "problem"),
        "quizgen worked problem",
        fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Solution"}, {"name": "Code"}],
        templates=[
            {
                "name": "Problem",
                "qfmt": "{{Question}}<p style='color:#888'>{{Code}}</p>",
                "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}{{Solution}}",
            }
        ],
        css=CSS,
    )
    step = genanki.Model(
        _id("quizgen", "model", "step"),
        "quizgen derivation step",
        fields=[
            {"name": "Prompt"},
            {"name": "SoFar"},
            {"name": "Step"},
            {"name": "Reason"},
            {"name": "Id"},
        ],
        templates=[
            {
                "name": "Next step",
                "qfmt": "{{Prompt}}{{SoFar}}<p><b>What is the next step?</b></p>",
                "afmt": "{{FrontSide}}<hr id=answer>{{Step}}<p class=reason>{{Reason}}</p>",
            }
        ],
        css=CSS,
    )
    return problem, step


def _tags(item: Item) -> list[str]:
    """quizgen, the topic, and the form when it is not forward (a filter for a deck)."""
    form = item.problem.form
    return ["quizgen", item.problem.topic, *([form] if form != "forward" else [])]


def write_anki(exam: Exam, target: Path, deck_name: str) -> list[str]:
    import genanki

    problem_model, step_model = _models()
    deck = genanki.Deck(_id("quizgen", "deck", deck_name), f"quizgen::{deck_name}")
    notes: list[str] = []
    seen: set[str] = set()
    for slot in slots(exam):
        for item in slot.items:
            if item.code in seen:  # a bank question drawn by several versions: one card set
                continue
            seen.add(item.code)
            if isinstance(item, Item):
                answer = "".join(
                    f"<p>{html(p.label)} = {answer_text(item.solution.answer[p.key], p.precision)}"
                    "</p>"
                    for p in item.solution.parts
                )
                deck.add_note(
                    genanki.Note(
                        problem_model,
                        [stem_html(item), answer, solution_html(item), item.code],
                        guid=genanki.guid_for("quizgen", "problem", item.code),
                        tags=_tags(item),
                    )
                )
            else:
                _bank_notes(deck, item, problem_model, step_model)
    genanki.Package(deck).write_to_file(str(target), timestamp=FIXED_TIME)
    return notes


def _bank_notes(deck, item: BankItem, problem_model, step_model) -> None:
    import genanki

    question = item.bank.question
    prompt = f"<p>{html(question.prompt)}</p>"
    tags = ["quizgen", f"section-{item.bank.section}", item.kind]
    if item.kind in ("derive", "order", "fill"):
        steps = item.bank.steps
        for k, step in enumerate(steps):
            so_far = "<ol>" + "".join(f"<li>{display(s.formula)}</li>" for s in steps[:k]) + "</ol>"
            deck.add_note(
                genanki.Note(
                    step_model,
                    [
                        prompt,
                        so_far if k else "",
                        display(step.formula),
                        html(step.reason),
                        item.code,
                    ],
                    guid=genanki.guid_for("quizgen", "step", item.bank.id, k),
                    tags=tags,
                )
            )
        return
    options = "".join(f"<li>{html(o.text)}</li>" for o in item.options)
    right = next(o for o in item.options if o.correct)
    deck.add_note(
        genanki.Note(
            problem_model,
            [
                prompt + f"<ol type=A>{options}</ol>",
                f"<p><b>{right.letter}</b>: {html(right.why or '')}</p>",
                derivation_html(item) if item.bank.steps else "",
                item.code,
            ],
            guid=genanki.guid_for("quizgen", "choice", item.bank.id),
            tags=tags,
        )
    )
