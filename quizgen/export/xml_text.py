"""An element tree as indented XML text in one pass: the bytes of ``ET.indent(root)`` then
``ET.tostring(root, encoding="unicode")``, which walk the tree three times (indenting, looking
for namespaces, writing) and took half of a QTI export's time.

For the trees the exporters build: plain tag and attribute names (no namespaces, comments or
processing instructions) and string values. Tests hold it to ElementTree's output.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

SPACE = "  "
#: what ElementTree escapes, in its order (``&`` first): in text, and in attribute values
_TEXT = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE = (*_TEXT, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escaped(text: str, specials: tuple[tuple[str, str], ...]) -> str:
    """``text`` with ``specials`` replaced; most texts have none, and a test for each is
    cheaper than a ``str.translate`` pass."""
    for special, entity in specials:
        if special in text:
            text = text.replace(special, entity)
    return text


def indented(root: ET.Element) -> str:
    """``root`` as ElementTree writes it once indented by ``ET.indent`` (two spaces a level);
    the tree itself is left as it was."""
    out: list[str] = []
    _write(root, 0, out)
    return "".join(out)


def _write(element: ET.Element, level: int, out: list[str]) -> None:
    tag = element.tag
    assert isinstance(tag, str)  # no comments or processing instructions here
    out.append(f"<{tag}")
    for name, value in element.items():
        out.append(f' {name}="{_escaped(value, _ATTRIBUTE)}"')
    text = element.text
    if len(element):
        inner = "\n" + SPACE * (level + 1)
        out.append(">")
        out.append(inner if not text or not text.strip() else _escaped(text, _TEXT))
        last = len(element) - 1
        for i, child in enumerate(element):
            _write(child, level + 1, out)
            tail = child.tail
            if tail and tail.strip():
                out.append(_escaped(tail, _TEXT))
            else:
                out.append("\n" + SPACE * level if i == last else inner)
        out.append(f"</{tag}>")
    elif text:
        out.append(f">{_escaped(text, _TEXT)}</{tag}>")
    else:
        out.append(" />")
