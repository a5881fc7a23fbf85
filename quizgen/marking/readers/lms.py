"""What Moodle's and Canvas's reports share: answers shown as plain text, options told by
their text, a worked problem's typed numbers gathered into one answer per part."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence

from typing_extensions import assert_never

from quizgen.exam.model import BankItem, Item
from quizgen.marking.mark import parts_of
from quizgen.marking.papers import Question


def plain(text: str) -> str:
    """HTML as an LMS's report shows it: tags stripped, entities decoded, spaces collapsed."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return re.sub(r"\s+", " ", text).strip()


def numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", text)]


def entry_texts(item: Item, values: dict[int, str]) -> dict[str, str]:
    """Typed numbers, one per entry of the item in export order, as one text per part."""
    from quizgen.export.layout import entries

    by_part: dict[str, list[tuple[tuple[int, ...], str]]] = {}
    for k, entry in enumerate(entries(item)):
        by_part.setdefault(entry.part.key, []).append((entry.index, values.get(k, "").strip()))
    out = {}
    for name, part in zip(parts_of(item), item.solution.parts):
        typed = by_part.get(part.key, [])
        if not any(t for _, t in typed):
            continue
        if not all(t for _, t in typed):
            out[name] = "?"  # some numbers of the part left blank: not an answer
            continue
        if part.kind == "scalar":
            out[name] = typed[0][1]
        elif part.kind == "vector":
            out[name] = " ".join(t for _, t in typed)
        else:  # matrix rows, or the layers of a shape list
            rows: dict[int, list[str]] = {}
            for index, t in typed:
                rows.setdefault(index[0], []).append(t)
            out[name] = "; ".join(
                ",".join(r) if part.kind == "shapes" else " ".join(r) for r in rows.values()
            )
    return out


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def choice_letter(options: Sequence[tuple[str, str]], text: str) -> str:
    """The letter of the option whose text the report shows, as the bank writes it or as the
    export wrote it (math in ``\\( \\)``); letters pass through."""
    from quizgen.export.layout import html as to_html

    shown = plain(text)

    def likeness(option: str) -> float:
        return max(similar(shown, plain(option)), similar(shown, plain(to_html(option))))

    for letter, option in options:
        if shown in (plain(option), plain(to_html(option))) or shown.upper() == letter:
            return letter
    best = max(options, key=lambda o: likeness(o[1]), default=None)
    return best[0] if best and likeness(best[1]) > 0.8 else text


def answers_for(item: Question, response: str) -> dict[str, str]:
    """One LMS response to a whole question, as typed answers by part."""
    if isinstance(item, BankItem):
        match item.kind:
            case "fill" | "choice":
                options = [(o.letter, o.text) for o in item.options]
                return {"a": choice_letter(options, response)}
            case "derive" | "order":
                return {"a": response}
            case unknown:
                assert_never(unknown)
    if item.choices:
        return {"a": choice_letter([(c.letter, c.text) for c in item.choices], response)}
    return {}
