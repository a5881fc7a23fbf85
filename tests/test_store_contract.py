"""The site's store and the practice histories keep one contract on both back ends: SQLite (a
class folder's files) and PostgreSQL (one database shared by every process of a class). Each
test runs on both; what a test expects is worked out from what it stored, not from the other
back end."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from quizgen.core.errors import QuizgenError
from quizgen.practice.history import Attempt, History
from quizgen.web.store import Store

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def connect(request, tmp_path):
    """Opens another connection to one fresh store (as another worker process would)."""
    opened = []
    if request.param == "sqlite":

        def open_store():
            opened.append(Store(tmp_path / "site.sqlite"))
            return opened[-1]
    else:
        from quizgen.web.postgres_store import PostgresStore

        url = request.getfixturevalue("postgres_url")

        def open_store():
            opened.append(PostgresStore(url))
            return opened[-1]

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def history_of(connect, tmp_path):
    """A learner's history on the same back end as ``connect``."""
    from quizgen.web.postgres_store import PostgresStore

    store = connect()
    if isinstance(store, PostgresStore):
        return store.history
    opened: list[History] = []

    def history(learner: str):
        opened.append(History(tmp_path / "history" / f"{learner}.sqlite"))
        return opened[-1]

    return history


def test_a_saved_sitting_is_read_back_from_another_connection_as_the_current_one(connect):
    connect().save("ann", "practice", {"number": 1, "answers": ["0.5"]})
    saved = connect().current("ann")
    assert (saved.slot, saved.revision, saved.state) == (
        "practice",
        1,
        {"number": 1, "answers": ["0.5"]},
    )


def test_every_save_adds_one_to_the_revision(connect):
    store = connect()
    revisions = [store.save("ann", "practice", {"n": n}) for n in range(3)]
    assert revisions == [1, 2, 3]
    assert connect().sitting("ann", "practice").state == {"n": 2}


def test_a_sitting_saved_aside_leaves_the_current_one_until_made_current(connect):
    store = connect()
    store.save("ann", "practice", {"n": 1})
    store.save("ann", "a1", {"n": 2}, current=False)
    assert store.current("ann").slot == "practice"
    store.make_current("ann", "a1")
    assert connect().current("ann").slot == "a1"


def test_a_learner_with_no_sitting_has_none(connect):
    store = connect()
    store.save("ann", "practice", {})
    assert store.current("bo") is None
    assert store.sitting("ann", "a1") is None


def test_one_slot_gives_every_learners_sitting_of_it_only(connect):
    store = connect()
    store.save("ann", "a1", {"who": "ann"})
    store.save("bo", "a1", {"who": "bo"})
    store.save("bo", "practice", {"who": "bo practising"})
    assert connect().in_slot("a1") == {"ann": {"who": "ann"}, "bo": {"who": "bo"}}


def test_a_bucket_gives_its_burst_then_refuses_and_is_shared(connect):
    first, second = connect(), connect()
    taken = [store.take("ann", 0.0, 3) for store in (first, second, first, second)]
    assert taken == [True, True, True, False]
    assert first.take("bo", 0.0, 3)  # another key, another bucket


def test_a_bucket_refills_at_its_rate(connect):
    store = connect()
    assert [store.take("ann", 50.0, 1) for _ in range(2)] == [True, False]
    time.sleep(0.05)
    assert store.take("ann", 50.0, 1)


def test_a_request_that_fails_on_postgresql_leaves_nothing_of_its_writes(connect):
    from quizgen.web.postgres_store import PostgresStore

    store = connect()
    if not isinstance(store, PostgresStore):
        pytest.skip("SQLite commits each write of a request as it goes, under the learner's lock")
    with pytest.raises(RuntimeError), store.writing("ann"):
        store.save("ann", "practice", {"n": 1})
        raise RuntimeError("the request failed")
    assert connect().current("ann") is None


def _request_in_another_connection(second, learner: str) -> threading.Event:
    """A request of ``learner`` started in ``second`` on a thread: set when it is done."""
    done = threading.Event()

    def request():
        with second.writing(learner):
            second.save(learner, "practice", {"n": 1})
        done.set()

    threading.Thread(target=request, daemon=True).start()
    return done


def test_requests_of_one_learner_in_two_connections_take_turns(connect):
    first, second = connect(), connect()
    with first.writing("ann"):
        first.save("ann", "practice", {"n": 1})
        done = _request_in_another_connection(second, "ann")
        assert not done.wait(0.5)  # waits for the first request to end
    assert done.wait(30)
    assert second.current("ann").revision == 2


def test_a_request_of_another_learner_does_not_wait(connect):
    first, second = connect(), connect()
    with first.writing("ann"):
        first.save("ann", "practice", {"n": 1})
        done = _request_in_another_connection(second, "bo")
        assert done.wait(30)  # while ann's request still runs
    assert second.current("bo").revision == 1


def test_the_revision_is_read_without_the_state(connect):
    store = connect()
    store.save("ann", "practice", {"n": 1})
    store.save("ann", "a1", {"n": 2}, current=False)
    store.save("ann", "a1", {"n": 3}, current=False)
    assert store.revision("ann") == ("practice", 1)
    assert store.revision("ann", "a1") == ("a1", 2)
    assert store.revision("bo") is None and store.revision("ann", "a2") is None


def test_a_reopened_store_reads_what_was_stored(connect):
    store = connect()
    store.save("ann", "practice", {"n": 1})
    store.close()
    again = store.reopen()
    assert again.current("ann").state == {"n": 1}
    again.close()


def test_a_store_from_a_newer_quizgen_is_refused_in_one_line(connect):
    from quizgen.web.postgres_store import PostgresStore

    store = connect()
    if isinstance(store, PostgresStore):
        store.db.execute("UPDATE quizgen_schema SET version = 99 WHERE part = 'site'")
    else:
        store.db.execute("PRAGMA user_version = 99")
    store.close()
    with pytest.raises(QuizgenError, match=r"newer quizgen \(schema 99; this one reads up to 1\)"):
        connect()


# -- histories ----------------------------------------------------------------------------------

ATTEMPTS = [
    Attempt("sigmoid", 1, "easy", "SGE-1", "sigma", "0.5", True, 2.0),
    Attempt("sigmoid", 1, "easy", "SGE-1", "dsigma", "0.3", False, 3.0, misconception="sign"),
    Attempt("relu", 2, "hard", "RLH-2", "a", None, False, 1.0, outcome="skipped"),
    Attempt("sigmoid", 3, "hard", "SGH-3", "sigma", "0.1", False, 1.0, misconception="sign"),
    Attempt("relu", 4, "easy", "RLE-4", "a", None, False, 0.5, outcome="shown"),
    Attempt("relu", 5, "easy", "RLE-5", "a", "2", False, 4.0, misconception="slope"),
]


@pytest.fixture
def practised(history_of):
    history = history_of("ann")
    session = history.start_session("quiz")
    for attempt in ATTEMPTS:
        history.record(session, attempt)
    return history


def test_topic_stats_count_attempts_and_right_ones(practised):
    by_topic = Counter(a.topic for a in ATTEMPTS)
    right = Counter(a.topic for a in ATTEMPTS if a.correct)
    stats = [(s.topic, s.attempts, s.correct) for s in practised.topic_stats()]
    assert stats == [(t, by_topic[t], right[t]) for t in sorted(by_topic)]


def test_the_commonest_named_mistakes_come_first(practised):
    assert practised.misconceptions() == [("sigmoid", "sign", 2), ("relu", "slope", 1)]
    assert practised.misconceptions(limit=1) == [("sigmoid", "sign", 2)]


def test_recent_and_latest_give_answered_parts_newest_first(practised):
    answered = [a for a in ATTEMPTS if a.answer is not None]
    assert practised.recent("sigmoid") == [
        (a.correct, a.difficulty) for a in reversed(answered) if a.topic == "sigmoid"
    ]
    latest = practised.latest(2)
    assert [(c, m) for c, m, _ in latest] == [(False, "slope"), (False, "sign")]
    assert latest[0][2] >= latest[1][2] > 0


def test_days_are_utc_calendar_days(practised):
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert practised.by_day() == [(today, len(ATTEMPTS), 1)]
    assert practised.topic_by_day() == [("relu", today, 3, 0), ("sigmoid", today, 3, 1)]


def test_attempts_are_counted_by_outcome(practised):
    outcomes = Counter(a.outcome for a in ATTEMPTS)
    assert practised.count() == len(ATTEMPTS)
    assert [practised.count(o) for o in ("answered", "skipped", "shown")] == [
        outcomes["answered"],
        outcomes["skipped"],
        outcomes["shown"],
    ]


def test_one_learners_history_holds_nothing_of_anothers(practised, history_of):
    other = history_of("bo")
    assert other.count() == 0 and other.topic_stats() == [] and other.latest() == []
    other.record(other.start_session("web"), ATTEMPTS[0])
    assert other.count() == 1
    assert practised.count() == len(ATTEMPTS)
