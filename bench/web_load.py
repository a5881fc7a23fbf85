"""Load test of `quizgen serve`: a class of students answering at once on loopback.

    python3 bench/web_load.py [--students 200] [--answers 60] [--think 1.0] [--limit 240]
        [--workers N] [--kill-after SECONDS] [--postgres] [--profile STATS]

Starts the real server (uvicorn, one process, SQLite) with a class roster, then N simulated
students (asyncio, one kept-alive HTTP/1.1 connection each) open their private link, start a
practice of every topic, and answer part after part, one answer about every THINK seconds each
(0.5-1.5 x THINK), right about two times in three, from the problem behind the item code on
their page; every fifth answer they reload their history page (charts included). Every answer
POST and history GET is timed; afterwards each student's history database must hold exactly
the answers the server accepted. Bounded: N x ANSWERS answers, and LIMIT seconds at most.
Prints a PASS or FAIL line for each target: nothing lost, every student's answers given,
answer p95 < 50 ms, history p95 < 200 ms (and with --kill-after: the killed worker's students
carried on); exits 0 when all pass. The server's CPU time per answer (its processes' rusage
over the answers acknowledged) is printed too: unlike the latencies, it does not depend on
what else the machine is doing.

``--profile STATS`` runs the (one-process) server under cProfile with a CPU-time clock
(``profiled_serve.py``) and writes its statistics to STATS: where the server's CPU goes.

``--postgres`` keeps the class in PostgreSQL (``--database``): a throwaway cluster started as
the tests do (tests/postgres_cluster.py), or the server QUIZGEN_TEST_POSTGRES names. The
issue's two runs: ``--students 200`` (one process, SQLite) and ``--students 200 --workers 4
--postgres --kill-after 20``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from web_helpers import CODE, serve_command, shown_problem, start_site, typed

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PART = re.compile(r'name="part" value="([^"]+)"')


SOLVED: dict[str, object] = {}  # by item code


def solution_of(code: str, page: str):
    """The solution of the problem a practice page shows (under ``code``), worked out once per
    problem: the load generator shares the machine with the server, so it should cost little."""
    if code not in SOLVED:
        SOLVED[code] = shown_problem(page)[1]
    return SOLVED[code]


def wrong(text: str) -> str:
    """A wrong answer of the same kind: every number off by one."""

    def off(match: re.Match[str]) -> str:
        number = match.group()
        return str(int(number) + 1) if "." not in number else f"{float(number) + 1:.4f}"

    return re.sub(r"-?\d+(?:\.\d+)?", off, text)


class TransportError(Exception):
    """The connection went away (a killed worker, say) before the whole reply came."""


class Client:
    """A kept-alive HTTP/1.1 connection to the server, opened again when it closes: GETs and
    form POSTs, redirects not followed, nothing else. Raw asyncio streams rather than an HTTP
    library, since the load generator shares the machine's two cores with the server (httpx
    cost it as much CPU per answer as the server's own)."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        address = urlsplit(base)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.header = f"Host: {address.netloc}\r\n"
        self.timeout = timeout
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, str]:
        return await self.request(f"GET {path} HTTP/1.1\r\n{self.header}\r\n".encode())

    async def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        body = urlencode(data).encode()
        head = (
            f"POST {path} HTTP/1.1\r\n{self.header}Content-Type: application/x-www-form-"
            f"urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return await self.request(head.encode() + body)

    async def request(self, message: bytes) -> tuple[int, str]:
        """(status, body) of one request; TransportError if the connection is lost first."""
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await self._connection()
                writer.write(message)
                status, close, body = await self._reply(reader)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            await self.aclose()
            raise TransportError(str(error)) from None
        if close:
            await self.aclose()
        return status, body.decode()

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.streams is not None and (self.streams[0].at_eof() or self.streams[1].is_closing()):
            await self.aclose()  # the server closed it while it was idle: a new one
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        return self.streams

    @staticmethod
    async def _reply(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip().lower()
        if "content-length" in fields:
            body = await reader.readexactly(int(fields["content-length"]))
        else:  # chunked
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            body = b"".join(chunks)
        return status, fields.get("connection") == "close", body

    async def aclose(self) -> None:
        if self.streams is not None:
            writer = self.streams[1]
            self.streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def student(
    client: Client,
    link: str,
    answers: int,
    think: float,
    rng: random.Random,
    timings: dict,
    done: list,
):
    """One student's answers, counted in ``done`` as [acknowledged, unacknowledged, when the
    last was acknowledged] as they go (so a run cut at its time limit still counts them) — an
    answer whose reply was lost with a killed worker, or that was in flight at the limit, is not
    acknowledged (it may or may not be stored); the student then reloads their page on a new
    connection and carries on."""
    while True:  # again if a killed worker took the reply with it
        try:
            page = (await client.get(link))[1]
            token = CSRF.search(page)[1]
            start = {"csrf": token, "count": "30", "difficulty": "medium"}
            await client.post(f"{link}start", start)
            break
        except TransportError:
            continue
    while done[0] < answers:
        try:
            page = (await client.get(f"{link}practice"))[1]
            token = CSRF.search(page)[1]
            key = PART.search(page)
            if key is None:  # the problem is over (or the practice): on to the next
                await client.post(f"{link}next", {"csrf": token})
                continue
        except TransportError:
            continue  # a worker went away with the connection: a new one, to another
        right = typed(solution_of(CODE.search(page)[1], page), key[1])
        text = right if rng.random() < 0.67 else wrong(right)
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
        started = time.perf_counter()
        try:
            status, _ = await client.post(
                f"{link}answer", {"csrf": token, "part": key[1], key[1]: text}
            )
        except (TransportError, asyncio.CancelledError) as error:
            done[1] += 1
            if isinstance(error, asyncio.CancelledError):
                raise
            continue
        timings["answer"].append(time.perf_counter() - started)
        if status != 303:
            raise RuntimeError(f"answer refused: {status}")
        done[0] += 1
        done[2] = time.perf_counter()
        if done[0] % 5 == 0:
            started = time.perf_counter()
            try:
                status, _ = await client.get(f"{link}history")
            except TransportError:
                continue
            timings["history"].append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"history refused: {status}")


async def run(base: str, links: list[str], answers: int, think: float, limit: float):
    rng = random.Random(2026)
    timings: dict[str, list[float]] = {"answer": [], "history": []}
    clients = [Client(base) for _ in links]
    done = [[0, 0, 0.0] for _ in links]
    try:
        await asyncio.wait_for(
            asyncio.gather(
                *(
                    student(c, link, answers, think, random.Random(rng.random()), timings, d)
                    for c, link, d in zip(clients, links, done)
                )
            ),
            limit,
        )
    except TimeoutError:
        print(
            f"time limit of {limit:.0f} s reached: the figures are of what was done",
            file=sys.stderr,
        )
    finally:
        for client in clients:
            await client.aclose()
    return done, timings


def measure(
    students: int,
    answers: int,
    limit: float,
    think: float = 0.4,
    workers: int = 1,
    kill_after: float | None = None,
    database: str | None = None,
    profile: str | None = None,
) -> dict:
    """Serve a class of ``students`` (with ``workers`` processes; one SIGKILLed ``kill_after``
    seconds in; in the PostgreSQL ``database`` if given), let each give ``answers``; what was
    acknowledged, what was stored, and the latencies of answer checks and history pages
    (seconds, sorted)."""
    folder = Path(tempfile.mkdtemp(prefix="quizgen-load-"))
    roster = folder / "roster.csv"
    ids = [f"s{i:03d}" for i in range(students)]
    roster.write_text("id,name\n" + "".join(f"{i},Student {i}\n" for i in ids))
    command = serve_command(
        "--class",
        str(roster),
        "--class-dir",
        str(folder / "practice"),
        "--workers",
        str(workers),
        *(["--database", database] if database else []),
    )
    if profile is not None:  # [python, -m, quizgen, serve, ...]: serve ... under the profiler
        profiled = Path(__file__).with_name("profiled_serve.py")
        command = [sys.executable, str(profiled), profile, *command[3:]]
    server, base, _ = start_site(command)
    said: list[str] = []  # the server's lines after its banner, read as they come
    reader = threading.Thread(target=lambda: said.extend(server.stderr), daemon=True)
    reader.start()
    try:
        rows = (folder / "practice" / "links.csv").read_text().splitlines()[1:]
        links = ["/" + row.split(",")[-1].split("/", 3)[3] for row in rows]
        started = time.perf_counter()
        killer = None
        killed: list[float] = []  # when a worker was killed, once it is

        def kill() -> None:
            kill_one_worker(server.pid)
            killed.append(time.perf_counter())

        if kill_after is not None:
            killer = threading.Timer(kill_after, kill)
            killer.start()
        load = os.getloadavg()  # of the machine before the run: other work than this
        cpu_before, own_before = server_cpu(server.pid), time.process_time()
        results, timings = asyncio.run(run(base, links, answers, think, limit))
        cpu, own = server_cpu(server.pid) - cpu_before, time.process_time() - own_before
        if killer is not None:
            killer.cancel()
        accepted = [a for a, _, _ in results]
        unacknowledged = [u for _, u, _ in results]
        # every student had an answer acknowledged after the kill (the killed worker's too),
        # or had given them all before it
        carried_on = bool(killed) and all(
            last > killed[0] or given >= answers for given, _, last in results
        )
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        reader.join(5)
        if said:
            print("the server said:", "".join(said[-20:]), sep="\n", file=sys.stderr)
    return {
        "unacknowledged": unacknowledged,
        "accepted": accepted,
        "stored": stored_answers(folder / "practice", ids, database),
        "timings": sorted(timings["answer"]),
        "history": sorted(timings["history"]),
        "wall": wall,
        "cpu": cpu,
        "generator cpu": own,
        "load": load,
        "carried on": carried_on,
    }


def server_cpu(parent: int) -> float:
    """CPU seconds the server has used: its own, its reaped workers' and its live workers'."""
    tick = os.sysconf("SC_CLK_TCK")

    def times(pid: int | str, fields: slice) -> float:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(value) for value in stat[fields]) / tick

    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    live = 0.0
    for child in children:
        with contextlib.suppress(FileNotFoundError):
            live += times(child, slice(11, 13))  # utime, stime
    return times(parent, slice(11, 15)) + live  # and the waited-for children's


def stored_answers(folder: Path, ids: list[str], database: str | None) -> list[int]:
    """How many attempts each student has in their history (SQLite files, or the database)."""
    if database is None:
        stored = []
        for sid in ids:
            with sqlite3.connect(folder / "history" / f"{sid}.sqlite") as db:
                stored.append(db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
        return stored
    import psycopg

    with psycopg.connect(database) as db:
        counts = dict(db.execute("SELECT learner, COUNT(*) FROM attempts GROUP BY learner"))
    return [counts.get(sid, 0) for sid in ids]


def kill_one_worker(parent: int) -> None:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    os.kill(int(children[0]), signal.SIGKILL)
    print(f"killed worker {children[0]} with SIGKILL", file=sys.stderr)


def p95(values: list[float]) -> float:
    return values[int(0.95 * (len(values) - 1))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--answers", type=int, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between answers")
    parser.add_argument("--limit", type=float, default=240)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--kill-after", type=float, default=None, help="SIGKILL a worker then")
    parser.add_argument(
        "--postgres", action="store_true", help="keep the class in PostgreSQL (a throwaway one)"
    )
    parser.add_argument("--profile", metavar="STATS", help="cProfile the server into STATS")
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        database = None
        if options.postgres:
            from postgres_cluster import cluster, fresh_database

            server = os.environ.get("QUIZGEN_TEST_POSTGRES") or stack.enter_context(cluster())
            database = fresh_database(server)
        result = measure(
            options.students,
            options.answers,
            options.limit,
            options.think,
            options.workers,
            options.kill_after,
            database,
            options.profile,
        )
    report(options, result)


def report(options: argparse.Namespace, result: dict) -> None:
    """Print the figures; exit 0 when the targets are met."""
    accepted, stored, timings = result["accepted"], result["stored"], result["timings"]
    unacknowledged = result["unacknowledged"]
    lost = sum(max(0, a - s) for a, s in zip(accepted, stored))
    extra = [s - a for a, s in zip(accepted, stored)]
    beyond = sum(e > u for e, u in zip(extra, unacknowledged))  # stored twice, say
    print(
        f"students {options.students}, workers {options.workers}, "
        f"{'PostgreSQL' if options.postgres else 'SQLite'}, answers acknowledged "
        f"{sum(accepted)}, stored {sum(stored)}, lost {lost}, replies lost with a worker "
        f"{sum(unacknowledged)}, in {result['wall']:.1f} s "
        f"({sum(accepted) / result['wall']:.0f} answers/s)"
    )
    print(
        f"answer POST: median {1000 * statistics.median(timings):.1f} ms, p95 "
        f"{1000 * p95(timings):.1f} ms, max {1000 * timings[-1]:.1f} ms"
    )
    requests = len(timings) + len(result["history"])
    load = ", ".join(f"{value:.1f}" for value in result["load"])
    print(
        f"server CPU {result['cpu']:.1f} s for {requests} timed requests (and the GETs between"
        f" them): {1000 * result['cpu'] / max(1, sum(accepted)):.1f} ms per answer;"
        f" machine's load average before the run {load}"
    )
    print(
        f"load generator CPU {result['generator cpu']:.1f} s:"
        f" {1000 * result['generator cpu'] / max(1, sum(accepted)):.1f} ms per answer"
    )
    history = result["history"]
    if history:
        print(
            f"history page: median {1000 * statistics.median(history):.1f} ms, p95 "
            f"{1000 * p95(history):.1f} ms, max {1000 * history[-1]:.1f} ms"
        )
    finished = sum(a >= options.answers for a in accepted)
    targets = [
        (lost == 0 and beyond == 0, f"every acknowledged answer stored (lost {lost})"),
        (
            finished == len(accepted),
            f"every student gave all {options.answers} answers ({finished} of {len(accepted)})",
        ),
        (p95(timings) < 0.05, f"answer POST p95 < 50 ms ({1000 * p95(timings):.1f} ms)"),
        (
            bool(history) and p95(history) < 0.2,
            f"history page p95 < 200 ms ({1000 * p95(history):.1f} ms)",
        ),
    ]
    if options.kill_after is not None:
        targets.append(
            (result["carried on"], "a worker was killed part-way and every student carried on")
        )
    for ok, target in targets:
        print("PASS" if ok else "FAIL", target)
    raise SystemExit(0 if all(ok for ok, _ in targets) else 1)


if __name__ == "__main__":
    main()
