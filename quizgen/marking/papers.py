"""Whose paper held which questions: rebuilt from the seed, never stored.

A class set (``quizgen paper --roster``) is rebuilt from its manifest, one paper per student;
versions (``quizgen paper --versions``) from the blueprint and seed; an LMS quiz from the same
variants the export wrote (``quizgen export --variants``), each student's questions found in
their report row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizgen.core.errors import QuizgenError
from quizgen.core.record_files import read_text
from quizgen.exam.banks import BankQuestion
from quizgen.exam.blueprint import Blueprint, find_blueprint, load_blueprint
from quizgen.exam.build import build_exam, build_for_student
from quizgen.exam.model import BankItem, Exam, Item, Student

Question = Item | BankItem


@dataclass(frozen=True)
class Paper:
    """One student's questions, numbered as on their paper (or in their quiz)."""

    student: str
    name: str
    version: str
    items: tuple[Question, ...]

    @property
    def total_marks(self) -> int:
        return sum(item.marks for item in self.items)


@dataclass(frozen=True)
class ClassPapers:
    """The blueprint, the seed and the students' papers (by id) of a class set."""

    blueprint: Blueprint
    seed: int
    papers: dict[str, Paper]


def from_manifest(
    manifest: Path, blueprint: str | None, bank: Sequence[BankQuestion] | None
) -> ClassPapers:
    """The papers of a class set, from its manifest; the blueprint named there is looked for
    beside the manifest, then as a shipped name, and must be the one that built the set."""
    try:
        data = json.loads(read_text(manifest))
        seed = int(data["exam_seed"])
        rows = [(str(r["id"]), str(r.get("name", r["id"]))) for r in data["students"]]
        # the redraws that kept the class's papers apart (none in manifests of before)
        picks = {
            str(r["id"]): {str(slot): int(k) for slot, k in r.get("redraws", {}).items()}
            for r in data["students"]
        }
        recorded: str | None = data.get("blueprint_sha256")
        named = str(data["blueprint"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise QuizgenError(
            f"{manifest.name}: not a class-set manifest written by quizgen paper --roster "
            f"({type(error).__name__}: {error})"
        ) from None
    if blueprint is not None:
        path = find_blueprint(blueprint)
    elif (manifest.parent / named).is_file():
        path = manifest.parent / named
    else:
        path = find_blueprint(Path(named).stem)
    if recorded and hashlib.sha256(path.read_bytes()).hexdigest() != recorded:
        raise QuizgenError(
            f"{path}: not the blueprint that built {manifest.name} (its SHA-256 differs); "
            "give the one used with --blueprint"
        )
    loaded = load_blueprint(path, bank)
    papers = {}
    for sid, name in rows:
        student = Student(sid, name)
        version = build_for_student(loaded, seed, student, bank, picks[sid]).versions[0]
        papers[sid] = Paper(sid, name, version.code, tuple(version.items))
    return ClassPapers(loaded, seed, papers)


def versions_exam(
    blueprint: str, seed: int, versions: int, bank: Sequence[BankQuestion] | None
) -> Exam:
    """The versions ``quizgen paper --versions`` printed."""
    return build_exam(load_blueprint(find_blueprint(blueprint), bank), seed, versions, bank)


def variants_exam(
    blueprint: str, seed: int, variants: int, bank: Sequence[BankQuestion] | None
) -> Exam:
    """The variants ``quizgen export --variants`` wrote for Moodle or Canvas."""
    from quizgen.export.layout import blueprint_exam

    return blueprint_exam(load_blueprint(find_blueprint(blueprint), bank), variants, seed, bank)


def version_paper(exam: Exam, code: str, student: str, name: str) -> Paper | None:
    """A student's paper of version ``code`` (None: no such version)."""
    for version in exam.versions:
        if version.code == code:
            return Paper(student, name, code, tuple(version.items))
    return None


def describe(item: Any) -> str:
    """What a question is, for reports: its topic, or its bank question's kind."""
    return item.problem.topic if isinstance(item, Item) else f"{item.kind} question"
