"""`quizgen serve` as a process: killed with SIGKILL mid-problem and started again, the
student carries on where they were with the form already on their screen; a second server on
the same class folder is refused by name before it changes anything."""

from __future__ import annotations

import contextlib
import csv
import os
import re
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from web_helpers import roster, serve_command, shown_problem, start_site, typed

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def class_args(tmp_path):
    path = roster(tmp_path, [("ann", "Ann"), ("bo", "Bo")])
    return ["--class", str(path), "--class-dir", str(tmp_path / "practice")], tmp_path / "practice"


def student_link(folder, sid: str) -> str:
    with (folder / "links.csv").open(encoding="utf-8") as handle:
        return next(row["link"] for row in csv.DictReader(handle) if row["id"] == sid)


def stored(folder, sid: str) -> list[tuple]:
    with sqlite3.connect(folder / "history" / f"{sid}.sqlite") as db:
        return list(db.execute("SELECT part, answer, outcome FROM attempts ORDER BY id"))


def test_after_kill_9_the_old_form_is_accepted_and_nothing_is_lost(class_args):
    import httpx2 as httpx

    args, folder = class_args
    server, _, _ = start_site(serve_command(*args))
    try:
        ann = student_link(folder, "ann")
        client = httpx.Client(timeout=30)
        home = client.get(ann).text
        data = {"csrf": CSRF.search(home)[1], "topic": "sigmoid", "count": "2"}
        client.post(f"{ann}start", data=data)
        page = client.get(f"{ann}practice").text
        _, solution = shown_problem(page)
        answer = {"csrf": CSRF.search(page)[1], "part": "sigma", "sigma": typed(solution, "sigma")}
        client.post(f"{ann}answer", data=answer)
        page = client.get(f"{ann}practice").text
        client.post(f"{ann}hint", data={"csrf": CSRF.search(page)[1], "part": "dsigma"})
        old = client.get(f"{ann}practice").text  # on the screen when the server dies
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    server, base, _ = start_site(serve_command(*args))  # another free port: the same links
    ann = student_link(folder, "ann")
    assert ann.startswith(base)
    try:
        client = httpx.Client(timeout=30)
        again = client.get(f"{ann}practice").text
        assert again.count('class="hint"') == 1 and "Correct." in again
        data = {"csrf": CSRF.search(old)[1], "part": "dsigma", "dsigma": typed(solution, "dsigma")}
        response = client.post(f"{ann}answer", data=data)
        assert response.status_code == 303
        assert "All correct." in client.get(f"{ann}practice").text
    finally:
        server.terminate()
        server.wait(10)
    assert [(p, o) for p, _, o in stored(folder, "ann")] == [
        ("sigma", "answered"),
        ("dsigma", "answered"),
    ]


def test_a_second_server_on_a_class_folder_is_refused_by_name(class_args):
    args, folder = class_args
    server, base, _ = start_site(serve_command(*args))
    try:
        links = (folder / "links.csv").read_bytes()
        second = subprocess.run(serve_command(*args), capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"in use by another quizgen serve (process {server.pid}, {base}/)" in second.stderr
        assert "Traceback" not in second.stderr
        assert (folder / "links.csv").read_bytes() == links  # nothing rewritten
    finally:
        server.terminate()
        server.wait(10)
    assert not os.path.exists(folder / "links.csv.tmp")


def test_workers_share_a_class_and_one_killed_loses_nothing(class_args):
    import httpx2 as httpx

    args, folder = class_args
    server, _, lines = start_site(serve_command(*args, "--workers", "2"))
    try:
        assert any("2 worker processes" in line for line in lines)
        ann = student_link(folder, "ann")
        home = httpx.Client(timeout=30).get(ann).text
        httpx.Client(timeout=30).post(
            f"{ann}start", data={"csrf": CSRF.search(home)[1], "topic": "relu", "count": "30"}
        )
        answered = 0
        for number in range(12):
            if number == 5:  # one worker killed part-way: the other serves, a new one starts
                children = (
                    Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
                )
                os.kill(int(children[0]), signal.SIGKILL)
            client = httpx.Client(timeout=30)  # a new connection each time: any worker
            page = client.get(f"{ann}practice").text
            key = re.search(r'name="part" value="([^"]+)"', page)
            if key is None:
                client.post(f"{ann}next", data={"csrf": CSRF.search(page)[1]})
                continue
            _, solution = shown_problem(page)
            data = {"csrf": CSRF.search(page)[1], "part": key[1], key[1]: typed(solution, key[1])}
            assert client.post(f"{ann}answer", data=data).status_code == 303
            answered += 1
    finally:
        server.terminate()
        server.wait(20)
    assert len(stored(folder, "ann")) == answered > 0
    assert server.returncode == 0


def connections_held(parent: int, port: int) -> dict[int, int]:
    """How many established TCP connections on ``port`` each child of ``parent`` holds (from
    /proc: the sockets in each process's table, matched to the kernel's list of sockets)."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":
            established.add(f"socket:[{fields[9]}]")
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    held = {}
    for child in map(int, children):
        fds = Path(f"/proc/{child}/fd").iterdir()
        held[child] = sum(1 for fd in fds if os.readlink(fd) in established)
    return held


def test_connections_opened_at_once_are_spread_over_the_workers(class_args):
    """A class opening its links at the same moment: each worker takes its share of the
    kept-alive connections (on one shared socket, the first worker to wake took them all)."""
    import socket
    from urllib.parse import urlsplit

    args, _ = class_args
    server, base, _ = start_site(serve_command(*args, "--workers", "2"))
    port = urlsplit(base).port
    connections = []
    try:
        for _ in range(40):
            connections.append(socket.create_connection(("127.0.0.1", port), timeout=30))
        request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        for connection in connections:
            connection.sendall(request)
        for connection in connections:
            assert connection.recv(4096).startswith(b"HTTP/1.1 200")
        held = connections_held(server.pid, port)
        assert sum(held.values()) == 40
        assert len(held) == 2 and min(held.values()) >= 8, held
    finally:
        for connection in connections:
            connection.close()
        server.terminate()
        server.wait(20)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_another_server_listens_on_is_refused(class_args, workers):
    """Workers share their port with each other (SO_REUSEPORT), never with another server
    listening there already, even one that lets its port be shared (another quizgen's
    workers): that is refused in one line, as for one process."""
    import socket

    args, _ = class_args
    with socket.create_server(("127.0.0.1", 0), reuse_port=True) as other:
        port = other.getsockname()[1]
        command = serve_command(*args, "--port", str(port), "--workers", workers)
        started = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert started.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in started.stderr
    assert "Traceback" not in started.stderr


def test_a_connection_left_idle_while_a_student_thinks_is_kept_open(class_args):
    """Six seconds between two requests (uvicorn's own limit is five): the second comes on
    the same connection, which with workers also means to the same worker."""
    import socket
    import time
    from urllib.parse import urlsplit

    args, _ = class_args
    server, base, _ = start_site(serve_command(*args))
    port = urlsplit(base).port
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            reply = connection.makefile("rb")
            for wait in (0, 6):
                time.sleep(wait)
                connection.sendall(request)
                assert reply.readline().startswith(b"HTTP/1.1 200")
                head = dict(line.split(b":", 1) for line in iter(reply.readline, b"\r\n"))
                reply.read(int(head[b"content-length"]))  # the whole reply, nothing left over
    finally:
        server.terminate()
        server.wait(20)


def test_the_running_server_cuts_a_chunked_upload_at_64_kb_as_it_arrives(class_args):
    """Through the HTTP parser the server really runs (httptools, as installed): a chunked
    POST with no Content-Length gets 413 once 64 KB have arrived, while the client is still
    sending, and the connection is closed."""
    import select
    import socket
    from urllib.parse import urlsplit

    args, folder = class_args
    server, base, _ = start_site(serve_command(*args))
    try:
        path = urlsplit(student_link(folder, "ann")).path
        address = urlsplit(base)
        with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
            head = f"POST {path}start HTTP/1.1\r\nHost: {address.netloc}\r\n"
            sock.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
            chunk, sent = b"2000\r\n" + b"x" * 0x2000 + b"\r\n", 0
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # closed on us
                while sent < 64 * 1024 * 1024 and not select.select([sock], [], [], 0.01)[0]:
                    sock.sendall(chunk)
                    sent += 0x2000
            reply = b""
            with contextlib.suppress(ConnectionResetError):  # closed with the rest unread
                while part := sock.recv(65536):
                    reply += part
    finally:
        server.terminate()
        server.wait(10)
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert sent < 16 * 1024 * 1024  # the reply came long before the 64 MB were sent
