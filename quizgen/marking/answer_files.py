"""Reading a class's answers: a long CSV typed by markers, Moodle's quiz Responses report or
Canvas's quiz Student Analysis report. Every bad row is reported with its line; nothing is
marked until all are good.

- long: ``student,question,part,answer`` (or ``version`` beside or instead of ``student``);
  question is its number on that paper, part a, b, c ... (blank for a one-answer question).
- Moodle (4.x, Results > Responses, downloaded as CSV with "Right answer" ticked): one row per
  attempt, ``Response k`` / ``Right answer k`` for quiz slot k. The quiz draws one random
  question per category of ``quizgen export --format moodle``, in the export's order; the right
  answer tells which variant a student got.
- Canvas (classic quizzes, Quiz Statistics > Student Analysis): ``name, id, sis_id, section,
  section_id, section_sis_id, submitted, attempt``, then a text column and a points column per
  question, then ``n correct, n incorrect, score``. One report is one quiz, so one version of
  ``quizgen export --format qti``; the question texts tell which.
"""

from __future__ import annotations

import csv
import difflib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from quizgen.core.errors import QuizgenError
from quizgen.core.record_files import read_text
from quizgen.exam.model import BankItem, Exam, Item
from quizgen.marking.mark import Answer, parts_of, unreadable
from quizgen.marking.papers import Paper, Question, version_paper

Answers = dict[tuple[int, str], Answer]


@dataclass
class Submissions:
    """Each student's paper and answers, and notes for the teacher."""

    papers: dict[str, Paper] = field(default_factory=dict)
    answers: dict[str, Answers] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def without_rows(self) -> list[str]:
        """The students whose papers are known but who have not one answer in the file."""
        return [sid for sid in self.papers if not self.answers.get(sid)]


def absent_note(found: Submissions, file_name: str, shown: int = 5) -> list[str]:
    """A note naming the students with not one row in the file (they are marked 0), if any."""
    absent = found.without_rows()
    if not absent:
        return []
    names = ", ".join(absent[:shown]) + (
        f" and {len(absent) - shown} more" if absent[shown:] else ""
    )
    return [
        f"{len(absent)} of {len(found.papers)} students have no rows at all in {file_name} "
        f"({names}): marked 0 on every question"
    ]


def sniff(header: Sequence[str]) -> str:
    """Which report a CSV header belongs to: long, moodle or canvas."""
    names = [h.strip().lower() for h in header]
    if any(re.fullmatch(r"response \d+", n) for n in names):
        return "moodle"
    if "n correct" in names and "section_sis_id" in names:
        return "canvas"
    return "long"


def rows_of(path: Path) -> list[list[str]]:
    text = read_text(path, "utf-8-sig")  # spreadsheets and LMSs often start with a BOM
    try:
        return list(csv.reader(text.splitlines()))
    except csv.Error as error:
        raise QuizgenError(f"{path.name}: not a CSV file ({error})") from None


# -- the long CSV ------------------------------------------------------------------------


def version_index(code: str) -> int | None:
    """A=0 ... Z=25, V27=26 ... V1000=999; None for anything else."""
    if re.fullmatch(r"[A-Z]", code):
        return ord(code) - ord("A")
    match = re.fullmatch(r"V(\d{2,4})", code)
    return int(match.group(1)) - 1 if match and 26 < int(match.group(1)) <= 1000 else None


def read_long(
    path: Path,
    class_papers: dict[str, Paper] | None,
    versions: Callable[[int], Exam] | None,
) -> Submissions:
    """A marker's CSV, against a class set's papers (by student id) or the versions built by
    ``versions(count)``."""
    rows = rows_of(path)
    name = path.name
    if not rows:
        raise QuizgenError(f"{name}: empty file")
    header = [h.strip().lower() for h in rows[0]]
    need = ["question", "answer"]
    who = "student" if "student" in header else "version" if "version" in header else None
    missing = [c for c in need if c not in header] + ([] if who else ["student or version"])
    if missing:
        raise QuizgenError(
            f"{name}: line 1: missing column(s) {', '.join(missing)}; "
            f"the header has {', '.join(header) or 'nothing'}"
        )
    column = {h: i for i, h in enumerate(header)}

    def cell(row: list[str], key: str) -> str:
        i = column.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    exam = None
    if class_papers is None:
        if "version" not in header:
            raise QuizgenError(
                f"{name}: line 1: papers printed by --versions need a version column"
            )
        codes = [cell(r, "version") for r in rows[1:]]
        indexes = [version_index(c) for c in codes]
        assert versions is not None
        exam = versions(max([i for i in indexes if i is not None], default=0) + 1)
    out, problems = Submissions(), []
    seen: dict[tuple[str, int, str], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"{name}: line {line}"
        student = cell(row, "student") or cell(row, "version")
        if class_papers is not None:
            paper = class_papers.get(student)
            if paper is None:
                problems.append(f'{where}: unknown student "{student}" (not in the manifest)')
                continue
        else:
            code = cell(row, "version")
            assert exam is not None
            paper = version_paper(exam, code, student, student)
            if paper is None:
                problems.append(f'{where}: unknown version "{code}"')
                continue
            earlier = out.papers.get(student)
            if earlier is not None and earlier.version != code:
                problems.append(
                    f'{where}: student "{student}" wrote version {earlier.version} above'
                )
                continue
        text = cell(row, "question")
        if not text.isdigit() or not 1 <= int(text) <= len(paper.items):
            problems.append(
                f'{where}: question "{text}" out of range (1 to {len(paper.items)} '
                f"on {student}'s paper)"
            )
            continue
        item = paper.items[int(text) - 1]
        part = cell(row, "part").lower() or "a"
        allowed = parts_of(item)
        if part not in allowed:
            problems.append(
                f'{where}: question {text} has no part "{part}" (parts: {", ".join(allowed)})'
            )
            continue
        if cell(row, "part") == "" and len(allowed) > 1:
            problems.append(f"{where}: question {text} has parts {', '.join(allowed)}: say which")
            continue
        key = (student, int(text), part)
        if key in seen:
            problems.append(
                f"{where}: duplicate row for {student}, question {text}{part} "
                f"(line {seen[key]} has it)"
            )
            continue
        seen[key] = line
        answer = cell(row, "answer")
        why = unreadable(item, part, answer) if answer else None
        if why:
            problems.append(
                f'{where}: unreadable answer "{answer}" to question {text}{part}: {why}'
            )
            continue
        out.papers[student] = paper
        out.answers.setdefault(student, {})[(int(text), part)] = Answer(
            student, int(text), part, answer, where
        )
    if problems:
        raise QuizgenError("\n".join(problems))
    if class_papers is not None:  # a student with no rows sat the exam and wrote nothing
        for sid, paper in class_papers.items():
            out.papers.setdefault(sid, paper)
            out.answers.setdefault(sid, {})
    return out


# -- LMS reports: shared --------------------------------------------------------------------


def _plain(text: str) -> str:
    """HTML as an LMS's report shows it: tags stripped, entities decoded, spaces collapsed."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return re.sub(r"\s+", " ", text).strip()


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", text)]


def _entry_texts(item: Item, values: dict[int, str]) -> dict[str, str]:
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


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _choice_letter(options: Sequence[tuple[str, str]], text: str) -> str:
    """The letter of the option whose text the report shows (letters pass through)."""
    plain = _plain(text)
    for letter, option in options:
        if plain == _plain(option) or plain.upper() == letter:
            return letter
    best = max(options, key=lambda o: _similar(plain, _plain(o[1])), default=None)
    return best[0] if best and _similar(plain, _plain(best[1])) > 0.8 else text


def _answers_for(item: Question, response: str) -> dict[str, str]:
    """One LMS response to a whole question, as typed answers by part."""
    if isinstance(item, BankItem):
        if item.kind in ("fill", "choice"):
            options = [(o.letter, o.text) for o in item.options]
            return {"a": _choice_letter(options, response)}
        return {"a": response}
    if item.choices:
        return {"a": _choice_letter([(c.letter, c.text) for c in item.choices], response)}
    return {}


# -- Moodle ---------------------------------------------------------------------------------

MOODLE_ID_COLUMNS = ("id number", "username", "email address")


def _moodle_subanswers(text: str) -> dict[int, str]:
    """``part 1: 0.731; part 2: 0.197`` (Moodle's cloze summary) as {0: "0.731", 1: ...}."""
    pieces = re.split(r"(?:^|;\s*)part (\d+):\s?", text)
    return {int(pieces[i]) - 1: pieces[i + 1].strip() for i in range(1, len(pieces) - 1, 2)}


def _moodle_right(item: Question) -> str:
    """What Moodle's "Right answer" column shows for a variant, compared loosely."""
    from quizgen.export.layout import entries, number

    if isinstance(item, BankItem):
        return (
            item.right_order
            if item.kind == "order"
            else next(o.text for o in item.options if o.correct)
            if item.options
            else ""
        )
    if item.choices:
        return next(c.text for c in item.choices if c.correct)
    found = entries(item)
    if len(found) == 1:
        return number(found[0].value)
    return "; ".join(f"part {k + 1}: {number(e.value)}" for k, e in enumerate(found))


def _variant(items: Sequence[Question], right: str, question: str = "") -> Question | None:
    """The variant whose right answer the report shows (numbers compared at their tolerance)."""
    from quizgen.export.layout import entries

    shown = _numbers(right)
    for item in items:
        if isinstance(item, Item) and not item.choices:
            found = entries(item)
            if len(shown) == len(found) and all(
                abs(s - e.value) <= e.tolerance + 1e-9 for s, e in zip(shown, found)
            ):
                return item
    scored = [(_similar(_plain(right), _plain(_moodle_right(i))), n) for n, i in enumerate(items)]
    best = max(scored, default=(0.0, 0))
    if best[0] <= 0.9:
        return None
    tied = [items[n] for score, n in scored if score == best[0]]
    if len(tied) > 1 and question:  # essays have no right answer: their text tells
        return max(tied, key=lambda i: _similar(_plain(question), _prompt(i)))
    return items[best[1]]


def _prompt(item: Question) -> str:
    return _plain(item.bank.question.prompt) if isinstance(item, BankItem) else ""


def read_moodle(path: Path, exam: Exam) -> Submissions:
    """Moodle's Responses report for a quiz built from ``exam``'s export."""
    from quizgen.export.layout import slots

    rows = rows_of(path)
    name = path.name
    if not rows:
        raise QuizgenError(f"{name}: empty file")
    header = [h.strip().lower() for h in rows[0]]
    column = {h: i for i, h in enumerate(header)}
    quiz_slots = slots(exam)
    count = sum(1 for h in header if re.fullmatch(r"response \d+", h))
    problems = []
    if count != len(quiz_slots):
        problems.append(
            f"{name}: line 1: {count} responses a row, but the export has {len(quiz_slots)} "
            "questions (one random question per category, in the export's order)"
        )
    if not any(f"right answer {k}" in column for k in range(1, count + 1)):
        problems.append(
            f'{name}: line 1: no "Right answer" columns; download the Responses report with '
            '"Right answer" ticked (it tells which variant each student got)'
        )
    if problems:
        raise QuizgenError("\n".join(problems))
    id_column = next((c for c in MOODLE_ID_COLUMNS if c in column), None)
    last = "last name" if "last name" in column else "surname"
    out = Submissions()
    skipped = 0
    for line, row in enumerate(rows[1:], start=2):

        def cell(key: str, row: list[str] = row) -> str:
            i = column.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        full_name = " ".join(x for x in (cell("first name"), cell(last)) if x)
        state = cell("status") or cell("state")
        if not state and not any(cell(f"right answer {k}") for k in range(1, count + 1)):
            continue  # an "Overall average" row, or a blank line
        if state and state.lower() != "finished":
            skipped += 1
            continue
        student = cell(id_column) if id_column else full_name
        where = f"{name}: line {line}"
        items, answers = [], {}
        for k, slot in enumerate(quiz_slots, start=1):
            item = _variant(slot.items, cell(f"right answer {k}"), cell(f"question {k}"))
            if item is None:
                problems.append(
                    f"{where}: Right answer {k} matches no variant of {slot.title}; "
                    "give --seed and --variants as used for the export"
                )
                continue
            item = replace(item, number=k)
            items.append(item)
            response = cell(f"response {k}")
            if response in ("", "-"):
                continue
            if isinstance(item, Item) and not item.choices:
                subs = (
                    _moodle_subanswers(response) if response.startswith("part ") else {0: response}
                )
                typed = _entry_texts(item, subs)
            else:
                typed = _answers_for(item, response)
            for part, text in typed.items():
                answers[(k, part)] = Answer(student, k, part, text, where)
        if student in out.papers:
            out.notes.append(f"{where}: a later attempt by {student} replaces the earlier one")
        out.papers[student] = Paper(student, full_name or student, "Moodle", tuple(items))
        out.answers[student] = answers
    if problems:
        raise QuizgenError("\n".join(problems))
    if skipped:
        out.notes.append(f"{name}: {skipped} attempt(s) not finished were left out")
    return out


# -- Canvas ---------------------------------------------------------------------------------

CANVAS_FIXED = (
    "name",
    "id",
    "sis_id",
    "root_account",
    "section",
    "section_id",
    "section_sis_id",
    "submitted",
    "attempt",
)


def canvas_questions(item: Question) -> list[tuple[Question, int | None, str]]:
    """The Canvas questions one item became in the QTI export: (item, entry, question text)."""
    from quizgen.export.layout import entries, order_html, stem_html
    from quizgen.export.layout import html as to_html

    if isinstance(item, BankItem):
        if item.kind == "order":
            return [(item, None, _plain(order_html(item)))]
        return [(item, None, _plain(to_html(item.bank.question.prompt)))]
    if item.choices:
        return [(item, None, _plain(stem_html(item)))]
    return [
        (item, k, _plain(stem_html(item) + f"<p>Give {to_html(e.label)}.</p>"))
        for k, e in enumerate(entries(item))
    ]


def read_canvas(path: Path, exam: Exam, version: str | None) -> Submissions:
    """Canvas's Student Analysis report of one quiz (one version) of ``exam``'s QTI export."""
    rows = rows_of(path)
    name = path.name
    header = [h.strip() for h in rows[0]] if rows else []
    lower = [h.lower() for h in header]
    end = lower.index("n correct") if "n correct" in lower else 0
    fixed = [i for i, h in enumerate(lower[:end]) if h in CANVAS_FIXED]
    if "name" not in lower or not fixed:
        raise QuizgenError(
            f"{name}: line 1: not a Canvas Student Analysis report (it starts with name, id, "
            "sis_id, ... and ends with n correct, n incorrect, score)"
        )
    start = max(fixed) + 1
    texts = [re.sub(r"^\d+:\s*", "", header[i]) for i in range(start, end, 2)]
    column = {h: i for i, h in enumerate(lower[:start])}
    candidates = [v for v in exam.versions if version in (None, v.code)]
    if not candidates:
        raise QuizgenError(
            f"--version {version}: the export has versions "
            f"{', '.join(v.code for v in exam.versions)}"
        )

    def fit(v) -> float:
        asked = [q for item in v.items for q in canvas_questions(item)]
        if len(asked) != len(texts):
            return 0.0
        return min((_similar(_plain(t), q[2]) for t, q in zip(texts, asked)), default=1.0)

    scored = sorted(((fit(v), n) for n, v in enumerate(candidates)), reverse=True)
    if not scored or scored[0][0] < 0.6:
        raise QuizgenError(
            f"{name}: line 1: its {len(texts)} questions match no version of the export; "
            "give --seed and --variants as used for the export (and --version if you know it)"
        )
    chosen = candidates[scored[0][1]]
    asked = [q for item in chosen.items for q in canvas_questions(item)]
    out = Submissions()
    attempts: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):

        def cell(key: str, row: list[str] = row) -> str:
            i = column.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        student = cell("sis_id") or cell("id")
        if not student:
            continue
        attempt = int(cell("attempt")) if cell("attempt").isdigit() else 1
        if attempts.get(student, 0) > attempt:
            continue  # Canvas lists every attempt with "all versions": the latest counts
        attempts[student] = attempt
        where = f"{name}: line {line}"
        values: dict[int, dict[int, str]] = {}
        answers: Answers = {}
        for k, (item, entry, _) in enumerate(asked):
            text = row[start + 2 * k].strip() if start + 2 * k < len(row) else ""
            points = row[start + 2 * k + 1].strip() if start + 2 * k + 1 < len(row) else ""
            if entry is not None:
                values.setdefault(item.number, {})[entry] = text
                continue
            if isinstance(item, BankItem) and item.kind == "derive":
                given = Fraction(points) if re.fullmatch(r"\d+(\.\d+)?", points) else None
                if text or given is not None:
                    answers[(item.number, "a")] = Answer(
                        student, item.number, "a", text, where, given
                    )
                continue
            if text:
                typed = _answers_for(item, text)["a"]
                answers[(item.number, "a")] = Answer(student, item.number, "a", typed, where)
        for number, typed_values in values.items():
            item = chosen.items[number - 1]
            assert isinstance(item, Item)
            for part, text in _entry_texts(item, typed_values).items():
                answers[(number, part)] = Answer(student, number, part, text, where)
        paper = Paper(student, cell("name") or student, chosen.code, tuple(chosen.items))
        out.papers[student] = paper
        out.answers[student] = answers
    out.notes.append(f"{name}: Canvas quiz of version {chosen.code}")
    return out
