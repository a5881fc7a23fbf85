"""README's command examples run as written, so README cannot drift from the program.

Every `quizgen ...` line in README's fenced shell blocks runs, in README order, in one scratch
folder that holds what the examples name (a roster, your own bank folder, an exam file) and
sees the repository's banks/ and examples/. Paper commands that would typeset WeasyPrint PDFs
get `--format html` added: the options are parsed and checked the same, and PDFs are tested
elsewhere (a handful, not every README example).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from web_helpers import start_site

pytestmark = [
    pytest.mark.slow,  # runs the README's commands end to end
    pytest.mark.xdist_group("readme"),  # one worker, in order: later commands read earlier output
]

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MY_BANK = """\
section: 3
questions:
  - id: my-sigmoid-at-zero
    kind: choice
    prompt: What is $\\sigma(0)$?
    options:
      - {text: '$\\frac{1}{2}$', correct: true, why: $e^0 = 1$.}
      - {text: '$0$', why: That is ReLU at zero.}
"""


def readme_commands() -> list[str]:
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("#"):
                continue
            start = line.find("quizgen ")
            if start == 0 or line[:start].rstrip().endswith("&&"):
                commands.append(line[start:])
    return commands


COMMANDS = readme_commands()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    for name in ("banks", "examples"):
        (folder / name).symlink_to(ROOT / name)
    rows = "".join(f"s{i:03d},Student {i}\n" for i in (1, 2, 42))
    (folder / "students.csv").write_text("id,name\n" + rows, encoding="utf-8")
    (folder / "my-banks").mkdir()
    (folder / "my-banks" / "mine.yaml").write_text(MY_BANK, encoding="utf-8")
    shutil.copy(ROOT / "banks" / "exams" / "quiz.yaml", folder / "exam.yaml")
    return folder


def test_readme_shows_the_commands_worth_running():
    assert len(COMMANDS) >= 25
    assert any(c.startswith("quizgen paper banks/exams/midterm.yaml --seed 2026") for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(command, scratch):
    if shutil.which("quizgen") is None:
        pytest.skip("quizgen is not installed on PATH")
    words = shlex.split(command)
    if words[1] == "paper" and "--format" not in words and "typst" not in words:
        command += " --format html"
    env = {
        **os.environ,
        "HOME": str(scratch),
        "XDG_DATA_HOME": str(scratch / "data"),
        "SLURM_ARRAY_TASK_ID": "1",
        "NO_COLOR": "1",
    }
    if words[1] == "serve":
        serve(command, scratch, env)
        return
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=scratch,
        env=env,
        input="q\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr
    if words[1] == "check":
        assert "✗" not in result.stdout, "README's check example should give the right answers"


def serve(command: str, scratch: Path, env: dict[str, str]) -> None:
    """A `quizgen serve` example starts, says where it serves, answers its first page."""
    import urllib.request

    words = [w for w in shlex.split(command) if w]
    if "--port" not in words:
        words += ["--port", "0"]
    process, url, _ = start_site(words, cwd=scratch, env=env)
    try:
        port = url.rsplit(":", 1)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(10)


def _difficulty_row(topic: str) -> list[str]:
    row = next(line for line in README.splitlines() if line.startswith(f"| {topic} |"))
    return [cell.strip() for cell in row.strip("|").split("|")]


def test_readme_says_medium_sigmoid_draws_integers_too():
    from quizgen.exam.problems import make_problem

    draws = {make_problem("sigmoid", seed, "medium").params.z for seed in range(200)}
    assert any(z == int(z) for z in draws) and any(z != int(z) for z in draws)
    assert "half-integer" not in _difficulty_row("sigmoid")[2]


def test_readme_says_what_medium_stride_2_convolutions_give():
    from quizgen.core.cnn import out_size

    assert out_size(32, 4, 2, 0) == 15 and out_size(32, 4, 2, 1) == 16 == out_size(32, 2, 2, 0)
    said = " ".join(README.split())
    assert "4x4 with padding 0 gives n/2 - 1 (32 to 15)" in said
