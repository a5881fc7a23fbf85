"""Writers: turn problems and solutions (plain data) into text, HTML, PDF and other formats."""

from __future__ import annotations

from typing import Any

from quizgen.core.resources import TEMPLATES


def partial(item: Any, folder: str, suffix: str) -> str:
    """The template for one item: ``bank/<kind>`` for a bank question, else
    ``problems/<topic>`` when the topic has its own, else ``problems/_default``."""
    from quizgen.exam.model import BankItem

    if isinstance(item, BankItem):
        return f"{folder}bank/{item.kind}{suffix}"
    specific = f"{folder}problems/{item.problem.topic}{suffix}"
    return specific if (TEMPLATES / specific).exists() else f"{folder}problems/_default{suffix}"
