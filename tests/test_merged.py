"""Merged print files: each source's pages in order, each source starting on a front page,
shared resources embedded once, the same bytes on every run, pages drawn as their sources."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2
import pytest

from quizgen.publish.merged import merge_for_duplex

SHARED_FONT = b"not really a font, but the same bytes in every source" * 20


def source(path: Path, pages: int, label: str, size=(200, 300)) -> Path:
    """A PDF of ``pages`` pages, each with its own content stream naming it, and one
    resource stream (a stand-in for a font subset) every source shares."""
    pdf = pikepdf.new()
    for number in range(pages):
        pdf.add_blank_page(page_size=size)
        page = pdf.pages[-1]
        page.obj.Contents = pdf.make_stream(f"% {label} page {number}\n".encode())
        page.obj.Resources = pikepdf.Dictionary(
            Shared=pdf.make_stream(SHARED_FONT), Note=pikepdf.String(f"({label}) 5 0 R \\")
        )
    pdf.save(path)
    return path


def contents(pdf: pikepdf.Pdf) -> list[bytes]:
    return [p.Contents.read_bytes() if "/Contents" in p.obj else b"" for p in pdf.pages]


@pytest.fixture
def sources(tmp_path):
    return [source(tmp_path / f"{n}.pdf", n, f"s{n}") for n in (1, 2, 3)]


def test_each_source_starts_on_a_front_page_with_its_pages_in_order(tmp_path, sources):
    merge_for_duplex(sources, tmp_path / "all.pdf")
    with pikepdf.open(tmp_path / "all.pdf") as merged:
        expected = [b"% s1 page 0\n", b""]
        expected += [b"% s2 page 0\n", b"% s2 page 1\n"]
        expected += [b"% s3 page 0\n", b"% s3 page 1\n", b"% s3 page 2\n", b""]
        assert contents(merged) == expected
        assert merged.check_pdf_syntax() == []


def test_a_blank_page_has_the_size_of_the_page_before_it(tmp_path):
    odd = source(tmp_path / "odd.pdf", 1, "odd", size=(612, 792))
    merge_for_duplex([odd], tmp_path / "all.pdf")
    with pikepdf.open(tmp_path / "all.pdf") as merged:
        assert [list(p.mediabox) for p in merged.pages] == [[0, 0, 612, 792]] * 2


def test_a_resource_shared_by_the_sources_is_embedded_once(tmp_path, sources):
    merge_for_duplex(sources, tmp_path / "all.pdf")
    with pikepdf.open(tmp_path / "all.pdf") as merged:
        streams = [o for o in merged.objects if isinstance(o, pikepdf.Stream)]
        assert [o.read_bytes() for o in streams].count(SHARED_FONT) == 1


def test_strings_that_look_like_references_are_copied_unchanged(tmp_path, sources):
    merge_for_duplex(sources, tmp_path / "all.pdf")
    with pikepdf.open(tmp_path / "all.pdf") as merged:
        assert str(merged.pages[2].Resources.Note) == "(s2) 5 0 R \\"


def test_the_same_source_twice_gives_two_copies_of_its_pages(tmp_path, sources):
    merge_for_duplex([sources[1], sources[1]], tmp_path / "all.pdf")
    with pikepdf.open(tmp_path / "all.pdf") as merged:
        assert len({p.obj.objgen for p in merged.pages}) == 4
        assert merged.check_pdf_syntax() == []


def test_merging_again_writes_the_same_bytes(tmp_path, sources):
    merge_for_duplex(sources, tmp_path / "one.pdf")
    merge_for_duplex(sources, tmp_path / "two.pdf")
    assert (tmp_path / "one.pdf").read_bytes() == (tmp_path / "two.pdf").read_bytes()


def test_a_page_inherits_what_its_source_page_tree_gave_it(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 150))
    pdf.Root.Pages.MediaBox = pdf.pages[0].obj.MediaBox
    del pdf.pages[0].obj["/MediaBox"]
    pdf.save(tmp_path / "inherits.pdf")
    merge_for_duplex([tmp_path / "inherits.pdf"], tmp_path / "all.pdf")
    with pikepdf.open(tmp_path / "all.pdf") as merged:
        assert list(merged.pages[0].mediabox) == [0, 0, 100, 150]


def test_typeset_pages_are_drawn_exactly_as_in_their_sources(tmp_path):
    from quizgen.render import typst_pdf

    files = []
    for name, text in (("a", "= First\nSome *bold* text, $x^2 + 1$."), ("b", "Other $sum_i w_i$")):
        typst_pdf.write_pdf(text, tmp_path / f"{name}.pdf")
        files.append(tmp_path / f"{name}.pdf")
    merge_for_duplex(files, tmp_path / "all.pdf")
    merged = pypdfium2.PdfDocument(tmp_path / "all.pdf")
    for start, path in ((0, files[0]), (2, files[1])):
        alone = pypdfium2.PdfDocument(path)
        drawn = merged[start].render(scale=1).to_numpy()
        assert (drawn == alone[0].render(scale=1).to_numpy()).all()
        assert merged[start].get_textpage().get_text_range() == (
            alone[0].get_textpage().get_text_range()
        )
