"""Item codes: a few characters printed beside a question that regenerate exactly that problem.

``SGM-3GKE1BD-SE`` is topic code ``SG`` (sigmoid), difficulty ``M`` (medium), the problem's
32-bit seed in Crockford base 32 (no I, L, O or U, so it reads back from paper without doubt)
and two check characters. A problem asked in a form other than ``forward`` has a fourth head
letter naming it (``I`` inverse, ``W`` whatif, ``S`` spot: ``SGMI-3GKE1BD-..``); a forward
problem has none, so every code printed before forms existed reads as it did. The check is a
Reed-Solomon code over GF(32) on every character of the code, the form letter included: any
single wrong character and any swap of two characters is caught, and a single wrong character
can be put right, so a typo is refused with "did you mean ...?" instead of silently naming
another problem.

Codes printed before the check existed (``SGM-3GKE1BD``, no second dash) still decode, unchecked.

>>> code = encode("sigmoid", "medium", 3778479469)
>>> code, decode(code)
('SGM-3GKE1BD-SE', ItemCode(topic='sigmoid', difficulty='medium', seed=3778479469, form='forward'))
>>> decode("sgm-3gke1bd-se") == decode(code) == decode("SGM-3GKE1BD")  # case, old codes
True
>>> encode("sigmoid", "medium", 3778479469, "inverse"), decode("SGMI-3GKE1BD-SK").form
('SGMI-3GKE1BD-SK', 'inverse')
"""

from __future__ import annotations

from typing import NamedTuple

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.core.model import DIFFICULTIES, Difficulty, Form

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 7  # 7 x 5 bits >= 32 bits
CHECK_LENGTH = 2
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the head (topic, difficulty, form) is plain letters
#: the head's fourth letter for each form but ``forward`` (which has none)
FORM_LETTERS: dict[Form, str] = {"inverse": "I", "whatif": "W", "spot": "S"}
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_EXAMPLE = (
    "expected e.g. SGM-3GKE1BD-SE (topic, difficulty E/M/H, a form letter I/W/S unless "
    "forward, seven characters, two checks)"
)


class ItemCode(NamedTuple):
    """What an item code names: the problem ``make_problem(topic, seed, difficulty, form)``."""

    topic: str
    difficulty: Difficulty
    seed: int
    form: Form = "forward"


def _gf_tables() -> tuple[list[int], list[int]]:
    """Powers and logarithms of GF(32) = GF(2)[x] / (x^5 + x^2 + 1), generator x."""
    powers, logs, value = [0] * 62, [0] * 32, 1
    for exponent in range(31):
        powers[exponent] = powers[exponent + 31] = value
        logs[value] = exponent
        value <<= 1
        if value & 32:
            value ^= 0b100101
    return powers, logs


_POW, _LOG = _gf_tables()


def _times_power(value: int, exponent: int) -> int:
    """value * x**exponent in GF(32)."""
    return 0 if value == 0 else _POW[(_LOG[value] + exponent) % 31]


def _syndromes(values: list[int]) -> tuple[int, int]:
    """(sum v_i x^i, sum v_i x^2i): both zero exactly for a valid code."""
    first = second = 0
    for i, value in enumerate(values):
        first ^= _times_power(value, i)
        second ^= _times_power(value, 2 * i)
    return first, second


def _check_values(values: list[int]) -> tuple[int, int]:
    """The two check values that, appended to ``values``, make both syndromes zero."""
    p, q = len(values), len(values) + 1
    a, b = _syndromes(values)
    det_log = _LOG[_POW[p] ^ _POW[q]] + p + q  # x^(p+q) (x^p + x^q), never zero as p != q
    first = _times_power(_times_power(a, 2 * q) ^ _times_power(b, q), -det_log)
    second = _times_power(_times_power(a, 2 * p) ^ _times_power(b, p), -det_log)
    return first, second


def _values(head: str, body: str) -> list[int] | None:
    """The code's characters as GF(32) values, or None if one is out of place."""
    if not all(ch in LETTERS for ch in head) or not all(ch in ALPHABET for ch in body):
        return None
    return [LETTERS.index(ch) for ch in head] + [ALPHABET.index(ch) for ch in body]


def encode(topic: str, difficulty: Difficulty, seed: int, form: Form = "forward") -> str:
    """The checked code of a problem (``form`` a form of the topic: an error otherwise)."""
    digits = []
    for _ in range(LENGTH):
        seed, digit = divmod(seed, 32)
        digits.append(ALPHABET[digit])
    topic_code = topics.get(topic, form).code  # an error for a form the topic lacks
    head = f"{topic_code}{difficulty[0].upper()}{FORM_LETTERS.get(form, '')}"
    body = "".join(reversed(digits))
    values = _values(head, body)
    assert values is not None
    check = "".join(ALPHABET[v] for v in _check_values(values))
    return f"{head}-{body}-{check}"


def decode(code: str) -> ItemCode:
    """What an item code names, or a QuizgenError saying what is wrong (with the code meant,
    when one character changed or two neighbours swapped make it valid). A form's code is
    always checked: only forward codes were ever printed without the check."""
    text = "".join(code.split()).upper()
    head, _, tail = text.partition("-")
    checked = "-" in tail or len(tail) == LENGTH + CHECK_LENGTH
    body = tail.replace("-", "").translate(_LOOKALIKES)
    if checked and len(head) in (3, 4) and len(body) == LENGTH + CHECK_LENGTH:
        if not _valid(head, body):
            raise QuizgenError(_typo_message(code, head, body))
        body = body[:LENGTH]
    decoded = _parse(head, body)
    if decoded is None or (checked and len(body) != LENGTH) or (len(head) > 3 and not checked):
        raise QuizgenError(f'"{code}" is not an item code: {_EXAMPLE}')
    return decoded


def _parse(head: str, body: str) -> ItemCode | None:
    """The code's meaning, or None when its head names no topic, difficulty or form of the
    topic, or its body is not seven characters of the alphabet."""
    topic = topics.by_code(head[:2])
    difficulty = next((d for d in DIFFICULTIES if d[0].upper() == head[2:3]), None)
    form = next((f for f, letter in FORM_LETTERS.items() if letter == head[3:]), None)
    if len(head) == 3:
        form = "forward"
    if topic is None or difficulty is None or form not in topic.forms or len(body) != LENGTH:
        return None
    if not all(ch in ALPHABET for ch in body):
        return None
    seed = 0
    for ch in body:
        seed = seed * 32 + ALPHABET.index(ch)
    return ItemCode(topic.name, difficulty, seed, form)


def _valid(head: str, body: str) -> bool:
    values = _values(head, body)
    return values is not None and _syndromes(values) == (0, 0)


def _typo_message(code: str, head: str, body: str) -> str:
    meant = suggestions(head + body, len(head))
    hint = f"; did you mean {' or '.join(meant)}?" if meant else f"; {_EXAMPLE}"
    return f'"{code}" is not a valid item code: a character is wrong (the check fails){hint}'


def suggestions(characters: str, head_length: int = 3) -> list[str]:
    """The valid codes one change away from ``characters`` (a head of ``head_length`` letters
    and the body run together): a form's letter left out, two neighbours swapped, or one
    character replaced (the check makes that one unique: the syndromes give its place and its
    error)."""
    found: list[str] = []

    def consider(candidate: str, length: int = head_length) -> None:
        head, body = candidate[:length], candidate[length:]
        if _valid(head, body) and _parse(head, body[:LENGTH]) is not None:
            shown = f"{head}-{body[:LENGTH]}-{body[LENGTH:]}"
            if shown not in found:
                found.append(shown)

    def allowed(place: int) -> str:
        return LETTERS if place < head_length else ALPHABET

    if head_length == 3:  # a form's letter left out
        for letter in FORM_LETTERS.values():
            consider(characters[:3] + letter + characters[3:], 4)
    for i in range(len(characters) - 1):
        consider(characters[:i] + characters[i + 1] + characters[i] + characters[i + 2 :])
    values = _values(characters[:head_length], characters[head_length:])
    if values is None:  # a character out of place: try every one in its place
        for i, ch in enumerate(characters):
            if ch not in allowed(i):
                for other in allowed(i):
                    consider(characters[:i] + other + characters[i + 1 :])
        return found
    first, second = _syndromes(values)
    if first and second:
        place = (_LOG[second] - _LOG[first]) % 31
        if place < len(values):
            value = values[place] ^ _times_power(first, -place)
            if value < len(allowed(place)):
                consider(characters[:place] + allowed(place)[value] + characters[place + 1 :])
    return found
