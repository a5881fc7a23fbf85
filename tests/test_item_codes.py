"""Item codes: every code regenerates its problem, and a typo is refused, never another problem."""

from __future__ import annotations

import numpy as np
import pytest

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.exam.item_codes import ALPHABET, LETTERS, decode, encode


def _sample_codes(count: int = 12) -> list[tuple[str, tuple[str, str, int]]]:
    rng = np.random.default_rng(21)
    names = list(topics.registry())
    drawn = []
    for k in range(count):
        topic = names[k % len(names)]
        difficulty = ("easy", "medium", "hard")[k % 3]
        seed = int(rng.integers(0, 2**32))
        drawn.append((encode(topic, difficulty, seed), (topic, difficulty, seed)))
    return drawn


def _positions(code: str) -> list[int]:
    return [i for i, ch in enumerate(code) if ch != "-"]


def test_codes_decode_to_what_they_encode():
    for code, decoded in _sample_codes():
        assert decode(code) == decoded


def test_every_single_character_change_is_refused_with_the_right_code_suggested():
    for code, _ in _sample_codes():
        for i in _positions(code):
            for ch in (LETTERS if i < 3 else ALPHABET).replace(code[i], ""):
                typo = code[:i] + ch + code[i + 1 :]
                with pytest.raises(QuizgenError, match="did you mean") as refused:
                    decode(typo)
                assert code in str(refused.value)


def test_every_swap_of_two_neighbours_is_refused():
    for code, _ in _sample_codes():
        letters = [i for i in _positions(code) if i + 1 in _positions(code)]
        for i in letters:
            if code[i] == code[i + 1]:
                continue
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            with pytest.raises(QuizgenError, match="not a valid item code") as refused:
                decode(swapped)
            assert code in str(refused.value)


def test_the_one_character_typo_of_the_issue_no_longer_names_another_problem():
    code = encode("sigmoid", "medium", decode("SGM-3GKE1BD")[2])
    typo = code.replace("1BD-", "1BX-")
    with pytest.raises(QuizgenError, match=f"did you mean {code}"):
        decode(typo)


def test_codes_printed_before_the_check_still_decode():
    assert decode("SGM-3GKE1BD") == ("sigmoid", "medium", 3778479469)
    assert decode("sgm-3gke1bd") == decode("SGM-3GKE1BD-SE")


def test_a_code_missing_a_character_is_refused():
    code = encode("relu", "easy", 12345)
    for i in _positions(code)[3:]:
        with pytest.raises(QuizgenError):
            decode(code[:i] + code[i + 1 :])


def test_case_spaces_and_look_alike_letters_are_forgiven():
    code = encode("softmax", "hard", 101)
    assert decode(f" {code.lower()} ") == decode(code)
    assert decode(code.replace("0", "O").replace("1", "I")) == decode(code)
