"""Starting the site: check who may reach it, bind the port, write the class's links, run
uvicorn."""

from __future__ import annotations

import contextlib
import errno
import os
import select
import signal
import socket
from collections.abc import Callable, Sequence
from pathlib import Path

from quizgen.core.errors import QuizgenError
from quizgen.exam.banks import BankQuestion
from quizgen.web import classroom as rooms
from quizgen.web.security import is_loopback

#: Seconds an idle connection is kept open (nginx's default; uvicorn's own is 5): longer than a
#: student thinks over a part, so the next request comes on the same connection, and with
#: workers to the worker that has the student's sitting in memory rather than to one that must
#: read it back and solve its problem again.
KEEP_ALIVE = 75


def check_host(host: str, is_class: bool, open_to_anyone: bool) -> None:
    """Only this machine may reach a one-learner site, unless the site is said to be open."""
    if not is_loopback(host) and not (is_class or open_to_anyone):
        raise QuizgenError(
            f"--host {host} would let other machines reach your practice and history; "
            "give --class roster.csv for a class (private links), or --open-to-anyone if "
            "that is what you want"
        )


def check_database(database: str | None, is_class: bool) -> None:
    """A shared database is for a class (one learner's site keeps the quiz's own history)."""
    from quizgen.core.postgres import SCHEMES, is_url, shown

    if database is None:
        return
    if not is_url(database):
        raise QuizgenError(
            f"--database {shown(database)}: give a PostgreSQL address ({' or '.join(SCHEMES)}...)"
        )
    if not is_class:
        raise QuizgenError("--database is for a class: give --class roster.csv with it")


def bind(host: str, port: int, shared: bool = False, listening: bool = True) -> socket.socket:
    """A listening socket made as TCP, so that asyncio sets TCP_NODELAY on every connection
    (a plain stream socket leaves Nagle on: about 40 ms added to replies on a kept-alive
    connection). ``shared``: one of the worker processes' sockets on one port (SO_REUSEPORT),
    among which the kernel spreads the connections; ``listening`` False: the port held,
    nothing accepted on it (the parent of the workers), and refused if another server
    already listens there (SO_REUSEPORT would let the two share it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        if not listening and _answered(host, sock.getsockname()[1]):
            raise OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))
    except OSError as error:
        sock.close()
        raise QuizgenError(
            f"cannot listen on {host}:{port} ({error.strerror}); is another server using it? "
            "Give another --port"
        ) from None
    if listening:
        sock.listen(128)
    return sock


def _answered(host: str, port: int) -> bool:
    """Does something accept connections on ``port`` of ``host`` (of loopback, for a wildcard)?"""
    if host in ("", "0.0.0.0", "::"):
        host = "::1" if host == "::" else "127.0.0.1"
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def base_url(host: str, port: int, given: str | None) -> str:
    """The address to print and to put in links: --url if given, else host and port (a
    wildcard host becomes this machine's name on the network)."""
    if given:
        return given.rstrip("/")
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def write_links(classroom: rooms.Classroom, base: str) -> tuple[Path, Path]:
    """links.csv and links.html (one card a student, with a QR code) in the class folder."""
    from markupsafe import Markup

    from quizgen.core.resources import TEMPLATES
    from quizgen.render.html import environment

    assert classroom.folder is not None
    csv_path = classroom.folder / "links.csv"
    _write(csv_path, rooms.links_csv(classroom, base))
    env = environment("mathml")
    page = env.get_template("web/links.html").render(
        rows=rooms.link_cards(classroom, base),
        inline_css=Markup((TEMPLATES / "web" / "site.css").read_text(encoding="utf-8")),
    )
    html_path = classroom.folder / "links.html"
    _write(html_path, page)
    return csv_path, html_path


def _write(path: Path, text: str) -> None:
    """Whole or not at all, and 0600 from the start: the links are the students' keys."""
    from quizgen.publish.papers import atomic_write

    def private(temporary: Path) -> None:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)

    atomic_write(path, private)


def until_stopped(serving: Callable[[], None], say: Callable[[str], None]) -> None:
    """Run ``serving`` until Ctrl-C or SIGTERM, the stop every banner promises: a goodbye, not
    a failure. uvicorn returns instead of raising where SIGINT was ignored when the process
    started (a background job of a script): a stop asked for all the same."""
    with contextlib.suppress(KeyboardInterrupt):
        serving()
    say("quizgen stopped serving. Goodbye.")


def serve(
    classroom: rooms.Classroom,
    host: str,
    port: int,
    pool: Sequence[BankQuestion],
    url: str | None,
    say: Callable[[str], None],
    proxy: str | None = None,
    workers: int = 1,
) -> None:
    """Serve until stopped. ``proxy``: the address of a reverse proxy whose X-Forwarded-*
    headers are believed (without it, no forwarded header is). ``workers``: processes on one
    port sharing the class's files (each keeps nothing another could need)."""
    # Workers listen on sockets of their own: on one shared socket, the first to wake takes
    # every connection waiting (a class opening its links at once) and keeps them alive.
    sock = bind(host, port, shared=workers > 1, listening=workers == 1)
    port = sock.getsockname()[1]
    base = base_url(host, port, url)
    others = classroom.claim(f"process {os.getpid()}, {base}/")
    if others:
        say(f"This class is served on its database by {len(others)} more: {'; '.join(others)}")
    if classroom.is_class:
        csv_path, html_path = write_links(classroom, base)
        say(f"Class of {len(classroom.learners)}: private links in {csv_path} and {html_path}")
        say(f"Teacher page: {rooms.teacher_url(base, classroom)}")
    banner = f"quizgen is serving on {base}/ (Ctrl-C stops it)"
    try:
        if workers == 1:
            say(banner)
            until_stopped(lambda: _run(classroom, sock, pool, base, proxy), say)
        else:
            say(f"{workers} worker processes")
            classroom.store.close()  # no connection may cross a fork: each worker opens its own
            work = Workers(
                lambda listening: _worker(classroom, sock, pool, base, proxy, listening),
                workers,
                say,
                ready=lambda: say(banner),  # once every worker listens: nothing is refused
            )
            until_stopped(work.run, say)
    finally:
        classroom.close()
        sock.close()


def _run(
    classroom: rooms.Classroom,
    sock: socket.socket,
    pool: Sequence[BankQuestion],
    base: str,
    proxy: str | None,
) -> None:
    import uvicorn

    from quizgen.web.app import create_app

    app = create_app(classroom, pool, base=base, listening=sock.getsockname()[0])
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=KEEP_ALIVE,
        proxy_headers=proxy is not None,
        forwarded_allow_ips=proxy or "",
    )
    uvicorn.Server(config).run(sockets=[sock])


def _worker(
    classroom: rooms.Classroom,
    sock: socket.socket,
    pool: Sequence[BankQuestion],
    base: str,
    proxy: str | None,
    listening: Callable[[], None],
) -> None:
    """One worker process: its own connection to the class's state and its own listening
    socket on the parent's port (``listening`` is told when it listens), then the site."""
    classroom.store = classroom.store.reopen()
    host, port = sock.getsockname()[:2]
    sock.close()
    own = bind(host, port, shared=True)
    listening()
    _run(classroom, own, pool, base, proxy)


class Workers:
    """Worker processes forked from this one, each accepting on a socket of its own on one
    port (the kernel spreads the connections among them). One that dies (even by SIGKILL) is
    replaced; its students' next requests go to the others meanwhile, and lose nothing, since
    every request's state is in the class's files. Ctrl-C or SIGTERM stops them all.
    ``ready`` is called once every worker of the first round listens (or has stopped)."""

    def __init__(
        self,
        work: Callable[[Callable[[], None]], None],
        count: int,
        say: Callable[[str], None],
        ready: Callable[[], None] = lambda: None,
    ) -> None:
        self.work = work  # given what it calls when it listens
        self.count = count
        self.say = say
        self.ready = ready
        self.children: set[int] = set()
        self.stopping = False
        self._told = -1  # the write end of the pipe the workers say "listening" on

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, signal.SIG_DFL)
                self.work(self._listening)
            except BaseException as error:
                self.say(f"worker {os.getpid()} stopped: {error}")
                code = 1
            finally:
                os._exit(code)
        self.children.add(pid)

    def _listening(self) -> None:
        os.write(self._told, b".")

    def _stop(self, _number: int, _frame: object) -> None:
        self.stopping = True
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _reaped(self, pid: int, status: int) -> None:
        """A worker has ended: replaced if it was killed, else (it stopped by itself, after
        saying why) every other is stopped too."""
        self.children.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if self.stopping:
            return
        if code >= 0:
            self._stop(0, None)
            return
        self.say(f"worker {pid} was killed (signal {-code}); starting another")
        self._spawn()

    def _until_listening(self, told: int) -> None:
        """Wait until each of the first workers has said it listens, or has ended."""
        waiting = self.count
        while waiting > 0 and self.children and not self.stopping:
            readable, _, _ = select.select([told], [], [], 0.1)
            if readable:
                waiting -= len(os.read(told, waiting))
                continue
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid:
                waiting -= 1
                self._reaped(pid, status)

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        told, self._told = os.pipe()
        try:
            for _ in range(self.count):
                self._spawn()
            self._until_listening(told)
            if not self.stopping:
                self.ready()
            while self.children:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
                self._reaped(pid, status)
        finally:
            os.close(told)
            os.close(self._told)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
