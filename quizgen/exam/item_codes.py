"""Item codes: a few characters printed beside a question that regenerate exactly that problem.

``SGM-3GKE1BD`` is topic code ``SG`` (sigmoid), difficulty ``M`` (medium) and the problem's
32-bit seed in Crockford base 32 (no I, L, O or U, so it reads back from paper without doubt).

>>> code = encode("sigmoid", "medium", 3778479469)
>>> code, decode(code)
('SGM-3GKE1BD', ('sigmoid', 'medium', 3778479469))
>>> decode("sgm-3gke1bd") == decode(code)  # case and look-alike letters are forgiven
True
"""

from __future__ import annotations

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.core.model import DIFFICULTIES, Difficulty

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 7  # 7 x 5 bits >= 32 bits
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def encode(topic: str, difficulty: Difficulty, seed: int) -> str:
    digits = []
    for _ in range(LENGTH):
        seed, digit = divmod(seed, 32)
        digits.append(ALPHABET[digit])
    return f"{topics.get(topic).code}{difficulty[0].upper()}-{''.join(reversed(digits))}"


def decode(code: str) -> tuple[str, Difficulty, int]:
    """(topic, difficulty, seed) of an item code, or a QuizgenError saying what is wrong."""
    text = code.strip().upper()
    head, _, tail = text.partition("-")
    topic = topics.by_code(head[:2])
    difficulty = next((d for d in DIFFICULTIES if d[0].upper() == head[2:]), None)
    tail = tail.translate(_LOOKALIKES)
    if (
        topic is None
        or difficulty is None
        or len(tail) != LENGTH
        or not all(ch in ALPHABET for ch in tail)
    ):
        raise QuizgenError(
            f'"{code}" is not an item code: expected e.g. SGM-3GKE1BD (topic, difficulty '
            "E/M/H, then seven characters)"
        )
    seed = 0
    for ch in tail:
        seed = seed * 32 + ALPHABET.index(ch)
    return topic.name, difficulty, seed
