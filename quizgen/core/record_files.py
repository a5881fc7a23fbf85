"""Reading problem records from JSON, JSON Lines or YAML files, each labelled for messages.

Labels say where a record is (``nand.yaml: record 2 (line 9)``) so that an error points at it. A
JSON Lines line that does not parse spoils only itself; a JSON or YAML file that does not parse
is reported with its line and nothing in it is solved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from quizgen.core.errors import QuizgenError

Labelled = tuple[str, Any]


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """A user's file as text, or a one-line QuizgenError saying why it cannot be read."""
    try:
        return path.read_text(encoding=encoding)
    except OSError as exc:
        raise QuizgenError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise QuizgenError(f"{path}: not UTF-8 text") from None


def read_records(path: Path) -> Iterator[Labelled]:
    """Yield (label, record) for every record in ``path``. A malformed JSON Lines line comes as
    a QuizgenError in place of its record, so it is reported in order and the others still run."""
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _json_lines(path.name, text)
    elif suffix == ".json":
        yield from _numbered(path.name, _json(path.name, text), lines=None)
    else:
        yield from _yaml(path.name, text)


def _json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise QuizgenError(f"{name}: line {exc.lineno}: malformed JSON: {exc.msg}") from None


def _json_lines(name: str, text: str) -> Iterator[Labelled]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{name}: line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{name}: line {number}", QuizgenError(f"malformed JSON: {exc.msg}")


def _numbered(name: str, data: Any, lines: list[int] | None) -> Iterator[Labelled]:
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        where = f"{name}: record {index + 1}"
        if lines is not None and index < len(lines):
            where += f" (line {lines[index]})"
        yield where, record


def _yaml(name: str, text: str) -> Iterator[Labelled]:
    try:
        documents = list(yaml.safe_load_all(text))
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise QuizgenError(f"{name}: line {line}: malformed YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise QuizgenError(f"{name}: malformed YAML: {exc}") from None
    if len(documents) == 1:
        node = nodes[0]
        if isinstance(node, yaml.SequenceNode):
            starts = [item.start_mark.line + 1 for item in node.value]
        else:
            starts = [node.start_mark.line + 1] if node is not None else []
        yield from _numbered(name, documents[0], starts)
    else:
        starts = [node.start_mark.line + 1 if node is not None else 0 for node in nodes]
        yield from _numbered(name, documents, starts)
