"""The site: Starlette routes over the practice engine, pages from ``templates/web``.

Every page is rendered on the server (MathML for maths, SVG for charts; no script at all), so
nothing reaches the browser that the page does not show: a problem's answers only after they
have been given. Learners are found by the private token in their links, compared in constant
time; every POST carries a form token bound to whom the page was for; answers and hints are
rate-limited per link (never per address: a classroom behind one NAT is one address). In a
class nothing a student can reach shows an answer without an attempt in their history.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.core.model import DIFFICULTIES, FORMS, Part, part_letter
from quizgen.core.seeds import fresh_seed
from quizgen.exam.banks import BankQuestion
from quizgen.exam.model import BankItem
from quizgen.practice.engine import BankRun, ProblemRun
from quizgen.practice.feedback import explain, rounding
from quizgen.practice.session import session_forms, topics_in_forms
from quizgen.web import assets, charts
from quizgen.web import classroom as rooms
from quizgen.web.assets import FOREVER
from quizgen.web.guards import Guards
from quizgen.web.security import FormTokens, RateLimit
from quizgen.web.sitting import (
    PRACTICE,
    Settings,
    Sitting,
    answer_action,
    begin,
    item_codes,
    practice_spec,
    restore,
)

MAX_COUNT = 30
#: each form as the practice page offers it, and what it asks
FORM_NAMES = {"forward": "Forward", "inverse": "Inverse", "whatif": "What if", "spot": "Spot"}
FORM_HELP = {
    "forward": "compute the results from the givens",
    "inverse": "find a given from a result",
    "whatif": "one thing of the set-up changes: the new result",
    "spot": "find the first wrong step of a worked solution",
}
SECURITY_HEADERS = {
    # no script runs; styles and fonts come from this site; SVG charts carry inline styles
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a private link never leaves in a Referer header
    "Cache-Control": "no-store",
}


class Site:
    """What the routes share: the classroom, the form tokens, the rate limit, the templates,
    the address links are built from, and what is cached (sittings, charts; each checked
    against the store or the history, so another process's writes are never missed)."""

    def __init__(
        self,
        classroom: rooms.Classroom,
        pool: Sequence[BankQuestion],
        rate: RateLimit,
        base: str,
    ) -> None:
        from quizgen.render.html import environment

        self.classroom = classroom
        self.store = classroom.store
        self.pool = list(pool)
        self.rate = rate
        self.base = base.rstrip("/")
        self.forms = FormTokens(classroom.secret)
        self.files = assets.build()
        self.by_name = {a.name: a for a in self.files.values()}
        # the templates are read once: no stat of each template file on every page
        self.env = environment("mathml").overlay(auto_reload=False)
        self.env.globals.update(
            topics=topics.registry(),
            offered_forms=[
                f for f in FORMS if any(f in t.forms for t in topics.registry().values())
            ],
            form_names=FORM_NAMES,
            form_help=FORM_HELP,
            topic_title=topic_title,
            answer_action=answer_action,
            difficulties=DIFFICULTIES,
            rounding=rounding,
            spoken=spoken,
            explain=explain,
            is_class=classroom.is_class,
            stylesheet=f"/static/{self.files['site.css'].name}",
            icon=f"/static/{self.files['icon.svg'].name}",
        )
        self._sittings: dict[tuple[str, str], tuple[int, Sitting]] = {}
        self._charts: dict[str, tuple[int, dict[str, Markup]]] = {}

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(f"web/{name}.html").render(**context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def message(self, status: int, title: str, text: str) -> HTMLResponse:
        return self.page("message", status, title=title, text=text)

    def sitting(self, learner: rooms.Learner, slot: str | None = None) -> Sitting | None:
        """The learner's current sitting (or that of ``slot``), as the store has it now."""
        store = self.store
        found = store.revision(learner.id, slot)
        if found is None:
            return None
        key = (learner.id, found[0])
        cached = self._sittings.get(key)
        if cached is not None and cached[0] == found[1]:
            return cached[1]
        saved = store.sitting(learner.id, found[0])
        if saved is None:
            return None
        sitting = restore(self.classroom.located(saved.state), learner.history, self.pool)
        self._sittings[key] = (saved.revision, sitting)
        return sitting

    def keep(self, learner: rooms.Learner, sitting: Sitting) -> None:
        """Store the sitting (it becomes the learner's current one)."""
        slot = sitting.spec.get("slot", PRACTICE)
        revision = self.store.save(learner.id, slot, sitting.state())
        self._sittings[(learner.id, slot)] = (revision, sitting)

    def forget(self, learner: rooms.Learner) -> None:
        """Drop the learner's cached sittings (read again from the store when next asked)."""
        for key in [key for key in self._sittings if key[0] == learner.id]:
            del self._sittings[key]

    async def charts(self, learner: rooms.Learner) -> dict[str, Markup]:
        """The history page's charts, drawn off the event loop and again only when the
        history has grown."""
        history = learner.history
        count = history.count()
        cached = self._charts.get(learner.id)
        if cached is not None and cached[0] == count:
            return cached[1]
        series: dict[str, list[tuple[str, float]]] = {}
        for topic, day, n, right in history.topic_by_day():
            series.setdefault(topic_title(topic), []).append((day, right / n))
        mistakes = history.misconceptions(limit=8)
        drawn = await run_in_threadpool(_draw_charts, series, mistakes)
        self._charts[learner.id] = (count, drawn)
        return drawn


def _draw_charts(
    series: dict[str, list[tuple[str, float]]], mistakes: list[tuple[str, str, int]]
) -> dict[str, Markup]:
    return {
        "over_time": charts.accuracy_over_time(series),
        "mistakes": charts.bars(
            [label for _, label, _ in mistakes], [n for *_, n in mistakes], "times"
        ),
    }


def spoken(part: Part, index: int) -> str:
    """An answer box's accessible name with its maths in text (a screen reader may skip the
    MathML of a label): "(a) σ(z) (to 4 decimal places) =" rather than "(a) (to 4 ...) ="."""
    from quizgen.render.unicode_math import inline

    return f"({part_letter(index)}) {inline(part.label)}{rounding(part)} ="


def topic_title(name: str) -> str:
    """A topic's title for pages (``linear_regression`` is "Linear regression")."""
    known = topics.registry().get(name)
    return known.title if known is not None else name.replace("_", " ").capitalize()


def _site(request: Request) -> Site:
    return request.app.state.site


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def _fields(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The posted form's text fields, and the boxes ticked (topics, forms) by name."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    ticked = {
        name: [v for v in form.getlist(name) if isinstance(v, str)] for name in ("topic", "form")
    }
    return fields, ticked


async def _form(request: Request, scope: str) -> dict[str, str] | None:
    """The posted form if its token is good for ``scope``, else None."""
    fields, _ = await _fields(request)
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
    sets = []  # each assigned set with where the learner is in it (None: not started)
    for assignment in site.classroom.assignments:
        saved = site.store.sitting(learner.id, assignment.id)
        sets.append((assignment, saved.state if saved else None))
    return site.page(
        "home",
        learner=learner,
        base=_base(learner),
        csrf=site.forms.issue(learner.token),
        assignments=sets,
        sitting=site.sitting(learner),
        has_bank=bool(site.pool),
        notice=request.query_params.get("notice", ""),
    )


def _settings(fields: dict[str, str], ticked: dict[str, list[str]]) -> Settings:
    """The practice asked for; the topics ticked that have none of the forms ticked are left
    out (all of them: a QuizgenError that says so)."""
    names = [t for t in ticked["topic"] if t in topics.registry()] or list(topics.registry())
    difficulty = fields.get("difficulty", "medium")
    try:
        count = max(1, min(MAX_COUNT, int(fields.get("count", "5"))))
    except ValueError:
        count = 5
    adaptive = fields.get("adaptive") == "on"
    derivations = fields.get("kind") == "derivations"
    forms = session_forms(ticked["form"], adaptive)
    if not derivations:
        names = topics_in_forms(names, forms)
        if not names:
            words = " or ".join(FORM_NAMES[f] for f in forms)
            raise QuizgenError(f"None of the topics ticked is asked in the form {words}.")
    return Settings(
        topics=tuple(names),
        difficulty=difficulty if difficulty in DIFFICULTIES else "medium",  # type: ignore[arg-type]
        adaptive=adaptive,
        count=count,
        derivations=derivations,
        forms=forms,
    )


@for_learner
async def begin_practice(request: Request, site: Site, learner: rooms.Learner) -> Response:
    fields, ticked = await _fields(request)
    if not site.forms.valid(fields.get("csrf"), learner.token):
        return _forbidden(site)
    try:
        settings = _settings(fields, ticked)
    except QuizgenError as error:
        return _go(f"{_base(learner)}/?notice={quote(str(error))}")
    spec = practice_spec(settings, fresh_seed())
    site.keep(learner, begin(spec, learner.history, site.pool))
    return _go(f"{_base(learner)}/practice")


@for_learner
async def begin_assigned(request: Request, site: Site, learner: rooms.Learner) -> Response:
    """An assigned set: drawn once per student, then only resumed (never drawn again), so each
    problem is answered once and its first answers are the ones counted."""
    if await _form(request, learner.token) is None:
        return _forbidden(site)
    classroom = site.classroom
    assignment = classroom.assignment(request.path_params["assignment"])
    if assignment is None:
        return _not_found(site)
    if site.store.sitting(learner.id, assignment.id) is not None:
        site.store.make_current(learner.id, assignment.id)
        return _go(f"{_base(learner)}/practice")
    try:
        sitting = begin(_assigned_spec(classroom, assignment, learner), learner.history, site.pool)
    except QuizgenError as error:
        return site.message(500, "This set cannot be opened", f"Tell your teacher: {error}")
    site.keep(learner, sitting)
    return _go(f"{_base(learner)}/practice")


def _assigned_spec(
    classroom: rooms.Classroom, assignment: rooms.Assignment, learner: rooms.Learner
) -> dict[str, Any]:
    return {
        "kind": "assigned",
        "slot": assignment.id,
        "title": assignment.title,
        "blueprint": classroom.blueprint_path(assignment),
        "seed": assignment.seed,
        "student": learner.id,
        "name": learner.name,
        "picks": dict(classroom.picks(assignment, learner.id)),
    }


def _set_holding(site: Site, learner: rooms.Learner, code: str) -> rooms.Assignment | None:
    """The assigned set, not yet over, that holds the problem ``code`` stands for: it is
    answered there, once, and not first practised on its own."""
    for assignment in site.classroom.assignments:
        saved = site.store.sitting(learner.id, assignment.id)
        if saved is not None and saved.state["over"]:
            continue
        spec = _assigned_spec(site.classroom, assignment, learner)
        try:
            if code in item_codes(spec, site.pool):
                return assignment
        except QuizgenError:
            continue  # a set that cannot be drawn holds nothing
    return None


@for_learner
async def item_for_learner(request: Request, site: Site, learner: rooms.Learner) -> Response:
    """A code from a paper, practised as a sitting of its own: answered part by part and
    recorded in the learner's history like any practice (never a page of answers)."""
    code = request.path_params.get("code", "")
    if request.method == "GET":
        return site.page(
            "item_open",
            learner=learner,
            base=_base(learner),
            code=code,
            csrf=site.forms.issue(learner.token),
        )
    fields = await _form(request, learner.token)
    if fields is None:
        return _forbidden(site)
    code = (fields.get("code") or code).strip()
    held = _set_holding(site, learner, code)
    if held is not None:
        notice = f"{code} is in the set {held.title!r}: answer it there, where it counts once"
        return _go(f"{_base(learner)}/?notice={quote(notice)}")
    try:
        sitting = begin({"kind": "item", "code": code}, learner.history, site.pool)
    except QuizgenError as error:
        return _go(f"{_base(learner)}/?notice={quote(str(error).splitlines()[0])}")
    site.keep(learner, sitting)
    return _go(f"{_base(learner)}/practice")


@for_learner
async def practice(request: Request, site: Site, learner: rooms.Learner) -> Response:
    sitting = site.sitting(learner)
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
        assigned=sitting.spec.get("kind") == "assigned",
    )


@for_learner
async def act(request: Request, site: Site, learner: rooms.Learner) -> Response:
    """Every answer, hint, skip, reveal and "next" of the practice page."""
    fields = await _form(request, learner.token)
    if fields is None:
        return _forbidden(site)
    with site.store.writing(learner.id):  # one request of this learner at a time, anywhere
        if not site.rate.allow(site.store, learner.token):
            return _slow_down(site)
        sitting = site.sitting(learner)
        if sitting is None:
            return _go(f"{_base(learner)}/")
        try:
            if sitting.apply(request.path_params["action"], fields):
                site.keep(learner, sitting)
        except BaseException:
            site.forget(learner)  # what is cached may be half-changed: the store is the truth
            raise
    return _go(f"{_base(learner)}/practice")


@for_learner
async def history_page(request: Request, site: Site, learner: rooms.Learner) -> Response:
    history = learner.history
    stats = history.topic_stats()
    charts = await site.charts(learner) if stats else {}
    return site.page(
        "history",
        learner=learner,
        base=_base(learner),
        stats=sorted(stats, key=lambda s: s.accuracy),
        mistakes=history.misconceptions(limit=10),
        days=history.by_day(),
        charts=charts,
    )


# -- /item/CODE: the problem behind a printed code ----------------------------------------------


async def item(request: Request) -> Response:
    """The problem behind a printed code, on a one-learner site. In a class it opens from a
    student's own link (recorded) or the teacher's (``/t/TOKEN/item/CODE``), never for anyone."""
    site = _site(request)
    if site.classroom.is_class:
        return site.message(
            404,
            "Open it from your own page",
            "In a class, a code from a paper opens from your private link: go to your "
            "practice page and type the code there.",
        )
    return await _item_page(request, site, "/item", rooms.SOLO)


@for_teacher
async def item_for_teacher(request: Request, site: Site, base: str) -> Response:
    return await _item_page(request, site, f"{base}/item", request.path_params["token"])


async def _item_page(request: Request, site: Site, prefix: str, who: str) -> Response:
    """A form of every part at once that posts back here (not recorded: for the teacher, or
    the one learner of a solo site, who checks a paper's answers)."""
    from quizgen.practice.session import item_for_code

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
        if not site.rate.allow(site.store, f"item:{who}"):
            return _slow_down(site)
    csrf = site.forms.issue(f"item:{code}")
    action = f"{prefix}/{code}"
    if isinstance(found, BankItem):
        return _bank_item_page(site, code, found, fields, csrf, action)
    problem = found
    topic = topics.get(problem.topic, problem.form)
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
        action=action,
    )


def _bank_item_page(
    site: Site, code: str, item: BankItem, fields: dict[str, str] | None, csrf: str, action: str
) -> Response:
    """A derivation question by its id: answered once, judged by the engine, not recorded."""
    from quizgen.practice.engine import Practice

    sitting = Sitting(Practice(None), iter([item]), 1, "Item")
    sitting.advance()
    if fields is not None:
        sitting.apply(answer_action(item), fields)
    return site.page("item_bank", code=code, item=item, sitting=sitting, csrf=csrf, action=action)


# -- the teacher's pages ------------------------------------------------------------------------


@for_teacher
async def teacher(request: Request, site: Site, base: str) -> Response:
    from quizgen.exam.blueprint import shipped_blueprints

    classroom = site.classroom
    return site.page(
        "teacher",
        view=rooms.class_view(classroom),
        base=base,
        csrf=site.forms.issue("teacher"),
        sets=rooms.set_progress(classroom),
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
    try:
        seed = int(fields.get("seed") or fresh_seed())
        site.classroom.add_assignment(
            fields.get("title", "").strip(), fields.get("blueprint", "").strip(), seed
        )
    except (QuizgenError, ValueError) as error:
        return _go(f"{base}/?notice={quote(str(error).splitlines()[0])}")
    return _go(f"{base}/")


@for_teacher
async def teacher_links(request: Request, site: Site, base: str) -> Response:
    return site.page("links", rows=rooms.link_cards(site.classroom, site.base))


async def static(request: Request) -> Response:
    site = _site(request)
    asset = site.by_name.get(request.path_params["name"])
    if asset is None:
        return _not_found(site)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": FOREVER}
    return Response(asset.body, media_type=asset.media_type, headers=headers)


async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico whatever the page says: the site's icon, kept a day."""
    asset = _site(request).files["icon.svg"]
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"}
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def create_app(
    classroom: rooms.Classroom,
    pool: Sequence[BankQuestion] = (),
    rate: RateLimit | None = None,
    base: str = "http://127.0.0.1:8000",
    listening: str = "127.0.0.1",
) -> Starlette:
    """The site for ``classroom``; ``base`` is the address its links are built from. It
    answers only to this machine's loopback names, the host of ``base`` and the address it
    listens on (``listening``), so a page on any other name (DNS rebinding) gets nothing."""
    routes = [
        Route("/", index),
        Route("/favicon.ico", favicon),
        Route("/static/{name}", static),
        Route("/s/{token}/", home),
        Route("/s/{token}/start", begin_practice, methods=["POST"]),
        Route("/s/{token}/assigned/{assignment}", begin_assigned, methods=["POST"]),
        Route("/s/{token}/practice", practice),
        Route("/s/{token}/history", history_page),
        Route("/s/{token}/item", item_for_learner, methods=["POST"]),
        Route("/s/{token}/item/{code}", item_for_learner, methods=["GET", "POST"]),
        Route("/s/{token}/{action:str}", act, methods=["POST"]),
        Route("/item/{code}", item, methods=["GET", "POST"]),
        Route("/t/{token}/", teacher),
        Route("/t/{token}/class.csv", teacher_csv),
        Route("/t/{token}/assign", teacher_assign, methods=["POST"]),
        Route("/t/{token}/links", teacher_links),
        Route("/t/{token}/item/{code}", item_for_teacher, methods=["GET", "POST"]),
    ]

    async def unknown(request: Request, _error: Exception) -> Response:
        return _not_found(_site(request))

    async def wrong_method(request: Request, _error: Exception) -> Response:
        return _site(request).message(405, "Not here", "This page is not for that request.")

    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guards, hosts=[urlsplit(base).hostname or "", listening])],
        exception_handlers={404: unknown, 405: wrong_method},
    )
    app.state.site = Site(classroom, pool, rate or RateLimit(), base)
    return app
