"""Do two revisions typeset the same pages? Writes the shipped blueprints' PDFs (papers,
keys, answer sheets, a class-set student) with each revision, rasterises every page with
``pdftoppm -r 110 -png`` and compares them pixel for pixel.

    python3 bench/compare_pages.py main HEAD              # two git revisions of this repository
    python3 bench/compare_pages.py main .                 # main against the working tree
    python3 bench/compare_pages.py old-out/ new-out/      # two folders written before
    python3 bench/compare_pages.py main . --engine weasyprint   # the WeasyPrint PDFs instead

A revision is exported with ``git archive`` and run from there (its resource folders linked
where an install puts them), so neither checkout is touched; ``.`` is the working tree as it
is. A folder is compared as it is: every ``*.pdf`` under it, by relative path. Exits 1 when any
page differs or a PDF is missing on one side, naming the page and the box that changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
#: where an install puts the top-level resource folders (pyproject.toml's package-dir)
RESOURCE_FOLDERS = {
    "quizgen/templates": "templates",
    "quizgen/bank_files": "banks",
    "quizgen/examples": "examples",
    "quizgen/guide": "docs/guide",
}
#: (folder name, quizgen paper arguments): every shipped blueprint, two seeds of the mid-term,
#: two versions each, answer sheets, and one class-set student with a sheet
CASES = {
    "midterm-2026": "banks/exams/midterm.yaml --seed 2026 --versions 2",
    "midterm-11": "banks/exams/midterm.yaml --seed 11 --versions 2",
    "quiz-7": "banks/exams/quiz.yaml --seed 7 --versions 2 --sheet",
    "final-2026": "banks/exams/final.yaml --seed 2026 --versions 2",
    "forms-3": "banks/exams/practice-forms.yaml --seed 3 --versions 2",
    "class-2026": "midterm --seed 2026 --roster examples/roster.csv --only s001 --sheet",
}


def export(revision: str, into: Path) -> Path:
    """The revision's files in ``into``, importable as it would be installed."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    for package, folder in RESOURCE_FOLDERS.items():
        (into / package).symlink_to(into / folder, target_is_directory=True)
    return into


def write_pdfs(tree: Path, out: Path, engine: str) -> None:
    """Every case's PDFs, written by the quizgen in ``tree`` with ``engine``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "QUIZGEN_CACHE_DIR": "off"}
    for name, arguments in CASES.items():
        command = [sys.executable, "-m", "quizgen", "paper", *arguments.split()]
        command += ["--format", "pdf", "--engine", engine, "--out", str(out / name)]
        subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)


def side(spec: str, work: Path, label: str, engine: str) -> Path:
    """A folder of PDFs for ``spec``: the folder itself, or one written by that revision."""
    if Path(spec).is_dir() and spec != ".":
        return Path(spec)
    out = work / f"{label}-pdfs"
    tree = ROOT if spec == "." else export(spec, Path(tempfile.mkdtemp(dir=work)))
    write_pdfs(tree, out, engine)
    return out


def pages(pdf: Path, work: Path) -> list[Path]:
    """The PDF's pages as PNG files at 110 dpi, in page order."""
    folder = Path(tempfile.mkdtemp(dir=work))
    subprocess.run(["pdftoppm", "-r", "110", "-png", str(pdf), str(folder / "p")], check=True)
    return sorted(folder.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))


def page_differences(old: Path, new: Path) -> str | None:
    """None when the two pages have the same pixels, else where they differ."""
    with Image.open(old) as a, Image.open(new) as b:
        if a.size != b.size:
            return f"size {a.size} against {b.size}"
        box = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox()
    return None if box is None else f"pixels differ in the box {box}"


def compare(old: Path, new: Path, work: Path) -> list[str]:
    """One line per difference between the two folders' PDFs."""
    names = sorted({p.relative_to(old) for p in old.rglob("*.pdf")})
    names += sorted({p.relative_to(new) for p in new.rglob("*.pdf")} - set(names))
    found = []
    compared = 0
    for name in names:
        if not (old / name).exists() or not (new / name).exists():
            found.append(f"{name}: only in {'new' if (new / name).exists() else 'old'}")
            continue
        before, after = pages(old / name, work), pages(new / name, work)
        if len(before) != len(after):
            found.append(f"{name}: {len(before)} pages against {len(after)}")
        for number, (a, b) in enumerate(zip(before, after), start=1):
            compared += 1
            difference = page_differences(a, b)
            if difference:
                found.append(f"{name} page {number}: {difference}")
    print(f"{len(names)} PDFs, {compared} pages compared")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="git revision, '.' (the working tree) or a folder of PDFs")
    parser.add_argument("new", help="git revision, '.' (the working tree) or a folder of PDFs")
    parser.add_argument("--keep", type=Path, help="keep the PDFs and PNGs in this folder")
    parser.add_argument("--engine", default="typst", choices=["typst", "weasyprint"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="compare-pages-"))
    try:
        old = side(args.old, work, "old", args.engine)
        new = side(args.new, work, "new", args.engine)
        found = compare(old, new, work)
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True, symlinks=True)
        shutil.rmtree(work)
    for line in found:
        print(line)
    print("identical pages" if not found else f"{len(found)} difference(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
