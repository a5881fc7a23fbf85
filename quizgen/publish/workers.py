"""Worker processes that the parent owns outright, so that a class set stops the moment it is
told to.

``multiprocessing.Pool`` shares one task queue guarded by a lock. A worker killed by a signal
sent to the whole process group (Ctrl-C in a terminal, SIGTERM from a service manager) while it
holds that lock leaves it held for ever, and the parent's ``terminate`` then waits on it. Here
each worker has a pipe of its own and ignores SIGINT and SIGTERM: the parent alone decides when
to stop, and then kills its workers outright, without waiting for any task to finish and
without touching anything a dead worker could have left locked.

Workers are spawned, not forked: a forked child can inherit a lock held by a thread of the
parent (Typst's compiler runs threads) and hang.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from quizgen.core.errors import QuizgenError
from quizgen.publish.papers import signals_held

STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_NO_TASK = object()  # what an idle worker has in hand


def _serve(function: Callable[[Any, Any], Any], shared: Any, connection: Connection) -> None:
    """A worker's life: run ``function(task, shared)`` for each task the parent sends, until it
    sends None or goes away. The stopping signals are the parent's business alone."""
    for number in STOPPING_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    # the parent blocked them while starting this process; any that came meanwhile are dropped
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING_SIGNALS)
    try:
        while (task := connection.recv()) is not None:
            try:
                reply = (True, function(task, shared))
            except Exception as exc:
                reply = (False, exc)
            try:
                connection.send(reply)
            except Exception as exc:  # a result or an exception that cannot be pickled
                connection.send((False, QuizgenError(f"a worker's reply was lost: {exc!r}")))
    except (EOFError, BrokenPipeError):
        pass  # the parent has gone: nothing to do for anyone


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    task: Any = _NO_TASK  # the task in hand
    done: int = 0  # tasks finished, to renew the process after enough of them


class Workers:
    """``count`` processes running ``function(task, shared)``; ``shared`` is sent once to each.
    A process is replaced after ``renew_after`` tasks, which keeps memory flat whatever the
    libraries cache between tasks. Use as a context manager: leaving the block, for whatever
    reason, kills every worker at once."""

    def __init__(
        self,
        function: Callable[[Any, Any], Any],
        shared: Any,
        count: int,
        renew_after: int,
    ) -> None:
        self.function = function
        self.shared = shared
        self.count = count
        self.renew_after = renew_after
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.retired: list[BaseProcess] = []

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_serve, args=(self.function, self.shared, theirs), daemon=True
        )
        # Blocked here, the stopping signals are blocked in the child until it ignores them;
        # held (by the parent's other threads, which may take them), they wait until the worker
        # is on the list and its start-up data sent, so it is never left behind half-started.
        # The resource tracker starts first: starting it unblocks them in passing.
        resource_tracker.ensure_running()
        with signals_held():
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
            try:
                process.start()
                theirs.close()
                worker = _Worker(process, ours)
                self.workers.append(worker)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Let a worker that has done its share exit on its own."""
        self.workers.remove(worker)
        with suppress(OSError):  # already gone
            worker.connection.send(None)
        worker.connection.close()
        self.retired = [p for p in self.retired if p.is_alive()]  # reaps those that have exited
        self.retired.append(worker.process)

    def results(self, tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """(task, result) for every task, in the order they finish; the workers an earlier
        call started take them first. A worker's exception is raised here; a worker that dies
        is a QuizgenError."""
        pending = iter(tasks)

        def give(worker: _Worker) -> bool:
            task = next(pending, _NO_TASK)
            if task is _NO_TASK:
                return False
            worker.task = task
            worker.connection.send(task)
            return True

        idle = [w for w in self.workers if w.task is _NO_TASK]  # from earlier tasks
        if all(give(worker) for worker in idle):
            while len(self.workers) < self.count and give(self._start()):
                pass
        while busy := [w for w in self.workers if w.task is not _NO_TASK]:
            ready = set(wait([w.connection for w in busy] + [w.process.sentinel for w in busy]))
            for worker in busy:
                if worker.connection in ready or worker.connection.poll():
                    result = self._receive(worker)
                elif worker.process.sentinel in ready:
                    self._died(worker)
                else:
                    continue
                task, worker.task = worker.task, _NO_TASK
                worker.done += 1
                if worker.done >= self.renew_after:
                    self._retire(worker)
                    worker = self._start()
                give(worker)
                yield task, result

    def _receive(self, worker: _Worker) -> Any:
        try:
            ok, value = worker.connection.recv()
        except (EOFError, OSError):
            self._died(worker)
        if not ok:
            raise value
        return value

    def _died(self, worker: _Worker) -> None:
        worker.process.join(1)
        raise QuizgenError(
            f"a worker process stopped unexpectedly (exit status {worker.process.exitcode}) "
            f"while working on {worker.task}"
        )

    def in_hand(self) -> list[Any]:
        """The tasks that workers had started and not finished."""
        return [w.task for w in self.workers if w.task is not _NO_TASK]

    def stop(self) -> None:
        """Kill every worker now, whatever it is doing (they ignore SIGTERM), and reap them."""
        processes = [*(w.process for w in self.workers), *self.retired]
        for process in processes:
            if process.exitcode is None:
                process.kill()
        for process in processes:
            process.join()
        for worker in self.workers:
            worker.connection.close()
