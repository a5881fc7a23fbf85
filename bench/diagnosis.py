"""Benchmark of diagnosis: what ``quizgen check`` spends judging one problem's typed answers,
with the listed mistakes, two at once and every single edit of the computation searched
(run by hand, not in CI's tests).

    python3 bench/diagnosis.py              # 20 problems per topic and difficulty
    python3 bench/diagnosis.py --problems 5 # a first look
    python3 bench/diagnosis.py --topic rnn  # one topic (repeatable)
    python3 bench/diagnosis.py --repeat 3   # each check's least time of 3 (a loaded machine)

Pinned to one core. Each problem is checked, in a warm process, once with wrong answers that
no mistake explains (every part searched, nothing named: the slowest path) and once with a
single edit's answer; reports the median and the worst milliseconds per check, per topic and
difficulty, in CPU time of the process. The target is under 100 ms for both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from quizgen.core.latex import answer_text
from quizgen.core.model import DIFFICULTIES
from quizgen.core.mutation import mutants
from quizgen.exam.item_codes import encode
from quizgen.exam.problems import make_problem
from quizgen.practice.checking import check_report
from quizgen.topics import registry


def timed(code: str, problem: object, typed: list[str], repeat: int = 1) -> float:
    """CPU milliseconds of one check (the process's own time: other work on a shared
    machine does not count), the least of ``repeat`` runs (other work sharing the core's
    caches only ever adds to it)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        check_report(code, problem, typed)
        best = min(best, (time.process_time() - started) * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=20)
    parser.add_argument("--topic", action="append", help="only this topic (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="least time of N runs per check")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print("| topic | difficulty | median ms | worst ms |")
    print("|---|---|---:|---:|")
    worst_of_all = 0.0
    for name, topic in registry().items():
        if args.topic and name not in args.topic:
            continue
        for difficulty in DIFFICULTIES:
            times = []
            for seed in range(args.problems):
                problem = make_problem(name, seed, difficulty)
                code = encode(name, difficulty, seed)
                solution = topic.solve(problem.params)
                slips = [answer_text(7.31, p.precision) for p in solution.parts]
                timed(code, problem, slips)  # warm the topic's caches once
                times.append(timed(code, problem, slips, args.repeat))
                computation = getattr(topic.module, "computation", None)
                edits = mutants(computation(problem.params)) if computation else []
                if edits:
                    answer = edits[seed % len(edits)].answer
                    typed = [answer_text(answer[p.key], p.precision) for p in solution.parts]
                    times.append(timed(code, problem, typed, args.repeat))
            worst = max(times)
            worst_of_all = max(worst_of_all, worst)
            print(f"| {name} | {difficulty} | {statistics.median(times):.1f} | {worst:.1f} |")
    print(f"\nworst of all: {worst_of_all:.1f} ms")


if __name__ == "__main__":
    main()
