"""Benchmark of the spot form: what drawing one spot problem costs (every single edit of the
worked solution tried, the named mistakes matched) and writing its question and key (run by
hand, not in CI's tests).

    python3 bench/spot.py              # 20 draws per topic and difficulty
    python3 bench/spot.py --draws 5    # a first look

Pinned to one core; reports the median and the worst CPU milliseconds per draw (generate,
solve and stem together), per topic and difficulty, and how many draws showed a named mistake.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from quizgen.core.model import DIFFICULTIES
from quizgen.topics import get, registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print("| topic | difficulty | median ms | worst ms | named |")
    print("|---|---|---:|---:|---:|")
    for name, topic in registry().items():
        if "spot" not in topic.forms:
            continue
        spot = get(name, "spot")
        for difficulty in DIFFICULTIES:
            times, named = [], 0
            for seed in range(args.draws):
                started = time.process_time()
                params = spot.generate(np.random.default_rng(seed), difficulty)
                spot.solve(params)
                spot.stem(params)
                times.append((time.process_time() - started) * 1000)
                named += params.mistake is not None  # type: ignore[attr-defined]
            median, worst = statistics.median(times), max(times)
            print(f"| {name} | {difficulty} | {median:.1f} | {worst:.1f} | {named}/{args.draws} |")


if __name__ == "__main__":
    main()
