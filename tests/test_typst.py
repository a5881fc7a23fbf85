"""The Typst engine: LaTeX-to-Typst conversion of the whole subset, parity with the WeasyPrint
papers question by question, byte-identical reruns, escaping, and class sets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.core.model import DIFFICULTIES
from quizgen.exam.banks import load_banks
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_exam
from quizgen.exam.model import Item, Student
from quizgen.exam.problems import generate, solve
from quizgen.publish.classset import ClassSetOptions, run_class_set
from quizgen.publish.papers import make_papers, override
from quizgen.render.typst_math import UnsupportedLatex, to_typst
from quizgen.render.typst_pdf import escape, source, write_pdf
from quizgen.topics import registry

EXAMS = Path(__file__).resolve().parent.parent / "banks" / "exams"
QUIZ, MIDTERM = EXAMS / "quiz.yaml", EXAMS / "midterm.yaml"
typst = pytest.importorskip("typst")


def all_formulas() -> set[str]:
    """Every formula the topics (a sweep of seeds) and the shipped banks write."""
    found: set[str] = set()
    for difficulty in DIFFICULTIES:
        for problem in generate(list(registry()), 3, 1, difficulty):
            topic, solution = registry()[problem.topic], solve(problem)
            stem = topic.stem(problem.params)
            texts = [
                stem.text,
                *(p.label for p in solution.parts),
                *(s.title for s in solution.steps),
            ]
            if stem.table:
                texts += [c for row in (stem.table.header, *stem.table.rows) for c in row]
            for text in texts:
                found.update(re.findall(r"\$(.+?)\$", text))
            found.update(line for s in solution.steps for line in (*s.lines, s.result) if line)
    for q in load_banks():
        texts = [q.question.prompt, *(s.reason for s in q.steps)]
        texts += [t for o in getattr(q.question, "options", []) for t in (o.text, o.why)]
        for text in texts:
            found.update(re.findall(r"\$(.+?)\$", text))
        found.update(s.formula for s in q.steps)
        found.update(getattr(q.question, "distractors", []))
    return found


def test_every_formula_converts_and_compiles_in_typst():
    formulas = sorted(all_formulas())
    document = "\n\n".join(f"$ {to_typst(f)} $" for f in formulas)
    pdf = typst.compile(document.encode(), format="pdf")
    assert len(formulas) > 500 and pdf.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("latex", "typst_math"),
    [
        (r"\frac{1}{1 + e^{-z}}", "(1)/(1 + e^(-z))"),
        (r"\hat{y}_{k}", "hat(y)_(k)"),
        (r"\nabla_w J", "nabla_(w) J"),
        (r"\mathbb{R}^{n}", "RR^(n)"),
        (r"\delta^{(\ell)} \odot \mathbf{1}_{z > 0}", "delta^((ell)) dot.o bold(1)_(z > 0)"),
        (r"n_{in} \times n_{out}", "n_(i n) times n_(o u t)"),
    ],
)
def test_conversion_of_the_subset(latex, typst_math):
    assert to_typst(latex) == typst_math


def test_unknown_commands_are_refused_by_name():
    with pytest.raises(UnsupportedLatex, match=r"unsupported command \\foo"):
        to_typst(r"\foo{x}")


def test_typst_text_is_escaped():
    assert str(escape("#set page(fill: red) *bold* $x$ [a] // c")) == (
        "\\#set page(fill: red) \\*bold\\* \\$x\\$ \\[a\\] \\/\\/ c"
    )


def text_of(path: Path) -> str:
    return re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(path).pages)).replace(
        "−", "-"
    )


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    out = tmp_path_factory.mktemp("engines")
    weasy = make_papers(QUIZ, 5, 2, out / "w", ["pdf"])
    typ = make_papers(QUIZ, 5, 2, out / "t", ["pdf"], engine="typst")
    return dict(zip([p.name for p in weasy], zip(weasy, typ)))


def test_both_engines_show_the_same_questions_marks_and_codes(both):
    exam = build_exam(load_blueprint(QUIZ), 5, 2)
    for version in exam.versions:
        weasy, typ = both[f"quiz-5-{version.code}-paper.pdf"]
        w, t = text_of(weasy), text_of(typ)
        for item in version.items:
            head = f"Question {item.number} [{item.marks} marks]"
            assert head in w and head in t
            assert item.code in w and item.code in t
        headings = [m.group(0) for m in re.finditer(r"Question \d+ \[\d+ marks\] \S+", w)]
        assert headings == [m.group(0) for m in re.finditer(r"Question \d+ \[\d+ marks\] \S+", t)]


def test_both_engines_give_the_same_answers_and_steps(both):
    exam = build_exam(load_blueprint(QUIZ), 5, 2)
    for version in exam.versions:
        weasy, typ = both[f"quiz-5-{version.code}-key.pdf"]
        w, t = text_of(weasy), text_of(typ)
        for item in version.items:
            row = f"{item.number} {item.marks} {item.code} {item.glance}"
            assert row in w and row in t, row
            assert isinstance(item, Item)
            for step in item.solution.steps:
                lead = step.title.split("$")[0].strip()  # the words before any math
                assert lead in w and lead in t


def test_paper_conventions_hold_in_typst(both):
    paper, key = both["quiz-5-A-paper.pdf"][1], both["quiz-5-A-key.pdf"][1]
    p, k = text_of(paper), text_of(key)
    pages = len(PdfReader(paper).pages)
    assert "Name" in p and "Student ID" in p and f"Page 1 of {pages}" in p
    assert "version A" in p and "Answers at a glance" not in p and "Answers at a glance" in k
    assert "0.2 %" in k and "0.2 %" not in p


def fonts_of(path: Path) -> set[str]:
    """The fonts a PDF's pages draw with, without the subset tag (``ABCDEF+``)."""
    return {
        str(font["/BaseFont"]).split("+", 1)[-1]
        for page in PdfReader(path).pages
        for font in page["/Resources"]["/Font"].values()
    }


def test_typst_sets_formulas_in_the_math_font_and_words_in_the_text_font(both):
    fonts = fonts_of(both["quiz-5-A-key.pdf"][1])
    assert any(f.startswith("NewCMMath-") for f in fonts)  # Typst's own math font
    assert "NewCM10-Regular-Identity-H" in fonts  # the template's text font


def test_typst_pdfs_are_byte_identical_on_rerun(tmp_path):
    first = make_papers(QUIZ, 9, 1, tmp_path / "a", ["pdf"], engine="typst")
    again = make_papers(QUIZ, 9, 1, tmp_path / "b", ["pdf"], engine="typst")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]


def test_hostile_blueprint_text_stays_text_in_typst(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text(
        'title: "#set page(fill: red) ] *x* $y$"\nengine: typst\nsections:\n'
        "  - title: S\n    items:\n      - {topic: relu, marks: 2}\n"
    )
    exam = build_exam(load_blueprint(path), 1, 1)
    target = tmp_path / "p.pdf"
    write_pdf(source(exam, exam.versions[0], "paper", "bp.yaml"), target)
    assert "#set page(fill: red) ] *x* $y$" in text_of(target)


def test_every_pdf_written_into_one_folder_comes_from_one_compiler(tmp_path, monkeypatch):
    from quizgen.render import typst_pdf

    made = []
    real = typst.Compiler

    def counted(**options):
        made.append(options["font_paths"])
        return real(**options)

    monkeypatch.setattr(typst, "Compiler", counted)
    typst_pdf.compiler.cache_clear()
    (tmp_path / "fonts").mkdir()
    try:
        for name in ("a.pdf", "b.pdf", "c.pdf"):
            write_pdf(f"= {name}", tmp_path / name)
    finally:
        typst_pdf.compiler.cache_clear()  # no counting compiler left for later tests
    assert made == [[str(tmp_path / "fonts")]]
    assert text_of(tmp_path / "c.pdf").strip() == "c.pdf"


def test_class_sets_use_the_typst_engine(tmp_path):
    blueprint = override(load_blueprint(QUIZ), None, "typst")
    students = [Student(f"s{i}", f"Student {i}") for i in range(3)]
    options = ClassSetOptions(formats=["pdf"], jobs=2)
    manifest = run_class_set(blueprint, QUIZ, 4, students, tmp_path, options=options)
    merged = PdfReader(tmp_path / manifest["merged_papers"])
    assert len(merged.pages) == sum(
        r["paper_pages"] + r["paper_pages"] % 2 for r in manifest["students"]
    )
    assert "Student 1" in text_of(tmp_path / "s1-paper.pdf")


def test_every_command_bank_check_accepts_converts_to_typst():
    from quizgen.core.latex_check import COMMANDS

    structural = {"begin", "end", "left", "right"}  # converted with their arguments, above
    for command in sorted(COMMANDS - structural):
        for latex in (f"\\{command}", f"\\{command}{{x}}", f"\\{command}{{x}}{{y}}"):
            try:
                to_typst(latex)
                break
            except UnsupportedLatex:
                continue
        else:
            pytest.fail(f"\\{command} passes bank check but does not convert to Typst")


# The converter works from a tree; reading its Typst back gives the same tree.

from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from quizgen.core import latex_tree  # noqa: E402
from tests.typst_reader import from_latex, from_typst  # noqa: E402


@pytest.mark.parametrize(
    ("latex", "typst_math"),
    [
        (r"e_i^2", "e_(i)^(2)"),
        (r"z_1^{(1)}", "z_(1)^((1))"),
        (r"x^{(i)}_j", "x_(j)^((i))"),
        (r"\hat{y}_i^2", "hat(y)_(i)^(2)"),
        (r"\sum_j e^{z_j}", "sum_(j) e^(z_(j))"),
        (r"\frac{\partial J}{\partial W^{(2)}_{ij}}", "(partial J)/(partial W_(i j)^((2)))"),
        (r"w_{i}^{new}", "w_(i)^(n e w)"),
        (r"J = \frac{1}{2N} \sum_i e_i^2", "J = (1)/(2 N) sum_(i) e_(i)^(2)"),
    ],
)
def test_scripts_stay_on_their_own_base(latex, typst_math):
    assert to_typst(latex) == typst_math
    assert from_typst(typst_math) == from_latex(latex_tree.parse(latex))


def test_a_second_superscript_on_one_base_is_refused():
    with pytest.raises(latex_tree.UnsupportedLatex, match="double superscript"):
        to_typst(r"x^{2}^{3}")


def test_every_formula_reads_back_from_typst_as_the_same_tree():
    for latex in sorted(all_formulas()):
        tree = from_latex(latex_tree.parse(latex))
        assert from_typst(to_typst(latex)) == tree, latex


# formulas drawn from the subset's grammar, written out as LaTeX
LETTERS = st.sampled_from(
    [*"abcdxyzwijkn", r"\sigma", r"\delta", r"\ell", r"\partial", r"\nabla", r"\theta"]
)
OPERATORS = [r"\cdot", r"\times", r"\odot", r"\le", r"\ge", r"\ne", r"\approx", r"\in", r"\to"]
FUNCTIONS = [r"\tanh", r"\exp", r"\log", r"\max", r"\min", r"\argmax", r"\sum", r"\prod"]
ATOMS = st.one_of(
    LETTERS,
    st.sampled_from(["0", "1", "2", "0.5", "12", "+", "-", "=", ",", r"\infty", *OPERATORS]),
    st.sampled_from(FUNCTIONS),
)


def _latex_grammar() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        group = inner.map(lambda s: "{" + s + "}")
        return st.one_of(
            st.tuples(inner, inner).map(lambda p: p[0] + " " + p[1]),
            st.tuples(ATOMS | group, group, group).map(lambda p: f"{p[0]}_{p[1]}^{p[2]}"),
            st.tuples(ATOMS | group, group, group).map(lambda p: f"{p[0]}^{p[1]}_{p[2]}"),
            st.tuples(LETTERS, ATOMS).map(lambda p: f"{p[0]}_{p[1]}"),
            st.tuples(group, group).map(lambda p: rf"\frac{p[0]}{p[1]}"),
            group.map(lambda s: rf"\sqrt{s}"),
            st.tuples(group, group).map(lambda p: rf"\sqrt[{p[0]}]{p[1]}"),
            st.tuples(st.sampled_from(FUNCTIONS), group, inner).map(
                lambda p: rf"{p[0]}\limits_{p[1]} {p[2]}"
            ),
            group.map(lambda s: rf"{s}^\top"),
            st.tuples(st.sampled_from(["hat", "bar", "tilde", "vec", "ddot", "check"]), group).map(
                lambda p: f"\\{p[0]}{p[1]}"
            ),
            st.tuples(
                st.sampled_from(["mathbf", "mathcal", "mathrm", "boldsymbol", "mathbb"]), group
            ).map(lambda p: f"\\{p[0]}{p[1]}"),
            inner.map(lambda s: rf"\operatorname{{softmax}}({s})"),
            st.tuples(
                st.sampled_from(
                    [("(", ")"), ("[", "]"), (r"\lfloor", r"\rfloor"), (r"\lVert", r"\rVert")]
                ),
                inner,
            ).map(lambda p: rf"\left{p[0][0]} {p[1]} \right{p[0][1]}"),
            st.tuples(inner, inner, inner).map(
                lambda p: (
                    rf"\begin{{cases}} {p[0]} & {p[1]} \\ {p[2]} & \text{{otherwise}} \end{{cases}}"
                )
            ),
            st.tuples(inner, inner, inner, inner).map(
                lambda p: rf"\begin{{bmatrix}} {p[0]} & {p[1]} \\ {p[2]} & {p[3]} \end{{bmatrix}}"
            ),
        )

    return st.recursive(ATOMS, extend, max_leaves=12)


@given(_latex_grammar())
@example(r"\sqrt{\mathbb{a}}")  # a lower-case letter has no double-struck name in Typst
@example(  # a case's cell holding cases of its own
    r"\begin{cases} a & a \\ \sqrt{\begin{cases} a & a \\ a & \text{otherwise} \end{cases}}"
    r" & \text{otherwise} \end{cases}"
)
def test_formulas_from_the_grammar_keep_their_structure_in_typst(latex):
    tree = latex_tree.parse(latex)
    assert from_typst(to_typst(latex)) == from_latex(tree)
    assert typst.compile(f"$ {to_typst(latex)} $".encode(), format="pdf").startswith(b"%PDF")
