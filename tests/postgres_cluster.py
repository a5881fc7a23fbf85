"""A throwaway PostgreSQL cluster for the tests: Debian's postgresql, initialised in a temporary
folder as an unprivileged user (PostgreSQL refuses to run as root), listening on a free
loopback port with its socket in that folder, stopped at the end of the session.

``QUIZGEN_TEST_POSTGRES=postgresql://...`` names a server to use instead. Without either, the
PostgreSQL tests are skipped, except under CI (``CI`` or ``QUIZGEN_REQUIRE_POSTGRES`` set, as
``.ci/run`` does), where they fail.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

USER = "quizgen"


def _bin() -> Path | None:
    """The newest Debian PostgreSQL's programs, or ones on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> int:
    return int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(*argv: object) -> None:
    """Run a PostgreSQL program, as nobody when we are root (initdb and postgres refuse root)."""
    words = [str(word) for word in argv]
    if os.geteuid() == 0:
        words = ["runuser", "-u", "nobody", "--", *words]
    subprocess.run(words, check=True, capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster; yields the address of its ``postgres`` database (trust auth on
    loopback: nothing else can reach it)."""
    programs = _bin()
    if programs is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="quizgen-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        _run(programs / "initdb", "-D", data, "-U", USER, "--auth=trust", "-E", "UTF8")
        _run(programs / "pg_ctl", "-D", data, "-l", folder / "log", "-w", "-o", options, "start")
    except (OSError, subprocess.SubprocessError) as error:
        log = folder / "log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        said = getattr(error, "stderr", None) or error
        raise RuntimeError(f"PostgreSQL did not start: {said} {detail}".strip()) from None
    try:
        yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            _run(programs / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server: str) -> str:
    """A new empty database on ``server``; its address."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + f"/{name}"
