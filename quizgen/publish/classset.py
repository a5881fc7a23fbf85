"""Class sets: a paper and a key for every student of a roster, in parallel, resumable.

Each student's paper depends only on (exam seed, student id), so a roster can be reordered,
extended or split into shards (``--shard K/N``, by a hash of the id) without changing anyone's
paper. Workers render and write their students' files themselves (and hash them) and send back
only a manifest row, so memory stays flat however long the roster. They start before the roster
pass (``exam.build.roster_draws``) and draw its first draws, most of its work, in batches of
ranked students, while the main process keeps the students apart from them in rank order: no
core waits for the pass. Merged print files pad every paper to an even page count, so that on a
duplex printer each starts on a front page; the main process writes them while the workers
render (``publish.merged``), a student at a time.

Interruptions: workers write each student's files under temporary names; the main process
renames them into place together and appends the student's manifest row to a journal
(``manifest.journal.jsonl``), flushed to disk, before it takes the next. Ctrl-C or SIGTERM
reach the main process alone (workers ignore them), which kills its workers at once
(``publish.workers``) and removes their half-written files. ``--resume`` then trusts the
journal (and a finished manifest): students whose files match their recorded SHA-256 are kept,
the others are built, and the result is byte for byte the run that was never interrupted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from quizgen.core.errors import QuizgenError
from quizgen.core.seeds import child_seed
from quizgen.exam.banks import BankQuestion
from quizgen.exam.blueprint import Blueprint
from quizgen.exam.build import (
    FirstDraw,
    FirstDrawer,
    Picks,
    build_for_student,
    first_draws,
    roster_draws,
)
from quizgen.exam.model import Student
from quizgen.exam.roster import in_shard, read_roster, select
from quizgen.publish.merged import DuplexWriter
from quizgen.publish.papers import (
    Staged,
    atomic_write,
    commit,
    discard,
    prepare_out_dir,
    rebuild_command,
    signals_held,
    stage_copy,
    staging_name,
    with_installed_fonts,
)
from quizgen.publish.workers import Workers

#: students a worker renders before it is replaced: a safety net against memory that
#: libraries keep, now that Typst's own cache is kept small (``typst_pdf.forget_layouts``)
WORKER_TASKS = 400
#: ranked students whose first draws (exam.build.first_draws) one task draws for the roster
#: pass: enough to outweigh a task's round trip, few enough to keep every worker busy
FIRST_DRAWS_BATCH = 20
MANIFEST_FIELDS = (
    "id",
    "name",
    "version",
    "exam_seed",
    "student_seed",
    "total_marks",
    "paper_pages",
    "key_pages",
    "files",
    "sha256",
)


@dataclass(frozen=True)
class ClassSet:
    """Everything a worker needs, sent once to each worker process."""

    blueprint: Blueprint
    rebuild: str  # the command that writes the class set again; a student's key adds --only
    blueprint_sha256: str
    seed: int
    out_dir: Path
    formats: tuple[str, ...]
    bank: tuple[BankQuestion, ...] | None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def render_student(
    student: Student, job: ClassSet, picks: Picks, firsts: Sequence[FirstDraw] = ()
) -> tuple[dict[str, Any], Staged]:
    """Write one student's paper and key from their ``picks`` (exam.build.roster_draws) and
    the ``firsts`` the roster pass drew (if any) under temporary names; return their manifest
    row and the files to rename into place (``papers.commit``)."""
    exam = build_for_student(job.blueprint, job.seed, student, job.bank, picks, firsts)
    version = exam.versions[0]
    rebuild = f"{job.rebuild} --only {shlex.quote(student.id)}"
    staged = stage_copy(exam, version, job.out_dir / student.id, job.formats, rebuild)
    if job.blueprint.engine == "typst" and "pdf" in job.formats:
        from quizgen.render import typst_pdf

        typst_pdf.forget_layouts()  # a worker's memory stays that of one student's papers
    try:
        row: dict[str, Any] = {
            "id": student.id,
            "name": student.name,
            "version": version.code,
            "exam_seed": job.seed,
            "student_seed": child_seed(job.seed, "student", student.id),
            "redraws": dict(picks),
            "total_marks": job.blueprint.total_marks,
            "files": {kind: final.name for kind, (_, final) in staged.items()},
            "sha256": {kind: _sha256(temporary) for kind, (temporary, _) in staged.items()},
        }
        if "pdf" in job.formats:
            row["paper_pages"] = _pages(staged["paper.pdf"][0])
            row["key_pages"] = _pages(staged["key.pdf"][0])
    except BaseException:
        discard(staged)
        raise
    return row, staged


@dataclass(frozen=True)
class _FirstDraws:
    """A worker's task: the first draws of the ``index``-th batch of ranked students."""

    index: int
    students: tuple[Student, ...]

    def run(self, job: ClassSet) -> list[tuple[FirstDraw, ...]]:
        return [first_draws(job.blueprint, job.seed, student) for student in self.students]


@dataclass(frozen=True)
class _Render:
    """A worker's task: one student's paper and key."""

    student: Student
    picks: Picks
    firsts: tuple[FirstDraw, ...]  # from the roster pass; () when it drew them itself

    def run(self, job: ClassSet) -> tuple[dict[str, Any], Staged]:
        return render_student(self.student, job, self.picks, self.firsts)


def _run(task: _FirstDraws | _Render, job: ClassSet) -> Any:
    """What a worker does with a task (a module's function, as a spawned worker needs)."""
    return task.run(job)


@contextmanager
def _working(job: ClassSet, workers: int) -> Iterator[Workers | None]:
    """``workers`` processes (None for one: this process does the work), each replaced after
    WORKER_TASKS tasks, started before the roster pass so that they draw its first draws and
    then render. Leaving the block early (Ctrl-C, SIGTERM, an error) kills them at once, and
    removes what they had half-written."""
    if workers == 1:
        yield None
        return
    with Workers(_run, job, workers, WORKER_TASKS) as pool:
        try:
            yield pool
        finally:
            pool.stop()
            for task in pool.in_hand():
                if isinstance(task, _Render):
                    _discard_student(task.student, job)


def _drawn_first_by(pool: Workers, kept: dict[str, tuple[FirstDraw, ...]]) -> FirstDrawer:
    """The roster pass's first draws, drawn by the workers in batches and given back in the
    ranked students' order as soon as each batch and all before it are in; ``kept`` gets
    each student's (about 4 KB), for their paper."""

    def drawn(ranked: Sequence[Student]) -> Iterator[tuple[FirstDraw, ...]]:
        starts = range(0, len(ranked), FIRST_DRAWS_BATCH)
        tasks = [
            _FirstDraws(index, tuple(ranked[start : start + FIRST_DRAWS_BATCH]))
            for index, start in enumerate(starts)
        ]
        waiting: dict[int, list[tuple[FirstDraw, ...]]] = {}
        following = 0  # the batch to give back next
        for task, batch in pool.results(tasks):
            waiting[task.index] = batch
            while following in waiting:
                for student, firsts in zip(tasks[following].students, waiting.pop(following)):
                    kept[student.id] = firsts
                    yield firsts
                following += 1

    return drawn


def _rendered(
    pool: Workers | None,
    job: ClassSet,
    students: Sequence[Student],
    picks: Mapping[str, Picks],
    firsts: dict[str, tuple[FirstDraw, ...]],
) -> Iterator[tuple[dict[str, Any], Staged]]:
    """(manifest row, staged files) for each student, in the order they are done; each
    student's ``firsts`` are let go of once sent."""
    tasks = (_Render(s, picks[s.id], firsts.pop(s.id, ())) for s in students)
    if pool is None:
        return (task.run(job) for task in tasks)
    return (result for _, result in pool.results(tasks))


def _discard_student(student: Student, job: ClassSet) -> None:
    """Remove the temporary files of a student whose worker was stopped half-way."""
    for kind in ("paper", "key"):
        for fmt in job.formats:
            staging_name(job.out_dir / f"{student.id}-{kind}.{fmt}").unlink(missing_ok=True)


def manifest_name(shard: tuple[int, int] | None) -> str:
    return "manifest" if shard is None else f"manifest-{shard[0]}-of-{shard[1]}"


def _complete(row: dict[str, Any], job: ClassSet, picks: Mapping[str, Picks]) -> bool:
    """Are the student's files all there, exactly as the manifest recorded them from the
    student's ``picks``?"""
    if row.get("exam_seed") != job.seed or row.get("redraws") != picks.get(row["id"], {}):
        return False
    try:
        return all(
            _sha256(job.out_dir / name) == row["sha256"][kind]
            for kind, name in row["files"].items()
        ) and set(row["files"]) == {f"{k}.{f}" for k in ("paper", "key") for f in job.formats}
    except (OSError, KeyError, TypeError, AttributeError):
        return False


def _journal_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{name}.journal.jsonl"


def _journal_header(job: ClassSet) -> dict[str, Any]:
    return {"journal": "quizgen.publish.classset/1", "blueprint_sha256": job.blueprint_sha256}


def _previous(out_dir: Path, name: str, job: ClassSet) -> dict[str, dict[str, Any]]:
    """The rows a finished manifest and an interrupted run's journal recorded for this
    blueprint (the journal's are newer); anything unreadable counts as not there."""
    rows: dict[str, dict[str, Any]] = {}
    try:
        data = json.loads((out_dir / f"{name}.json").read_text(encoding="utf-8"))
        if data.get("blueprint_sha256") == job.blueprint_sha256:
            rows.update((row["id"], row) for row in data.get("students", []))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    try:
        lines = _journal_path(out_dir, name).read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for number, line in enumerate(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # the last line of a run killed while writing it
        if number == 0 and entry != _journal_header(job):
            break  # another blueprint's journal
        if number and isinstance(entry, dict) and "id" in entry:
            rows[entry["id"]] = entry
    return rows


class _Journal:
    """Manifest rows appended as students finish, each flushed to disk before the next. It
    starts with the rows already verified, so that it alone is enough to resume from."""

    def __init__(self, path: Path, job: ClassSet, rows: Sequence[dict[str, Any]]) -> None:
        self.path = path
        lines = "".join(self._line(entry) for entry in (_journal_header(job), *rows))
        atomic_write(path, lambda temporary: temporary.write_text(lines, encoding="utf-8"))
        self.file = path.open("a", encoding="utf-8")

    @staticmethod
    def _line(entry: dict[str, Any]) -> str:
        # keys in their order, not sorted: the manifest is made of these rows
        return json.dumps(entry, ensure_ascii=False) + "\n"

    def append(self, row: dict[str, Any]) -> None:
        self.file.write(self._line(row))
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()


@dataclass(frozen=True)
class ClassRoster:
    """A roster file read for a class set: the students to build papers for (``--only``'s,
    else all), the whole class, the blueprint with the installed fonts the names need, and a
    line naming each such font."""

    chosen: list[Student]
    everyone: list[Student]
    blueprint: Blueprint
    notes: list[str]


def class_roster(roster: Path, only_ids: Sequence[str], blueprint: Blueprint) -> ClassRoster:
    """The roster file read (see ClassRoster); refused before anything is written when no
    font on the machine prints a name."""
    students = read_roster(roster)
    names = [(f"{roster.name}: student {s.id}", s.name) for s in students]
    blueprint, notes = with_installed_fonts(blueprint, names)
    return ClassRoster(select(students, only_ids, roster.name), students, blueprint, notes)


class _PrintFiles:
    """The merged print files (``all-papers.pdf``, ``all-keys.pdf``), written while the
    workers render: each student's files are appended as soon as every student before them
    in the roster is done, so the parent holds no student's pages and the files are ready
    when the last student is. They take their names only at ``finish``."""

    def __init__(self, out_dir: Path, suffix: str, kinds: Sequence[str]) -> None:
        self.out_dir = out_dir
        self.targets = {kind: out_dir / f"all-{kind}s{suffix}.pdf" for kind in kinds}
        self.streams: dict[str, BinaryIO] = {}
        self.writers: dict[str, DuplexWriter] = {}
        self.merged = 0  # students appended, in roster order

    def __enter__(self) -> _PrintFiles:
        try:
            for kind, target in self.targets.items():
                self.streams[kind] = staging_name(target).open("wb")
                self.writers[kind] = DuplexWriter(self.streams[kind])
        except BaseException:  # a stop while opening them: no staged file stays behind
            self.__exit__()
            raise
        return self

    def advance(self, chosen: Sequence[Student], rows: Mapping[str, dict[str, Any]]) -> None:
        """Append the students whose turn has come and whose files are all there."""
        while self.merged < len(chosen) and (row := rows.get(chosen[self.merged].id)):
            for kind, writer in self.writers.items():
                writer.add(self.out_dir / row["files"][f"{kind}.pdf"])
            self.merged += 1

    def finish(self) -> None:
        for kind, writer in self.writers.items():
            writer.close()
            self.streams[kind].close()
        with signals_held():
            for target in self.targets.values():
                os.replace(staging_name(target), target)

    def __exit__(self, *_exc: object) -> None:
        with signals_held():  # a second stop must not cut the clean-up short
            for kind, target in self.targets.items():
                if kind in self.streams:
                    self.streams[kind].close()
                staging_name(target).unlink(missing_ok=True)


@dataclass(frozen=True, kw_only=True)
class ClassSetOptions:
    """How ``run_class_set`` builds a roster's papers (``paper --roster``'s options)."""

    formats: Sequence[str] = ("pdf",)
    jobs: int | None = None  # worker processes (all cores when None)
    shard: tuple[int, int] | None = None  # only slice K of N (see roster.in_shard)
    resume: bool = False  # keep students whose files match the journal or manifest
    force: bool = False  # overwrite papers already there
    bank: Sequence[BankQuestion] | None = None
    #: the command the keys print, without ``--only`` (default: from the blueprint's name and
    #: the exam's settings)
    rebuild: str | None = None


def run_class_set(
    blueprint: Blueprint,
    blueprint_path: Path,
    seed: int,
    students: Sequence[Student],
    out_dir: Path,
    *,
    options: ClassSetOptions,
    roster: Sequence[Student] | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict[str, Any]:
    """Render the roster's ``students`` (or one shard of them); write the manifest and the
    merged print files. ``roster`` is the whole class they were chosen from (default: the
    students): its papers are kept apart (no two share a slot's numbers while the pool
    allows), so ``--only`` and ``--shard`` build what the whole class set holds."""
    shard, jobs = options.shard, options.jobs
    chosen = [s for s in students if shard is None or in_shard(s.id, shard)]
    formats = tuple(f for f in ("html", "pdf") if f in options.formats)
    job = ClassSet(
        blueprint=blueprint,
        rebuild=options.rebuild
        or rebuild_command(
            blueprint_path.name, seed, blueprint.engine, roster="ROSTER", formats=formats
        ),
        blueprint_sha256=_sha256(blueprint_path),
        seed=seed,
        out_dir=out_dir,
        formats=formats,
        bank=tuple(options.bank) if options.bank is not None else None,
    )
    name = manifest_name(shard)
    suffix = "" if shard is None else f"-{shard[0]}-of-{shard[1]}"
    kinds = ("paper", "key") if "pdf" in job.formats and chosen else ()
    merged = _PrintFiles(out_dir, suffix, kinds)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(chosen) or 1))
    with _working(job, workers) as pool:
        class_ = roster if roster is not None else students
        firsts: dict[str, tuple[FirstDraw, ...]] = {}
        drawn_first = None if pool is None else _drawn_first_by(pool, firsts)
        drawn = roster_draws(blueprint, seed, class_, drawn_first)
        rows = _rendered_rows(
            pool, job, chosen, (drawn.picks, firsts), name, options, merged, progress
        )
    ordered = [rows[s.id] for s in chosen]
    manifest = {
        "schema": "quizgen.publish.classset/1",
        "blueprint": blueprint_path.name,
        "blueprint_sha256": job.blueprint_sha256,
        "exam_seed": seed,
        "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        "warnings": list(drawn.warnings),
        "students": ordered,
    }
    for kind, target in merged.targets.items():
        manifest[f"merged_{kind}s"] = target.name
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    atomic_write(out_dir / f"{name}.json", lambda p: p.write_text(text, encoding="utf-8"))
    table = _manifest_csv(ordered)
    atomic_write(out_dir / f"{name}.csv", lambda p: p.write_text(table, encoding="utf-8"))
    _journal_path(out_dir, name).unlink(missing_ok=True)  # the manifest now holds every row
    return manifest


def _rendered_rows(
    pool: Workers | None,
    job: ClassSet,
    chosen: Sequence[Student],
    drawn: tuple[Mapping[str, Picks], dict[str, tuple[FirstDraw, ...]]],
    name: str,
    options: ClassSetOptions,
    merged: _PrintFiles,
    progress: Callable[[int, int], None],
) -> dict[str, dict[str, Any]]:
    """Every chosen student's manifest row: those ``--resume`` finds complete, and those it
    renders (journalled, and appended to the ``merged`` print files, as they are done) from
    what the roster pass ``drawn``: each student's picks and first draws."""
    out_dir, (picks, firsts) = job.out_dir, drawn
    previous = _previous(out_dir, name, job) if options.resume else {}
    done = {sid: row for sid, row in previous.items() if _complete(row, job, picks)}
    todo = [s for s in chosen if s.id not in done]
    if not options.force and not options.resume:
        clash = [
            s.id for s in todo if any((out_dir / f"{s.id}-paper.{f}").exists() for f in job.formats)
        ]
        if clash:
            raise QuizgenError(
                f"{out_dir} already holds papers for {len(clash)} student(s) (e.g. "
                f"{clash[0]}); use --resume to skip complete ones or --force to overwrite"
            )
    prepare_out_dir(out_dir, job.blueprint.fonts)
    rows = dict(done)
    progress(0, len(chosen) - len(todo))
    journal = _Journal(_journal_path(out_dir, name), job, list(done.values()))
    try:
        with merged:
            merged.advance(chosen, rows)
            rendered = _rendered(pool, job, todo, picks, firsts)
            for count, (row, staged) in enumerate(rendered, start=1):
                try:
                    commit(staged)
                finally:
                    discard(staged)
                journal.append(row)
                rows[row["id"]] = row
                progress(count, len(chosen) - len(todo))
                merged.advance(chosen, rows)
            merged.finish()
    finally:
        journal.close()
    return rows


def _manifest_csv(rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_FIELDS)
    for row in rows:
        writer.writerow(
            [
                *(row.get(field, "") for field in MANIFEST_FIELDS[:-2]),
                " ".join(row["files"].values()),
                " ".join(row["sha256"][kind] for kind in row["files"]),
            ]
        )
    return out.getvalue()
