"""Fonts for what a teacher types: names and titles in any script, the same in both engines.

Both engines set text in the fonts quizgen ships (DejaVu Sans, from ziafont: Latin, Greek,
Cyrillic, Arabic, Hebrew; Typst adds New Computer Modern) plus the font files the teacher gives
with ``--font`` (a file or a folder; e.g. Noto Sans CJK for Chinese, Japanese and Korean names,
Noto Sans Devanagari for Hindi). Where those do not cover a script, a font installed on the
machine that does is found with fontconfig (``fc-list``; a regular sans face first) and used
as if it had been given, and the run says which. They are copied into the output's ``fonts/``
folder, which the HTML refers to and Typst reads, so papers look the same on every machine. A
name that no font covers, not even an installed one, is an error before anything is written,
naming the student and the script, never a blank on the paper.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from quizgen.core.errors import QuizgenError
from quizgen.core.resources import cache_folder, keep_bytes, package_folder

CACHE_FORMAT = 1  # bump when what is kept of a font changes

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
#: scripts whose letters are named differently in Unicode's character names
_SCRIPT_WORDS = {"CJK": "Han (Chinese, Japanese, Korean)", "HANGUL": "Hangul (Korean)"}


def font_files(given: Iterable[str | Path]) -> tuple[Path, ...]:
    """The font files given as files or folders (searched recursively), absolute, in order."""
    found: list[Path] = []
    for entry in given:
        path = Path(entry).expanduser()
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
        elif path.is_file() and path.suffix.lower() in FONT_SUFFIXES:
            found.append(path)
        else:
            raise QuizgenError(f"{entry}: no such font file or folder (.ttf, .otf, .ttc)")
    return tuple(dict.fromkeys(p.resolve() for p in found))


def builtin() -> Path:
    """DejaVu Sans, shipped with ziafont (a dependency)."""
    return package_folder("ziafont") / "fonts" / "DejaVuSans.ttf"


@cache
def _font(path: Path) -> tuple[frozenset[int], str]:
    """(code points, family name) of a font file; a collection's first font. Kept in the user's
    cache by the file's SHA-256: reading a font's tables costs a quarter of a second on every
    run (fontTools' import), hashing it a few milliseconds."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise QuizgenError(f"{path}: cannot read the font file ({exc.strerror})") from None
    folder = cache_folder(f"fonts-{CACHE_FORMAT}")
    cached = folder / f"{digest}.json" if folder else None
    try:
        if cached is not None:
            entry = json.loads(cached.read_text(encoding="utf-8"))
            return frozenset(entry["code_points"]), entry["family"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not cached yet, or unreadable: read the font itself
    code_points, family = _read_font(path)
    if cached:
        entry = {"family": family, "code_points": sorted(code_points)}
        keep_bytes(cached, json.dumps(entry).encode("utf-8"))
    return code_points, family


def _read_font(path: Path) -> tuple[frozenset[int], str]:
    from fontTools.ttLib import TTCollection, TTFont  # type: ignore[import-untyped]

    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            font = TTCollection(str(path), lazy=True).fonts[0]
        else:
            font = TTFont(str(path), lazy=True)
        cmap = font.getBestCmap() or {}
        names = font["name"]
        family = names.getBestFamilyName() or path.stem
    except Exception as exc:  # fontTools raises many kinds for a file that is not a font
        raise QuizgenError(f"{path}: not a font file fontTools can read ({exc})") from None
    return frozenset(cmap), family


def family(path: Path) -> str:
    return _font(path)[1]


def coverage(extra: Sequence[Path]) -> frozenset[int]:
    """Every code point that DejaVu Sans or one of ``extra`` can draw."""
    covered = set(_font(builtin())[0])
    for path in extra:
        covered |= _font(path)[0]
    return frozenset(covered)


def script(ch: str) -> str:
    """The script a character belongs to, in words, from its Unicode name.

    >>> script("李"), script("क"), script("ש")
    ('Han (Chinese, Japanese, Korean)', 'Devanagari', 'Hebrew')
    """
    words = unicodedata.name(ch, "UNKNOWN").split()
    return _SCRIPT_WORDS.get(words[0], words[0].title())


def uncovered(text: str, covered: frozenset[int]) -> list[str]:
    """The characters of ``text`` that no font draws (spaces and marks that need no glyph of
    their own are fine)."""
    return [
        ch
        for ch in dict.fromkeys(text)
        if ord(ch) not in covered
        and not ch.isspace()
        and unicodedata.category(ch) not in ("Cf", "Cc", "Mn")
    ]


def check(texts: Iterable[tuple[str, str]], extra: Sequence[Path]) -> None:
    """Raise one QuizgenError listing every text (``(where, text)``) with characters that no
    font covers, by script, with what to do about it."""
    covered = coverage(extra)
    problems = []
    for where, text in texts:
        missing = uncovered(text, covered)
        if missing:
            scripts = ", ".join(dict.fromkeys(script(ch) for ch in missing))
            sample = " ".join(f"{ch} U+{ord(ch):04X}" for ch in missing[:3])
            problems.append(
                f'{where}: "{text}": no font covers the {scripts} script ({sample}); '
                "give one that does with --font FILE (e.g. Noto Sans CJK for Chinese, "
                "Japanese and Korean, Noto Sans Devanagari for Hindi)"
            )
    if problems:
        raise QuizgenError("\n".join(problems))


def installed_font_for(chars: str) -> Path | None:
    """A font installed on this machine that draws every one of ``chars``, found with
    fontconfig: a regular sans face before bold, serif or monospaced ones; None when there is
    none, or no fontconfig."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    charset = " ".join(f"{ord(ch):x}" for ch in dict.fromkeys(chars))
    try:
        listing = subprocess.run(
            [fc_list, f":charset={charset}", "--format", "%{file}\t%{family[0]}\t%{style[0]}\n"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    candidates = []
    for line in listing.splitlines():
        file, name, style = ([*line.split("\t"), "", ""])[:3]
        path = Path(file)
        if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
            odd = ("Serif" in name, "Mono" in name, style != "Regular")
            candidates.append((odd, name, str(path), path))
    needed = {ord(ch) for ch in chars}
    for *_, path in sorted(candidates):
        try:
            if needed <= _font(path)[0]:
                return path
        except QuizgenError:
            continue
    return None


def complete(
    texts: Iterable[tuple[str, str]], extra: Sequence[Path]
) -> tuple[tuple[Path, ...], list[str]]:
    """The fonts that print ``texts`` (``(where, text)``): ``extra``, plus an installed font
    for each script that neither the shipped fonts nor ``extra`` cover; and a line for each
    font added, saying which it is and for what. Raises as ``check`` does for the texts that
    no installed font covers either."""
    texts = list(texts)
    fonts = list(extra)
    covered = coverage(fonts)
    missing: dict[str, dict[str, None]] = {}
    for _, text in texts:
        for ch in uncovered(text, covered):
            missing.setdefault(script(ch), {})[ch] = None
    notes = []
    for name, chars in missing.items():
        found = installed_font_for("".join(chars))
        if found is not None and found not in fonts:
            fonts.append(found)
            notes.append(f"No font given covers the {name} script: using {family(found)} ({found})")
    check(texts, fonts)
    return tuple(fonts), notes
