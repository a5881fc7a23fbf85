"""Can every formula be printed? Each one through every math path that will print it.

``latex_check`` keeps formulas inside the supported subset, but a formula inside it can still
fail to typeset (``x^{2}^{3}``: ziamath refuses a double superscript, Typst prints nonsense).
``quizgen bank check`` and user banks given with ``--bank`` go through here, so that whatever
passes can be printed by ``paper`` (HTML and WeasyPrint through ziamath, Typst), ``quiz``
(Unicode) and ``export``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: (where, LaTeX): where names the file, the question and the field
Formula = tuple[str, str]


def _paths() -> list[tuple[str, Callable[[str], object]]]:
    from quizgen.render import math
    from quizgen.render.typst_math import to_typst
    from quizgen.render.unicode_math import to_unicode

    return [
        ("HTML and WeasyPrint (ziamath)", math.svg),
        ("Typst", to_typst),
        ("terminal (Unicode)", to_unicode),
    ]


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def problems(formulas: Sequence[Formula]) -> list[str]:
    """One line per formula that a math path cannot print, naming where it is and the path."""
    from quizgen.core.latex_check import check

    formulas = [f for f in formulas if check(f[1]) is None]  # the rest are reported already
    found: list[str] = []
    converted: list[tuple[Formula, str]] = []
    for path, convert in _paths():
        for where, latex in formulas:
            try:
                result = convert(latex)
            except Exception as exc:  # any failure of a typesetter is the finding
                found.append(f"{where}: ${latex}$ cannot be typeset for {path}: {_reason(exc)}")
                continue
            if path == "Typst":
                converted.append(((where, latex), str(result)))
    found += _typst_compile_problems(converted)
    return found


def _typst_compile_problems(converted: Sequence[tuple[Formula, str]]) -> list[str]:
    """Compile all converted formulas in one Typst document; only when that fails, each alone
    (so the usual case costs one compile)."""
    if not converted:
        return []
    from quizgen.render.typst_pdf import compile_check

    if compile_check([typst for _, typst in converted]) is None:
        return []
    found = []
    for (where, latex), typst in converted:
        error = compile_check([typst])
        if error is not None:
            found.append(f"{where}: ${latex}$ cannot be typeset for Typst: {error}")
    return found
