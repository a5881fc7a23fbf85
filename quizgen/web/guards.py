"""The site's HTTP guards, below every route: only the hosts the site is for (a page on another
name, as a DNS-rebinding page would be, gets 400), bodies counted as they arrive, chunked or
not, and cut at MAX_BODY (413), no multipart uploads (415), and a client that goes away before
its form arrived logged in one line."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quizgen.web.security import is_loopback

MAX_BODY = 64 * 1024  # a form of answers is a few hundred bytes
log = logging.getLogger("quizgen.web")


def host_name(header: str) -> str:
    """The name in a Host header, without its port (``[::1]:8000`` gives ``::1``)."""
    if header.startswith("["):
        return header[1 : header.find("]")].lower() if "]" in header else ""
    return header.rsplit(":", 1)[0].lower() if header.count(":") == 1 else header.lower()


class Guards:
    """ASGI middleware: allowed hosts, then the body read in full (at most MAX_BODY) before the
    route sees it."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}

    def allowed(self, scope: Scope) -> bool:
        header = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        name = host_name(header)
        return name in self.hosts or is_loopback(name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.allowed(scope):
            await _refuse(scope, receive, send, 400, "This site does not answer to that name.")
            return
        headers = dict(scope.get("headers") or [])
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind == b"multipart/form-data":
            await _refuse(scope, receive, send, 415, "No uploads here.")
            return
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await _refuse(scope, receive, send, 413, "Request too large.")
            return
        body = bytearray()
        more = scope["method"] not in ("GET", "HEAD")
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                log.warning(
                    "%s %s: the client went away before its request arrived",
                    scope["method"],
                    scope["path"],
                )
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                await _refuse(scope, receive, send, 413, "Request too large.")
                return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, then whatever the client sends next (a disconnect)."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, text: str) -> None:
    response = PlainTextResponse(text, status_code=status, headers={"Connection": "close"})
    await response(scope, receive, send)
