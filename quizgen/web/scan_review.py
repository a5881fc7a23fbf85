"""``quizgen serve --review DIR``: a scan run's review queue in the browser. Each queued field
shows its crop, the reason it is queued and the reading's best guess, with a form to confirm or
correct it; answers go to the run's ``corrections.csv`` beside the scans, and the run's
``answers.csv``, ``marks.csv`` and ``review.csv`` are written again at once (see
:mod:`quizgen.scan.state`). No script: every action is a plain form, so it works from the
keyboard alone. The page names students and their answers, so it serves this machine only."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from quizgen.scan.batch import FieldKey, Review
from quizgen.scan.corrections import read_corrections
from quizgen.scan.outputs import png_base64, who
from quizgen.scan.state import answerable, correct, load_state, settled
from quizgen.web import assets
from quizgen.web.app import SECURITY_HEADERS
from quizgen.web.assets import FOREVER


class ReviewSite:
    """The run's folder, its queue as last settled, and the page's form token (one per
    server: only a page it served can post)."""

    def __init__(self, out_dir: Path) -> None:
        from quizgen.render.html import environment

        self.out_dir = out_dir
        self.token = secrets.token_urlsafe(16)
        self.lock = threading.Lock()  # one correction written at a time
        self.files = assets.build()
        self.by_name = {a.name: a for a in self.files.values()}
        self.env = environment("mathml").overlay()
        self.queue: list[Review] = []
        self.load()

    def load(self) -> None:
        self.state = load_state(self.out_dir)  # read once: a class's run takes seconds
        layout, pages, kept = self.state
        self.corrections_file = kept
        self.queue = answerable(settled(layout, pages, read_corrections(kept), self.out_dir))

    def answer(self, key: FieldKey, text: str) -> None:
        with self.lock:
            batch, _ = correct(self.out_dir, {key: text}, self.state)
            self.queue = answerable(batch)

    def page(self, saved: str | None) -> HTMLResponse:
        items = [
            {
                "id": f"field-{index}",
                "who": who(item),
                "page": item.key[1],
                "label": item.key[2],
                "sheet": item.key[0],
                "reason": item.reason,
                "guess": item.guess,
                "where": item.where,
                "crop": png_base64(item.crop) if item.crop is not None and item.crop.size else "",
            }
            for index, item in enumerate(self.queue)
        ]
        html = self.env.get_template("web/scan_review.html").render(
            items=items,
            folder=self.out_dir,
            corrections=self.corrections_file,
            saved=saved,
            token=self.token,
            stylesheet=f"/static/{self.files['site.css'].name}",
            icon=f"/static/{self.files['icon.svg'].name}",
        )
        return HTMLResponse(html, headers=SECURITY_HEADERS)


def create_review_app(out_dir: Path) -> Starlette:
    site = ReviewSite(out_dir)

    async def home(request: Request) -> Response:
        return site.page(request.query_params.get("saved"))

    async def answer(request: Request) -> Response:
        form = await request.form()
        token = str(form.get("token", ""))
        if not secrets.compare_digest(token.encode(), site.token.encode()):
            return HTMLResponse("This form is out of date: reload the page.", 403)
        fields: dict[str, Any] = {k: str(form.get(k, "")) for k in ("sheet", "page", "field")}
        if not fields["page"].isdigit():
            return HTMLResponse("No such field.", 400)
        key = (fields["sheet"], int(fields["page"]), fields["field"])
        if key not in {item.key for item in site.queue}:
            return RedirectResponse("/", 303)  # settled already (posted twice, or reloaded)
        text = "" if form.get("action") == "blank" else str(form.get("answer", "")).strip()
        await run_in_threadpool(site.answer, key, text)
        return RedirectResponse(f"/?saved={key[2]}", 303)

    async def static(request: Request) -> Response:
        asset = site.by_name.get(request.path_params["name"])
        if asset is None:
            return Response("Not found", 404)
        return Response(asset.body, media_type=asset.media_type, headers={"Cache-Control": FOREVER})

    return Starlette(
        routes=[
            Route("/", home),
            Route("/answer", answer, methods=["POST"]),
            Route("/static/{name}", static),
        ]
    )


def serve_review(out_dir: Path, host: str, port: int, say: Callable[[str], None]) -> None:
    """Serve the review page of the run in ``out_dir`` until stopped."""
    import uvicorn

    from quizgen.web.server import base_url, bind, until_stopped

    app = create_review_app(out_dir)
    sock = bind(host, port)
    base = base_url(host, sock.getsockname()[1], None)
    say(f"quizgen is serving on {base}/ the review queue of {out_dir} (Ctrl-C stops it)")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    try:
        until_stopped(lambda: uvicorn.Server(config).run(sockets=[sock]), say)
    finally:
        sock.close()
