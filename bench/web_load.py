"""Load test of `quizgen serve`: a class of students answering at once on loopback.

    python3 bench/web_load.py [--students 50] [--answers 20] [--limit 180]

Starts the real server (uvicorn, one process) with a class roster, then N simulated students
(asyncio + httpx2, one connection each) open their private link, start a practice of every
topic, and answer part after part, about two answers a second each (a think time of 0.2-0.6 s),
right about two times in three, from the problem behind the item code on their page. Every
answer POST is timed; afterwards each student's history database must hold exactly the answers
the server accepted. Bounded: N x ANSWERS answers, and LIMIT seconds at most.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from web_helpers import serve_command, shown_problem, start_site, typed

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PART = re.compile(r'name="part" value="([^"]+)"')


def wrong(text: str) -> str:
    """A wrong answer of the same kind: every number off by one."""

    def off(match: re.Match[str]) -> str:
        number = match.group()
        return str(int(number) + 1) if "." not in number else f"{float(number) + 1:.4f}"

    return re.sub(r"-?\d+(?:\.\d+)?", off, text)


async def student(client, link: str, answers: int, rng: random.Random, timings: list[float]):

    page = (await client.get(link)).text
    await client.post(
        f"{link}start", data={"csrf": CSRF.search(page)[1], "count": "30", "difficulty": "medium"}
    )
    accepted = 0
    while accepted < answers:
        page = (await client.get(f"{link}practice")).text
        token = CSRF.search(page)[1]
        key = PART.search(page)
        if key is None:  # the problem is over (or the practice): on to the next
            await client.post(f"{link}next", data={"csrf": token})
            continue
        _, solution = shown_problem(page)
        right = typed(solution, key[1])
        text = right if rng.random() < 0.67 else wrong(right)
        await asyncio.sleep(rng.uniform(0.2, 0.6))
        started = time.perf_counter()
        response = await client.post(
            f"{link}answer", data={"csrf": token, "part": key[1], key[1]: text}
        )
        timings.append(time.perf_counter() - started)
        if response.status_code != 303:
            raise RuntimeError(f"answer refused: {response.status_code}")
        if "not counted" in (await client.get(f"{link}practice")).text:
            raise RuntimeError(f"answer {text!r} not read as a {key[1]}")
        accepted += 1
    return accepted


async def run(base: str, links: list[str], answers: int, limit: float):
    import httpx2 as httpx

    rng = random.Random(2026)
    timings: list[float] = []
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in links]
    try:
        accepted = await asyncio.wait_for(
            asyncio.gather(
                *(
                    student(c, link, answers, random.Random(rng.random()), timings)
                    for c, link in zip(clients, links)
                )
            ),
            limit,
        )
    finally:
        for client in clients:
            await client.aclose()
    return accepted, timings


def measure(students: int, answers: int, limit: float) -> dict:
    """Serve a class of ``students``, let each give ``answers``; what was accepted, what was
    stored, and the answer checks' latencies (seconds, sorted)."""
    folder = Path(tempfile.mkdtemp(prefix="quizgen-load-"))
    roster = folder / "roster.csv"
    ids = [f"s{i:03d}" for i in range(students)]
    roster.write_text("id,name\n" + "".join(f"{i},Student {i}\n" for i in ids))
    server, base, _ = start_site(
        serve_command("--class", str(roster), "--class-dir", str(folder / "practice"))
    )
    try:
        rows = (folder / "practice" / "links.csv").read_text().splitlines()[1:]
        links = ["/" + row.split(",")[-1].split("/", 3)[3] for row in rows]
        started = time.perf_counter()
        accepted, timings = asyncio.run(run(base, links, answers, limit))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    stored = []
    for sid in ids:
        with sqlite3.connect(folder / "practice" / "history" / f"{sid}.sqlite") as db:
            stored.append(db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
    return {"accepted": accepted, "stored": stored, "timings": sorted(timings), "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--limit", type=float, default=180)
    options = parser.parse_args()
    result = measure(options.students, options.answers, options.limit)
    accepted, stored, timings = result["accepted"], result["stored"], result["timings"]
    lost = sum(a - s for a, s in zip(accepted, stored))
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"students {options.students}, answers accepted {sum(accepted)}, stored "
        f"{sum(stored)}, lost {lost}, in {result['wall']:.1f} s "
        f"({sum(accepted) / result['wall']:.0f} answers/s)"
    )
    print(
        f"answer check: median {1000 * statistics.median(timings):.1f} ms, p95 "
        f"{1000 * p95:.1f} ms, max {1000 * timings[-1]:.1f} ms"
    )
    ok = lost == 0 and p95 < 0.1
    print("PASS" if ok else "FAIL", "(every answer stored, p95 under 100 ms)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
