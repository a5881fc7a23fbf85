"""Starting the site: check who may reach it, bind the port, write the class's links, run
uvicorn."""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from pathlib import Path

from quizgen.core.errors import QuizgenError
from quizgen.exam.banks import BankQuestion
from quizgen.web import classroom as rooms
from quizgen.web.security import is_loopback


def check_host(host: str, is_class: bool, open_to_anyone: bool) -> None:
    """Only this machine may reach a one-learner site, unless the site is said to be open."""
    if not is_loopback(host) and not (is_class or open_to_anyone):
        raise QuizgenError(
            f"--host {host} would let other machines reach your practice and history; "
            "give --class roster.csv for a class (private links), or --open-to-anyone if "
            "that is what you want"
        )


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise QuizgenError(
            f"cannot listen on {host}:{port} ({error.strerror}); is another server using it? "
            "Give another --port"
        ) from None
    sock.listen(128)
    return sock


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
    csv_path.write_text(rooms.links_csv(classroom, base), encoding="utf-8")
    env = environment("mathml")
    page = env.get_template("web/links.html").render(
        rows=rooms.link_cards(classroom, base),
        inline_css=Markup((TEMPLATES / "web" / "site.css").read_text(encoding="utf-8")),
    )
    html_path = classroom.folder / "links.html"
    html_path.write_text(page, encoding="utf-8")
    for path in (csv_path, html_path):
        path.chmod(0o600)  # the links are the students' keys
    return csv_path, html_path


def serve(
    classroom: rooms.Classroom,
    host: str,
    port: int,
    pool: Sequence[BankQuestion],
    url: str | None,
    say: Callable[[str], None],
) -> None:
    import uvicorn

    from quizgen.web.app import create_app

    sock = bind(host, port)
    try:
        port = sock.getsockname()[1]
        base = base_url(host, port, url)
        if classroom.is_class:
            csv_path, html_path = write_links(classroom, base)
            say(f"Class of {len(classroom.learners)}: private links in {csv_path} and {html_path}")
            say(f"Teacher page: {rooms.teacher_url(base, classroom)}")
        say(f"quizgen is serving on {base}/ (Ctrl-C stops it)")
        app = create_app(classroom, pool)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM, even while starting: the promised stop
        say("quizgen stopped serving. Goodbye.")
    finally:
        classroom.close()
        sock.close()
