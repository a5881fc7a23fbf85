"""Item codes: every code regenerates its problem, and a typo is refused, never another problem."""

from __future__ import annotations

import json

import numpy as np
import pytest

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.exam.item_codes import ALPHABET, LETTERS, decode, encode


def _sample_codes(count: int = 12) -> list[tuple[str, tuple[str, str, int, str]]]:
    rng = np.random.default_rng(21)
    names = list(topics.registry())
    drawn = []
    for k in range(count):
        topic = names[k % len(names)]
        difficulty = ("easy", "medium", "hard")[k % 3]
        seed = int(rng.integers(0, 2**32))
        drawn.append((encode(topic, difficulty, seed), (topic, difficulty, seed, "forward")))
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
    assert decode("SGM-3GKE1BD") == ("sigmoid", "medium", 3778479469, "forward")
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


def _run(*args: str) -> str:
    from click.testing import CliRunner

    from quizgen.cli import cli

    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_generated_records_carry_the_code_that_check_turns_back_into_the_same_record():
    lines = _run(
        "generate", "-t", "sigmoid", "-t", "conv_shape", "-n", "2", "-s", "5", "-f", "jsonl"
    )
    for line in lines.splitlines():
        record = json.loads(line)
        report = json.loads(_run("check", record["code"], "--format", "json"))
        assert report["record"] == record


def test_solved_records_carry_their_code_only_when_it_regenerates_their_params(tmp_path):
    drawn = json.loads(_run("generate", "-t", "relu", "-s", "3", "-f", "jsonl"))
    edited = {**drawn, "params": {**drawn["params"], "z": [9, 9, 9, 9, 9]}}
    hand_made = {"topic": "sigmoid", "params": {"z": 0.5}}
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (drawn, edited, hand_made)))
    solved = [json.loads(line) for line in _run("solve", str(path), "-f", "jsonl").splitlines()]
    assert solved[0]["code"] == drawn["code"]
    assert "code" not in solved[1] and "code" not in solved[2]
