"""Worker processes: one pool serves several rounds of tasks (a class set's roster pass, then
its papers) without starting new processes."""

from __future__ import annotations

import operator

from quizgen.publish.workers import Workers


def test_a_pool_takes_a_second_round_of_tasks_in_the_processes_of_the_first():
    with Workers(operator.mul, 3, 2, renew_after=100) as pool:
        first = sorted(result for _, result in pool.results([1, 2, 3]))
        started = [worker.process.pid for worker in pool.workers]
        second = sorted(result for _, result in pool.results([4, 5, 6]))
        assert (first, second) == ([3, 6, 9], [12, 15, 18])
        assert [worker.process.pid for worker in pool.workers] == started
