"""Merged print files (``all-papers.pdf``): every student's PDF, one after the other, each
padded to an even page count so that each starts on a front page when printed duplex.

The file is written as the students come, one source PDF open at a time, so memory does not
grow with the class: a thousand students' papers took 454 MB in one pikepdf ``Pdf`` before.
Each object is written once per distinct content: numbered after its children, an object whose
bytes (children's new numbers included) were written before is not written again, so identical
font subsets, colour spaces and widths shared by several students are embedded once. Objects
other than streams are packed into compressed object streams, and the cross-reference table is
a compressed stream too. The bytes depend only on the source files and their order.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import pikepdf

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PAGES, CATALOG = 1, 2  # object numbers of the page tree and the catalog, written last
PACKED_PER_STREAM = 200  # objects in one object stream
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
#: a string (copied as it is) or an indirect reference "12 0 R" in qpdf's unparsed form,
#: where a literal string's parentheses and backslashes are always escaped
_STRING_OR_REFERENCE = re.compile(
    rb"(\((?:[^\\)]|\\.)*\)|<[0-9A-Fa-f\s]*>)|(?<![\w.#])(\d+) (\d+) R(?![\w])", re.DOTALL
)
_LENGTH = re.compile(rb"/Length (?:\d+ \d+ R|\d+)(?=[\s/>\]])")
_PARENT = re.compile(rb"/Parent \d+ \d+ R")


class DuplexWriter:
    """A print file written page by page: ``add`` each PDF in order, then ``close``."""

    def __init__(self, stream: BinaryIO) -> None:
        self.out = stream
        self.out.write(HEADER)
        self.position = len(HEADER)
        # xref entries by object number: (1, offset, 0) or (2, object stream, index)
        self.entries: dict[int, tuple[int, int, int]] = {}
        self.next_number = CATALOG + 1
        self.kids: list[int] = []
        self.written: dict[bytes, int] = {}  # digest of an object's bytes -> its number
        self.packed: list[tuple[int, bytes]] = []  # objects waiting for their object stream
        self.digest = hashlib.sha256()  # of everything written: the file's /ID

    def add(self, path: Path) -> int:
        """Append the pages of ``path``, and a blank page when their count is odd; returns
        the number of pages added."""
        with pikepdf.open(path) as pdf:
            numbers: dict[tuple[int, int], int] = {}
            for page in pdf.pages:
                _inherit(page.obj)
                self.kids.append(self._copy(pdf, page.obj.objgen, numbers, set()))
            if len(pdf.pages) % 2:
                self.kids.append(self._blank(pdf.pages[-1].mediabox.unparse()))
            return len(pdf.pages) + len(pdf.pages) % 2

    def close(self) -> None:
        """Write the page tree, the catalog and the cross-reference stream."""
        kids = b" ".join(b"%d 0 R" % kid for kid in self.kids)
        self._pack(PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.kids), kids))
        self._pack(CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES)
        self._flush_packed()
        identifier = self.digest.hexdigest()[:32].encode()
        number = self._number()
        self.entries[number] = (1, self.position, 0)
        width = max(4, (self.position.bit_length() + 7) // 8)
        rows = [b"\x00" + bytes(width) + b"\xff\xff"]  # object 0: the head of the free list
        for n in range(1, number + 1):
            kind, field, index = self.entries[n]
            rows.append(bytes([kind]) + field.to_bytes(width, "big") + index.to_bytes(2, "big"))
        data = zlib.compress(b"".join(rows))
        head = b"<< /Type /XRef /Size %d /W [ 1 %d 2 ] /Root %d 0 R /ID [ <%s> <%s> ] " % (
            number + 1,
            width,
            CATALOG,
            identifier,
            identifier,
        )
        start = self.position
        self._write(number, head + b"/Filter /FlateDecode /Length %d >>" % len(data), data)
        self.out.write(b"startxref\n%d\n%%%%EOF\n" % start)

    def _number(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    def _copy(
        self,
        pdf: pikepdf.Pdf,
        objgen: tuple[int, int],
        numbers: dict[tuple[int, int], int],
        open_: set[tuple[int, int]],
    ) -> int:
        """The number in the print file of ``pdf``'s object ``objgen``, written with what it
        refers to (children first). An object reached again through its own children (a
        link back to its page) is numbered before it is written, and never shared."""
        if objgen in numbers:
            return numbers[objgen]
        if objgen in open_:
            numbers[objgen] = self._number()
            return numbers[objgen]
        open_.add(objgen)
        obj = pdf.get_object(objgen)
        stream = isinstance(obj, pikepdf.Stream)
        text = (obj.stream_dict if stream else obj).unparse(resolved=True)
        page = not stream and isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Page"
        if stream:
            data = obj.read_raw_bytes()
            text = _LENGTH.sub(b"", text)
            text = text[: text.rindex(b">>")] + b"/Length %d >>" % len(data)
        elif page:  # each page once in the page tree, even two that look alike
            text = _PARENT.sub(b"/Parent %d 0 R" % PAGES, text)
            numbers[objgen] = self._number()

        def renumber(match: re.Match[bytes]) -> bytes:
            if match[1] is not None:
                return match[1]
            child = self._copy(pdf, (int(match[2]), int(match[3])), numbers, open_)
            return b"%d 0 R" % child

        text = _STRING_OR_REFERENCE.sub(renumber, text)
        open_.discard(objgen)
        key = hashlib.sha256(text + (b"stream" + data if stream else b"")).digest()
        if objgen in numbers:  # a page, or reached through its children: never shared
            number = numbers[objgen]
        elif key in self.written:
            numbers[objgen] = self.written[key]
            return numbers[objgen]
        else:
            number = numbers[objgen] = self._number()
            self.written[key] = number
        if stream:
            self._write(number, text, data)
        else:
            self._pack(number, text)
        return number

    def _blank(self, box: bytes) -> int:
        number = self._number()
        page = b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << >> >>" % (PAGES, box)
        self._pack(number, page)
        return number

    def _pack(self, number: int, text: bytes) -> None:
        self.packed.append((number, text))
        if len(self.packed) >= PACKED_PER_STREAM:
            self._flush_packed()

    def _flush_packed(self) -> None:
        if not self.packed:
            return
        stream = self._number()
        offsets, body = [], b""
        for index, (number, text) in enumerate(self.packed):
            offsets.append(b"%d %d" % (number, len(body)))
            body += text + b"\n"
            self.entries[number] = (2, stream, index)
        head = b" ".join(offsets) + b"\n"
        data = zlib.compress(head + body, 9)
        self._write(
            stream,
            b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
            % (len(self.packed), len(head), len(data)),
            data,
        )
        self.packed = []

    def _write(self, number: int, text: bytes, data: bytes) -> None:
        chunk = b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (number, text, data)
        self.entries[number] = (1, self.position, 0)
        self.out.write(chunk)
        self.position += len(chunk)
        self.digest.update(chunk)


def _inherit(page: pikepdf.Object) -> None:
    """Give a page what it inherits from the page tree, which is not copied."""
    for key in INHERITED:
        node = page
        while key not in node and "/Parent" in node:
            node = node.Parent
        if key in node and node is not page:
            page[key] = node[key]


def merge_for_duplex(files: Iterable[Path], target: Path) -> None:
    """Write ``target`` from ``files`` in order, each padded to an even page count."""
    with target.open("wb") as stream:
        writer = DuplexWriter(stream)
        for path in files:
            writer.add(path)
        writer.close()
