"""Reading users' files: text that is surely text, YAML with its lines, problem records.

``read_text`` refuses, each in its own words, what is not UTF-8 text: a binary file given as
YAML or CSV (a PDF, a spreadsheet), NUL bytes and other control characters, UTF-16 or Latin-1
text. Problem records (JSON, JSON Lines or YAML) are labelled for messages: ``nand.yaml: record
2 (line 9)``. A JSON Lines line that does not parse spoils only itself; a JSON or YAML file
that does not parse is reported with its line and nothing in it is solved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizgen.core.errors import QuizgenError

if TYPE_CHECKING:
    import yaml

Labelled = tuple[str, Any]


#: how binary files that users mistake for text begin, and what they are
_BINARY = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (an .xlsx spreadsheet or .docx document is one)",
    b"\xd0\xcf\x11\xe0": "an old Office file (.xls, .doc)",
    b"SQLite format 3\x00": "an SQLite database",
    b"\x7fELF": "a program",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """A user's file as text, or a one-line QuizgenError saying why it is not: it cannot be
    read, it is a binary file, it is not UTF-8, or it holds NUL bytes or control characters."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuizgenError(f"{path}: cannot read: {exc.strerror}") from None
    kind = next((what for magic, what in _BINARY.items() if data.startswith(magic)), None)
    if kind:
        raise QuizgenError(f"{path}: is {kind}, not a text file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise QuizgenError(f"{path}: is UTF-16 text; save it as UTF-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise QuizgenError(
            f"{path}: line {line}: byte 0x{data[exc.start]:02X} is not UTF-8 text (saved as "
            "Latin-1 or Windows-1252?); save the file as UTF-8"
        ) from None
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        what = (
            "a NUL byte"
            if found.group() == "\0"
            else f"control character U+{ord(found.group()):04X}"
        )
        raise QuizgenError(
            f"{path}: line {line}: holds {what}, which text never does (a binary file?)"
        )
    return text


def yaml_problem(name: str, exc: yaml.YAMLError) -> QuizgenError:
    """A YAML error in one line, with the line it is on."""
    import yaml

    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        return QuizgenError(f"{name}: character U+{exc.character:04X} is not allowed in YAML")
    where = f"line {mark.line + 1}: " if mark is not None else ""
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    return QuizgenError(f"{name}: {where}malformed YAML: {problem}")


def parse_yaml(name: str, text: str) -> tuple[Any, yaml.Node | None]:
    """A YAML document and its node tree (for the lines of fields), or a one-line error."""
    import yaml  # here: a run that reads no YAML (a kept blueprint) does not load it

    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise yaml_problem(name, exc) from None


def node_line(node: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """The line of the YAML node at ``loc`` (or of its nearest existing parent)."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


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
    import yaml

    try:
        documents = list(yaml.safe_load_all(text))
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise yaml_problem(name, exc) from None
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
