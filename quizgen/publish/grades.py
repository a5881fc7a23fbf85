"""``quizgen grade``: write a class's marks, a feedback sheet per student and the class report.

Everything is a function of the answers: the same answers give the same bytes, and a fix in
one row changes only what depends on it (that student's rows and sheet, the totals, the
report). A feedback PDF whose page has not changed is not typeset again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from quizgen.marking.analysis import ClassSummary, analyse, summary
from quizgen.marking.inputs import Collected
from quizgen.marking.mark import mark_paper
from quizgen.publish.papers import atomic_write, output_folder, prepare_out_dir, staging_name
from quizgen.render import report as report_html
from quizgen.render.report import marks_text

MARKS_FIELDS = (
    "student",
    "question",
    "part",
    "answer",
    "mark",
    "max",
    "verdict",
    "follow_through",
    "mistake",
)
FORMATS = ("html", "pdf")
SOURCES = ".sources.json"  # per feedback PDF: the SHA-256 of the HTML it was typeset from


def file_name(student: str) -> str:
    """A student id as a file name (LMS ids may be e-mail addresses or names)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._") or "student"


def _csv(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def marks_csv(rows: Sequence[Any]) -> str:
    return _csv(
        [MARKS_FIELDS]
        + [
            (
                r.student,
                r.question,
                r.part,
                r.answer,
                marks_text(r.mark),
                r.max,
                r.verdict,
                "yes" if r.follow_through else "",
                r.mistake,
            )
            for r in rows
        ]
    )


def by_student_csv(report: Any, versions: dict[str, str]) -> str:
    """One line per student: total, and marks per heading of ``by_topic`` (in its order)."""
    topics = list(dict.fromkeys(t for s in report.students for t in s.by_topic))
    out_of = {t: max(s.by_topic[t][1] for s in report.students if t in s.by_topic) for t in topics}
    header = ["student", "name", "version", "total", "max", "percent"]
    header += [f"{t} (of {out_of[t]})" for t in topics]
    lines: list[list[Any]] = [header]
    for s in report.students:
        percent = f"{100 * float(s.mark) / s.max:.1f}" if s.max else ""
        line = [s.student, s.name, versions.get(s.student, ""), marks_text(s.mark), s.max, percent]
        line += [marks_text(s.by_topic[t][0]) if t in s.by_topic else "" for t in topics]
        lines.append(line)
    return _csv(lines)


@dataclass(frozen=True)
class Graded:
    written: list[Path]
    summary: ClassSummary


def grade_class(
    collected: Collected,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    progress: Callable[[int, int], None] = lambda done, total: None,
    jobs: int | None = None,
) -> Graded:
    """Mark every student's answers as their paper's key says and write the results."""
    found = collected.submissions
    rows = [r for sid, p in found.papers.items() for r in mark_paper(p, found.answers[sid])]
    report = analyse(rows)
    versions = {sid: p.version for sid, p in found.papers.items()}
    workers = jobs or os.cpu_count() or 1
    written = write_results(
        rows, report, versions, collected.title, collected.seed, out_dir, formats, progress, workers
    )
    return Graded(written, summary(rows, report))


def write_results(
    rows: Sequence[Any],
    report: Any,
    versions: dict[str, str],
    title: str,
    seed: int | None,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    progress: Callable[[int, int], None] = lambda done, total: None,
    workers: int = 1,
) -> list[Path]:
    """Write marks.csv, marks-by-student.csv, feedback/ID.pdf and report.html/.pdf."""
    written = []
    with output_folder(out_dir):
        prepare_out_dir(out_dir)
        for name, text in (
            ("marks.csv", marks_csv(rows)),
            ("marks-by-student.csv", by_student_csv(report, versions)),
        ):
            atomic_write(out_dir / name, partial(Path.write_text, data=text, encoding="utf-8"))
            written.append(out_dir / name)
        if "html" in formats:
            page = report_html.class_report(title, seed, report, math_as="mathml")
            target = out_dir / "report.html"
            atomic_write(target, lambda p: p.write_text(page, encoding="utf-8"))
            written.append(target)
        if "pdf" in formats:
            from quizgen.render.pdf import write_pdf

            page = report_html.class_report(title, seed, report)
            target = out_dir / "report.pdf"
            atomic_write(target, lambda p: write_pdf(page, out_dir, p))
            written.append(target)
            written += _feedback(rows, report, versions, title, out_dir, progress, workers)
    return written


def _typeset(job: tuple[str, str, str]) -> str:
    """One feedback sheet: HTML typeset into a temporary file (in a worker process)."""
    from quizgen.render.pdf import write_pdf

    page, base, temporary = job
    write_pdf(page, Path(base), Path(temporary))
    return temporary


def _typeset_all(jobs: list[tuple[str, str, str]], workers: int) -> Iterator[str]:
    """Typeset the sheets, on ``workers`` spawned processes when there are enough of them to
    pay for starting WeasyPrint in each (~1.5 s)."""
    if workers == 1 or len(jobs) < 4:
        yield from map(_typeset, jobs)
        return
    context = multiprocessing.get_context("spawn")  # as for class sets: no inherited locks
    with context.Pool(min(workers, len(jobs))) as pool:
        yield from pool.imap(_typeset, jobs)


def _feedback(
    rows: Sequence[Any],
    report: Any,
    versions: dict[str, str],
    title: str,
    out_dir: Path,
    progress: Callable[[int, int], None],
    workers: int,
) -> list[Path]:
    folder = out_dir / "feedback"
    with output_folder(folder):
        sources_path = folder / SOURCES
        try:
            sources = json.loads(sources_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            sources = {}
        names: dict[str, str] = {}
        by_student: dict[str, list[Any]] = {}
        for row in rows:
            by_student.setdefault(row.student, []).append(row)
        written, jobs, digests = [], [], {}
        for total in report.students:
            page = report_html.feedback(
                title, total, versions.get(total.student, ""), by_student[total.student]
            )
            name = file_name(total.student)
            while name in names.values():
                name += "_"
            names[total.student] = name
            target = folder / f"{name}.pdf"
            written.append(target)
            digest = hashlib.sha256(page.encode()).hexdigest()
            if sources.get(name) != digest or not target.exists():
                jobs.append((page, str(out_dir), str(staging_name(target))))
                digests[str(staging_name(target))] = (name, target, digest)
        try:
            done = len(written) - len(jobs)
            for temporary in _typeset_all(jobs, workers):
                name, target, digest = digests[temporary]
                os.replace(temporary, target)
                sources[name] = digest
                done += 1
                progress(done, len(written))
        finally:
            for temporary in digests:
                Path(temporary).unlink(missing_ok=True)
            text = json.dumps(dict(sorted(sources.items())), indent=1) + "\n"
            atomic_write(sources_path, lambda p: p.write_text(text, encoding="utf-8"))
        if not jobs:
            progress(len(written), len(written))
    return written
