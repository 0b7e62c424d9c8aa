"""Work split over forked worker processes: the ``workers=`` of range queries.

A range query (:func:`~karabakh_routes.reach.periods`) walks its change points in order,
carrying the day's state from one to the next. Cut into contiguous runs of change points,
each run can be walked on its own from a fresh state (a change point's answer does not
depend on where the walk started: ``tests/test_columnar.py`` holds the walk to a fresh
``reach`` on every day) and the runs' periods joined where an answer goes on across a cut.

The workers are **forked** from the calling process, so they share its loaded network,
ledger and compiled claims (copy on write) instead of loading them again or receiving them
pickled; only each run's index goes to a worker and only its result comes back. Where the
platform cannot fork (Windows), the work stays in the calling process, with a warning.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import warnings
from collections.abc import Callable
from typing import Any

#: What the forked workers run, and where they report each step done: set in the parent just
#: before the workers are forked, so that they inherit it (it is never pickled).
_TASK: Callable[[int, Callable[[Any], None]], Any] | None = None
_DONE: Any = None


def usable_cores() -> int:
    """How many cores this process may run on (its CPU affinity where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1


def check_workers(workers: object) -> int:
    """``workers`` as a number of processes: a whole number of at least 1, or None for every usable core."""
    if workers is None:
        return usable_cores()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = (f"workers must be a whole number of processes, at least 1 (or None: one per usable core, "
               f"{usable_cores()} here); got {workers!r}")
        raise ValueError(msg)
    return workers


def why_not_fork() -> str | None:
    """Why worker processes cannot be forked here (they share the loaded data; see the module's docstring), else None."""
    if "fork" not in mp.get_all_start_methods():
        return "needs worker processes forked from this one, which this platform cannot do"
    if mp.current_process().daemon:
        return "needs worker processes, which this process (itself a worker of a process pool) may not start"
    return None


def _run(i: int) -> Any:
    assert _TASK is not None
    return _TASK(i, _report)


def _report(item: Any) -> None:
    if _DONE is not None:
        _DONE.put(item)


def map_forked(task: Callable[[int, Callable[[Any], None]], Any], n: int, workers: int,
               on_step: Callable[[Any], None] | None = None, *, here: str = "the range is walked") -> list[Any]:
    """``[task(i, step) for i in range(n)]``, in ``workers`` forked processes (in this one when it cannot fork).

    ``task`` calls ``step(item)`` after each step of its work; in this process
    ``on_step(item)`` is called for each, in the order they arrive (for a progress display).
    An exception in a task is raised here, once the workers have stopped. ``here``: what the
    warning says is done in this process instead, when it cannot fork.
    """
    step: Callable[[Any], None] = on_step if on_step is not None else (lambda item: None)
    why = why_not_fork() if workers > 1 and n > 1 else None
    if why is not None:
        warnings.warn(f"workers > 1 {why}; {here} in this process", RuntimeWarning, stacklevel=3)
    if workers <= 1 or n <= 1 or why is not None:
        return [task(i, step) for i in range(n)]
    global _TASK, _DONE
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("fork")
    done = ctx.Queue() if on_step is not None else None
    _TASK, _DONE = task, done
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns when a process with Python threads forks (a notebook's kernel has
            # several; pyarrow's and BLAS's native threads do not count): a child could find a lock
            # held by one of them. The workers take none of theirs: they compute and hand back
            # their results through pipes of their own, with no printing or logging
            warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks",
                                    category=DeprecationWarning)
            # (the workers are forked as the tasks are submitted, while _TASK is set; a worker
            # that dies, killed for memory say, raises BrokenProcessPool here instead of hanging)
            pool = ProcessPoolExecutor(max_workers=min(workers, n), mp_context=ctx)
            try:
                futures = [pool.submit(_run, i) for i in range(n)]
                if done is not None:
                    _relay(done, step, lambda: all(f.done() for f in futures))
                out = [f.result() for f in futures]
            except BaseException:
                # (a task's error, or one in ``on_step``: the tasks not started are dropped, and
                # the error raised once the running ones have stopped)
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
        if done is not None:  # the workers have exited, each flushing what it reported: what was still on its way
            _relay(done, step, lambda: True)
        return out
    finally:
        _TASK, _DONE = None, None
        if done is not None:
            done.close()


def _relay(done: Any, step: Callable[[Any], None], finished: Callable[[], bool]) -> None:
    """Pass what the workers report on to ``step`` until the queue is empty and ``finished()``."""
    while True:
        try:
            step(done.get(timeout=0.05))
        except queue.Empty:
            if finished():
                return
