"""XML written as text, line by line, in the bytes ElementTree writes for a tree indented by
``ET.indent`` (two spaces a level, ``<tag />`` for an empty element): the exporters' documents
have a fixed shape per question type, and building an element tree for each question and then
walking it took most of an export's time.

The callers escape each value once (:func:`text`, :func:`attribute`) and may reuse it: a QTI
item's stem and worked solution stand in every one of its numerical questions. Tests hold the
exports to what ElementTree writes when it indents them again.
"""

from __future__ import annotations

SPACE = "  "
#: what ElementTree escapes, in its order (``&`` first): in text, and in attribute values
_TEXT = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE = (*_TEXT, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escaped(value: str, specials: tuple[tuple[str, str], ...]) -> str:
    """``value`` with ``specials`` replaced; most values have none, and a test for each is
    cheaper than a ``str.translate`` pass."""
    for special, entity in specials:
        if special in value:
            value = value.replace(special, entity)
    return value


def text(value: str) -> str:
    """``value`` escaped for a text node, as ElementTree escapes it. Escaping works character
    by character, so the escaped pieces of a text join to the escaped text."""
    return _escaped(value, _TEXT)


def attribute(value: str) -> str:
    """``value`` escaped for a double-quoted attribute value, as ElementTree escapes it."""
    return _escaped(value, _ATTRIBUTE)


def leaf(pad: str, tag: str, escaped: str, attrs: str = "") -> str:
    """An element holding only (escaped) text, as a line indented by ``pad``; ``attrs`` is its
    attributes as written (`` name="value"``). Without text it is written ``<tag />``."""
    if escaped:
        return f"{pad}<{tag}{attrs}>{escaped}</{tag}>\n"
    return f"{pad}<{tag}{attrs} />\n"


def parent(pad: str, tag: str, children: str, attrs: str = "") -> str:
    """An element holding ``children`` (lines already indented one level deeper than ``pad``),
    or ``<tag />`` when there are none."""
    if children:
        return f"{pad}<{tag}{attrs}>\n{children}{pad}</{tag}>\n"
    return f"{pad}<{tag}{attrs} />\n"


def document(root: str) -> str:
    """A whole UTF-8 document: the declaration, then the root element's lines."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + root
