"""One HTML copy's fixed cost, old code and new back to back: ``quizgen paper quiz --versions 1
--format html --seed S`` in fresh processes with the user's cache warm (a run before each
measured one), CPU seconds best of N, interleaved, and with ``--callgrind`` the instruction
count of one run each (valgrind's count holds whatever the load of a shared machine).

    python3 bench/one_copy_cost.py [--runs 5] [--callgrind] [SOURCE_DIR ...]

Each SOURCE_DIR is a checkout of quizgen put first on ``PYTHONPATH`` (e.g. ``git archive main |
tar -x -C /tmp/main``); none: the installed quizgen alone. Bytecode is written (as an installed
package has it), so the first run of each also compiles it.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile


def command(out: str, seed: int) -> list[str]:
    quizgen = [sys.executable, "-m", "quizgen", "paper", "quiz", "--versions", "1"]
    return [*quizgen, "--format", "html", "--seed", str(seed), "--out", out]


def environment(source: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if source:
        env["PYTHONPATH"] = source
    return env


def cpu_seconds(source: str | None, out: str, seed: int) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        command(out, seed), env=environment(source), cwd=out, check=True, capture_output=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def instructions(source: str | None, out: str, seed: int) -> int:
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*valgrind, *command(out, seed)],
        env=environment(source),
        cwd=out,  # not a checkout's folder: ``-m`` puts the working directory first on the path
        capture_output=True,
        text=True,
    )
    found = re.search(r"refs:\s+([\d,]+)", done.stderr)
    if done.returncode or found is None:
        raise SystemExit(f"valgrind failed: {done.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", help="quizgen checkouts (default: the installed)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--callgrind", action="store_true")
    args = parser.parse_args()
    sources: list[str | None] = list(args.sources) or [None]
    best = dict.fromkeys(sources, float("inf"))
    with tempfile.TemporaryDirectory() as out:
        for source in sources:
            cpu_seconds(source, out, args.seed)  # fills the user's cache, compiles bytecode
        for _ in range(args.runs):
            for source in sources:
                best[source] = min(best[source], cpu_seconds(source, out, args.seed))
        for source in sources:
            line = f"{source or 'installed'}: {best[source]:.3f} s CPU (best of {args.runs})"
            if args.callgrind:
                line += f", {instructions(source, out, args.seed) / 1e6:,.0f} M instructions"
            print(line, flush=True)


if __name__ == "__main__":
    main()
