"""CPU seconds per WeasyPrint copy (paper + key) of bench/speed.py's 10-question exam, split into
the HTML (ziamath included: formula caches off), WeasyPrint's HTML parsing, layout and PDF
writing (drawing and serialising), as the copies are written in one warm process::

    python3 bench/weasy_phases.py [COPIES]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["QUIZGEN_CACHE_DIR"] = "off"  # every copy brings new formulas, as a class set does

import weasyprint
from speed import EXAM

from quizgen.exam.build import build_exam
from quizgen.publish import papers
from quizgen.publish.papers import override, write_exam

SPENT = {"html": 0.0, "parse": 0.0, "layout": 0.0, "write": 0.0}


def timed(phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, its CPU seconds added to ``SPENT[phase]``."""

    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[phase] += time.process_time() - started

    return run


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    papers.html_writer.render = timed("html", papers.html_writer.render)
    weasyprint.HTML.__init__ = timed("parse", weasyprint.HTML.__init__)
    weasyprint.HTML.render = timed("layout", weasyprint.HTML.render)
    document = weasyprint.document.Document
    document.write_pdf = timed("write", document.write_pdf)
    blueprint = override(EXAM, None, "weasyprint")
    with tempfile.TemporaryDirectory() as folder:
        write_exam(build_exam(blueprint, 1, 1), "bench.yaml", Path(folder) / "warm", ["pdf"])
        SPENT.update(dict.fromkeys(SPENT, 0.0))
        exam = build_exam(blueprint, 2, copies)
        started = time.process_time()
        write_exam(exam, "bench.yaml", Path(folder) / "timed", ["pdf"])
        total = (time.process_time() - started) / copies
    phases = ", ".join(f"{phase} {seconds / copies:.3f}" for phase, seconds in SPENT.items())
    print(f"CPU seconds per copy {total:.3f}: {phases}")


if __name__ == "__main__":
    main()
