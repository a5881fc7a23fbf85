"""The site: Starlette routes over the practice engine, pages from ``templates/web``.

Every page is rendered on the server (MathML for maths, SVG for charts; no script at all), so
nothing reaches the browser that the page does not show: a problem's answers only after they
have been given. Learners are found by the private token in their links, compared in constant
time; every POST carries a form token bound to whom the page was for; answers and hints are
rate-limited per learner (per address for ``/item``).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.core.model import DIFFICULTIES
from quizgen.exam.banks import BankQuestion
from quizgen.exam.build import BankItem
from quizgen.practice.answers import read_order
from quizgen.practice.engine import BankRun, ProblemRun
from quizgen.practice.feedback import explain, rounding
from quizgen.practice.session import practice_set
from quizgen.web import classroom as rooms
from quizgen.web.security import FormTokens, RateLimit
from quizgen.web.sitting import Settings, assigned, start

MAX_COUNT = 30
SECURITY_HEADERS = {
    # no script runs; styles and fonts come from this site; SVG charts carry inline styles
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a private link never leaves in a Referer header
    "Cache-Control": "no-store",
}


def static_files() -> dict[str, Path]:
    """The only files the site serves: its stylesheet and the two fonts, from the package."""
    from quizgen.core.resources import TEMPLATES
    from quizgen.render.html import font_path, math_font_path

    return {
        "site.css": TEMPLATES / "web" / "site.css",
        "DejaVuSans.ttf": font_path(),
        "STIXTwoMath-Regular.ttf": math_font_path(),
    }


class Site:
    """What the routes share: the classroom, the form tokens, the rate limit, the templates."""

    def __init__(
        self, classroom: rooms.Classroom, pool: Sequence[BankQuestion], rate: RateLimit
    ) -> None:
        from quizgen.render.html import environment

        self.classroom = classroom
        self.pool = list(pool)
        self.rate = rate
        self.forms = FormTokens()
        self.files = static_files()
        self.env = environment("mathml").overlay()
        self.env.globals.update(
            topics=topics.registry(),
            difficulties=DIFFICULTIES,
            rounding=rounding,
            explain=explain,
            is_class=classroom.is_class,
        )

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(f"web/{name}.html").render(**context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def message(self, status: int, title: str, text: str) -> HTMLResponse:
        return self.page("message", status, title=title, text=text)


def _site(request: Request) -> Site:
    return request.app.state.site


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def _form(request: Request, scope: str) -> dict[str, str] | None:
    """The posted form if its token is good for ``scope``, else None."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return fields if _site(request).forms.valid(fields.get("csrf"), scope) else None


def _forbidden(site: Site) -> HTMLResponse:
    return site.message(
        403,
        "Form expired",
        "This form did not come from this page, or it has expired: go "
        "back, reload the page and try again.",
    )


def _slow_down(site: Site) -> HTMLResponse:
    return site.message(
        429,
        "Too many answers",
        "Too many answers in a short time: wait a few seconds, then go back and try again.",
    )


def _not_found(site: Site) -> HTMLResponse:
    return site.message(404, "Not found", "There is no such page. Check the link you were given.")


# -- the learner's pages ------------------------------------------------------------------------


def _learner(request: Request) -> rooms.Learner | None:
    return _site(request).classroom.learner(request.path_params["token"])


def _base(learner: rooms.Learner) -> str:
    return f"/s/{learner.token}"


Handler = Callable[..., Awaitable[Response]]


def for_learner(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A learner's page: found by the token in the path, else "not found" (the same page as
    for any unknown address, so a wrong link says nothing about which links exist)."""

    async def page(request: Request) -> Response:
        site = _site(request)
        learner = _learner(request)
        if learner is None:
            return _not_found(site)
        return await handler(request, site, learner)

    return page


def for_teacher(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A teacher's page: only with the teacher's own link."""

    async def page(request: Request) -> Response:
        site = _site(request)
        if not site.classroom.is_teacher(request.path_params["token"]):
            return _not_found(site)
        return await handler(request, site, f"/t/{request.path_params['token']}")

    return page


async def index(request: Request) -> Response:
    site = _site(request)
    if not site.classroom.is_class:
        return _go(f"/s/{rooms.SOLO}/")
    return site.page("landing")


@for_learner
async def home(request: Request, site: Site, learner: rooms.Learner) -> Response:
    return site.page(
        "home",
        learner=learner,
        base=_base(learner),
        csrf=site.forms.issue(learner.token),
        assignments=site.classroom.assignments,
        sitting=learner.sitting,
        has_bank=bool(site.pool),
    )


def _settings(fields: dict[str, str], form_topics: list[str]) -> Settings:
    names = [t for t in form_topics if t in topics.registry()] or list(topics.registry())
    difficulty = fields.get("difficulty", "medium")
    try:
        count = max(1, min(MAX_COUNT, int(fields.get("count", "5"))))
    except ValueError:
        count = 5
    return Settings(
        topics=tuple(names),
        difficulty=difficulty if difficulty in DIFFICULTIES else "medium",  # type: ignore[arg-type]
        adaptive=fields.get("adaptive") == "on",
        count=count,
        derivations=fields.get("kind") == "derivations",
    )


@for_learner
async def begin(request: Request, site: Site, learner: rooms.Learner) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not site.forms.valid(fields.get("csrf"), learner.token):
        return _forbidden(site)
    settings = _settings(fields, [v for v in form.getlist("topic") if isinstance(v, str)])
    seed = secrets.randbelow(2**32)
    learner.sitting = start(learner.history, settings, seed, site.pool)
    return _go(f"{_base(learner)}/practice")


@for_learner
async def begin_assigned(request: Request, site: Site, learner: rooms.Learner) -> Response:
    if await _form(request, learner.token) is None:
        return _forbidden(site)
    wanted = request.path_params["assignment"]
    assignment = next((a for a in site.classroom.assignments if a.id == wanted), None)
    if assignment is None:
        return _not_found(site)
    items = practice_set(assignment.blueprint, assignment.seed, learner.id, learner.name)
    learner.sitting = assigned(learner.history, assignment.title, items)
    return _go(f"{_base(learner)}/practice")


@for_learner
async def practice(request: Request, site: Site, learner: rooms.Learner) -> Response:
    sitting = learner.sitting
    if sitting is None:
        return _go(f"{_base(learner)}/")
    run = sitting.run
    return site.page(
        "practice",
        learner=learner,
        base=_base(learner),
        csrf=site.forms.issue(learner.token),
        sitting=sitting,
        run=run,
        problem=run if isinstance(run, ProblemRun) else None,
        bank=run if isinstance(run, BankRun) else None,
        summary=sitting.practice.summary,
    )


@for_learner
async def act(request: Request, site: Site, learner: rooms.Learner) -> Response:
    """Every answer, hint, skip, reveal and "next" of the practice page."""
    fields = await _form(request, learner.token)
    if fields is None:
        return _forbidden(site)
    if not site.rate.allow(learner.token):
        return _slow_down(site)
    sitting = learner.sitting
    here = f"{_base(learner)}/practice"
    if sitting is None:
        return _go(f"{_base(learner)}/")
    action = request.path_params["action"]
    run = sitting.run
    if action == "next":
        if sitting.problem_done:
            sitting.advance()
        return _go(here)
    if isinstance(run, ProblemRun) and not run.done:
        part = run.part
        assert part is not None
        if fields.get("part") != part.key:  # a page from before: that part is answered
            return _go(here)
        if action == "answer":
            sitting.answer(fields.get(part.key, ""))
        elif action == "hint":
            sitting.hint()
        elif action in ("skip", "show"):
            sitting.give_up("skipped" if action == "skip" else "shown")
    elif isinstance(run, BankRun) and sitting.bank_result is None:
        _bank_action(sitting, run, action, fields)
    return _go(here)


def _bank_action(sitting, run: BankRun, action: str, fields: dict[str, str]) -> None:
    item = run.item
    if action == "order":
        numbers = read_order(fields.get("order", ""), len(item.order))
        if numbers is None:
            sitting.notice = f"type each number 1-{len(item.order)} once, in order (not counted)"
            return
        sitting.notice = ""
        sitting.order(numbers)
    elif action == "choose":
        letter = fields.get("letter", "").strip().upper()
        if letter not in [o.letter for o in item.options]:
            sitting.notice = "choose one of the options (not counted)"
            return
        sitting.notice = ""
        sitting.choose(letter)
    elif action == "reveal":
        sitting.revealed = True
    elif action == "marks" and sitting.revealed:
        text = fields.get("marks", "")
        if not text.isdigit() or int(text) > run.total_marks:
            sitting.notice = f"give a whole number from 0 to {run.total_marks}"
            return
        sitting.notice = ""
        sitting.self_mark(int(text))


@for_learner
async def history_page(request: Request, site: Site, learner: rooms.Learner) -> Response:
    history = learner.history
    stats = history.topic_stats()
    charts = _history_charts(history) if stats else {}
    return site.page(
        "history",
        learner=learner,
        base=_base(learner),
        stats=sorted(stats, key=lambda s: s.accuracy),
        mistakes=history.misconceptions(limit=10),
        days=history.by_day(),
        charts=charts,
    )


def _history_charts(history) -> dict[str, Markup]:
    from quizgen.render import plots

    series: dict[str, list[tuple[str, float]]] = {}
    for topic, day, n, right in history.topic_by_day():
        series.setdefault(topic, []).append((day, right / n))
    mistakes = history.misconceptions(limit=8)
    return {
        "over_time": plots.accuracy_over_time(series),
        "mistakes": plots.horizontal(
            [label for _, label, _ in mistakes], [n for _, _, n in mistakes], "times", False
        )
        if mistakes
        else Markup(""),
    }


# -- /item/CODE: the problem behind a printed code ----------------------------------------------


async def item(request: Request) -> Response:
    """The problem behind a printed item code (or a derivation question's printed id): a plain
    form that posts back here, one field per part named after the record's answer keys."""
    from quizgen.practice.session import item_for_code

    site = _site(request)
    code = request.path_params["code"]
    try:
        found = item_for_code(code, lambda: site.pool)
    except QuizgenError as error:
        return site.message(404, "Unknown item code", str(error))
    fields = None
    if request.method == "POST":
        fields = await _form(request, f"item:{code}")
        if fields is None:
            return _forbidden(site)
        if not site.rate.allow(f"item:{request.client.host if request.client else ''}"):
            return _slow_down(site)
    csrf = site.forms.issue(f"item:{code}")
    if isinstance(found, BankItem):
        return _bank_item_page(site, code, found, fields, csrf)
    problem = found
    topic = topics.get(problem.topic)
    solution = topic.solve(problem.params)
    checks = None
    if fields is not None:
        from quizgen.practice.checking import check_typed

        checks = check_typed(problem, [fields.get(p.key, "") for p in solution.parts])
    return site.page(
        "item",
        code=code,
        problem=problem,
        topic=topic,
        stem=topic.stem(problem.params),
        solution=solution,
        checks=checks,
        csrf=csrf,
    )


def _bank_item_page(site: Site, code: str, item, fields: dict[str, str] | None, csrf: str):
    """A derivation question by its id: answered once, judged by the engine, not recorded."""
    from quizgen.practice.engine import Practice
    from quizgen.web.sitting import Sitting

    sitting = Sitting(Practice(None), iter([item]), 1, "Item")
    sitting.advance()
    run = sitting.run
    assert isinstance(run, BankRun)
    if fields is not None:
        action = (
            "reveal" if item.kind == "derive" else "order" if item.kind == "order" else "choose"
        )
        _bank_action(sitting, run, action, fields)
    return site.page("item_bank", code=code, item=item, sitting=sitting, csrf=csrf)


# -- the teacher's pages ------------------------------------------------------------------------


@for_teacher
async def teacher(request: Request, site: Site, base: str) -> Response:
    from quizgen.exam.blueprint import shipped_blueprints

    view = rooms.class_view(site.classroom)
    return site.page(
        "teacher",
        view=view,
        base=base,
        csrf=site.forms.issue("teacher"),
        assignments=site.classroom.assignments,
        shipped=sorted(shipped_blueprints()),
        notice=request.query_params.get("notice", ""),
    )


@for_teacher
async def teacher_csv(request: Request, site: Site, base: str) -> Response:
    text = rooms.class_csv(rooms.class_view(site.classroom))
    headers = {**SECURITY_HEADERS, "Content-Disposition": 'attachment; filename="class.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@for_teacher
async def teacher_assign(request: Request, site: Site, base: str) -> Response:
    fields = await _form(request, "teacher")
    if fields is None:
        return _forbidden(site)
    from quizgen.exam.blueprint import find_blueprint, load_blueprint

    name = fields.get("blueprint", "").strip()
    try:
        seed = int(fields.get("seed") or secrets.randbelow(2**32))
        blueprint = load_blueprint(find_blueprint(name))
    except (QuizgenError, ValueError) as error:
        from urllib.parse import quote

        return _go(f"{base}/?notice={quote(str(error).splitlines()[0])}")
    site.classroom.add_assignment(fields.get("title") or blueprint.title, name, seed)
    return _go(f"{base}/")


@for_teacher
async def teacher_links(request: Request, site: Site, base: str) -> Response:
    rows = rooms.link_cards(site.classroom, str(request.base_url))
    return site.page("links", rows=rows)


async def static(request: Request) -> Response:
    site = _site(request)
    path = site.files.get(request.path_params["name"])
    if path is None:
        return _not_found(site)
    return FileResponse(path, headers={"X-Content-Type-Options": "nosniff"})


MAX_BODY = 64 * 1024  # a form of answers is a few hundred bytes


class BodyLimit:
    """Refuse request bodies larger than MAX_BODY before reading them (413)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > MAX_BODY:
                response = PlainTextResponse("Request too large.", status_code=413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(
    classroom: rooms.Classroom,
    pool: Sequence[BankQuestion] = (),
    rate: RateLimit | None = None,
) -> Starlette:
    routes = [
        Route("/", index),
        Route("/static/{name}", static),
        Route("/s/{token}/", home),
        Route("/s/{token}/start", begin, methods=["POST"]),
        Route("/s/{token}/assigned/{assignment}", begin_assigned, methods=["POST"]),
        Route("/s/{token}/practice", practice),
        Route("/s/{token}/history", history_page),
        Route("/s/{token}/{action:str}", act, methods=["POST"]),
        Route("/item/{code}", item, methods=["GET", "POST"]),
        Route("/t/{token}/", teacher),
        Route("/t/{token}/class.csv", teacher_csv),
        Route("/t/{token}/assign", teacher_assign, methods=["POST"]),
        Route("/t/{token}/links", teacher_links),
    ]

    async def unknown(request: Request, _error: Exception) -> Response:
        return _not_found(_site(request))

    async def wrong_method(request: Request, _error: Exception) -> Response:
        return _site(request).message(405, "Not here", "This page is not for that request.")

    app = Starlette(
        routes=routes,
        middleware=[Middleware(BodyLimit)],
        exception_handlers={404: unknown, 405: wrong_method},
    )
    app.state.site = Site(classroom, pool, rate or RateLimit())
    return app
