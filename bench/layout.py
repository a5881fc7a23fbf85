"""Layout benchmark: pages per copy and the blank share of each page, per engine and blueprint.

    python3 bench/layout.py [--versions 4] [--seed 2026]

For each shipped blueprint and both PDF engines, writes N versions (paper and key), rasterises
every page (pdftoppm, 40 dpi, grey) and measures the page's *unused share*: the part of the
text area (inside the margins, above the footer) below the last ink. A page whose next question
would have fitted but was pushed over shows up as a large unused share; the last page of a
document is reported apart, since it ends where the exam ends.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from quizgen.core.resources import shipped_blueprints
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_exam
from quizgen.publish.papers import override, write_exam

DPI = 40
MM = DPI / 25.4  # pixels per millimetre
TOP_MM, BOTTOM_MM, SIDE_MM = 18, 20, 16  # the page margins both engines use


def unused_share(png: Path) -> float:
    """The share of the text area's height below its last inked row."""
    image = Image.open(png).convert("L")
    width, height = image.size
    top, bottom = int(TOP_MM * MM), height - int(BOTTOM_MM * MM)
    left, right = int(SIDE_MM * MM), width - int(SIDE_MM * MM)
    pixels = image.load()
    last = top
    for y in range(top, bottom):
        if any(pixels[x, y] < 245 for x in range(left, right)):  # light rules count
            last = y
    return (bottom - last) / (bottom - top)


def measure(pdf: Path, work: Path) -> list[float]:
    prefix = work / pdf.stem
    subprocess.run(["pdftoppm", "-gray", "-r", str(DPI), "-png", pdf, prefix], check=True)
    return [unused_share(p) for p in sorted(work.glob(f"{pdf.stem}-*.png"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(
        "| blueprint | engine | document | pages per copy | unused share of full pages "
        "(mean / worst) | pages over 40 % unused | last page unused |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, path in shipped_blueprints().items():
        for engine in ("typst", "weasyprint"):
            blueprint = override(load_blueprint(path), None, engine)
            exam = build_exam(blueprint, args.seed, args.versions)
            with tempfile.TemporaryDirectory() as folder:
                work = Path(folder)
                write_exam(exam, path.name, work, ["pdf"])
                for kind in ("paper", "key"):
                    pages, full, last = [], [], []
                    for pdf in sorted(work.glob(f"*-{kind}.pdf")):
                        shares = measure(pdf, work)
                        pages.append(len(shares))
                        full += shares[:-1]
                        last.append(shares[-1])
                    over = sum(s > 0.4 for s in full)
                    print(
                        f"| {name} | {engine} | {kind} | {statistics.mean(pages):.1f} "
                        f"| {statistics.mean(full or [0]):.0%} / {max(full or [0]):.0%} "
                        f"| {over} of {len(full)} | {statistics.mean(last):.0%} |",
                        flush=True,
                    )
    sys.exit(0)


if __name__ == "__main__":
    main()
