"""The crawl's extraction workers, driven from Scrapy's reactor thread.

Each worker is a ``limits`` worker process (``limits._serve``: one task at a time over a pipe,
under the same time and memory limits as ``limits.Sandbox``), but nothing blocks waiting for it.
The reactor watches each worker's pipe and reads a result when it is there; a timer stops a task
at its time limit; a look at each busy worker's memory every ``WATCH_EVERY`` seconds stops one
that goes over its memory limit. A stopped task fails with LimitExceeded, its worker is killed,
and the next task gets a new one; tasks that had been sent ahead to it go to the new one, in order.

Before, a thread per worker waited on it and handed each result over to the reactor: a GIL
round trip per document that, on 2 cores, cost ~1 s of CPU per 2,000 reports (bench/NOTES.md).
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import CancelledError

from twisted.internet import defer, task

from govcrawl.extract.limits import (CRAWL_AS_FACTOR, DOC_MEMORY_MB, DOC_SECONDS, WATCH_EVERY, _measured, _over,
                                     _RemoteTraceback, TaskClock, died, kill_tree, remove_worker_tmp,
                                     start_worker, too_big, too_long)
from govcrawl.extract.pool import task_modules


def _reactor():
    from twisted.internet import reactor  # imported when used: Scrapy installs its reactor first

    return reactor


# A worker is sent its next tasks while it still runs one, so that it never waits for the reactor
# (busy with a batch of responses or a commit) to read a result and send the next: sent one at a
# time, the crawl took 3 s longer than with a thread waiting on each worker (bench/NOTES.md).
# Only small tasks go ahead (report pages, not a 5 MB PDF), and no more than AHEAD_BYTES of them:
# the pipe (a socket pair, ~190 KB) holds them, so sending one never blocks the reactor while the
# worker is busy.
AHEAD_BYTES = 96 * 1024
AHEAD_TASKS = 8


class _Worker:
    """One worker process and the tasks sent to it (the first one runs); a reader of the worker's
    pipe for the reactor (twisted's IReadDescriptor: fileno, doRead, connectionLost, logPrefix)."""

    def __init__(self, pool: "WorkerPool"):
        self.pool = pool
        self.proc = self.conn = None
        self.fd = -1
        self.sent = 0  # tasks sent to this process
        self.tasks: deque[tuple] = deque()  # (fn, args, deferred, pickled size), in the order sent
        self.timer = None  # the running task's time limit
        self.clock: TaskClock | None = None  # the running task's, for its time limit

    # -- the process ------------------------------------------------------------
    def _start(self, fn, args) -> None:
        self.proc, self.conn = start_worker(self.pool.memory, CRAWL_AS_FACTOR, task_modules(_measured, fn, *args),
                                            self.pool.nice)
        self.fd, self.sent = self.conn.fileno(), 0
        _reactor().addReader(self)

    def _let_go(self, kill: bool) -> None:
        """Stop watching the pipe and close it: the worker reads its end and exits (``kill``: killed
        now). Not waited for here: the pool reaps it later, without holding the reactor."""
        proc, conn = self.proc, self.conn
        if proc is None:
            return
        _reactor().removeReader(self)
        self.proc = self.conn = None
        self.fd = -1
        if kill:
            kill_tree(proc)
        conn.close()
        self.pool._ended.append(proc)

    # -- tasks ----------------------------------------------------------------------
    def takes(self, size: int) -> bool:
        """Whether a task of ``size`` pickled bytes may be sent now."""
        if not self.tasks:
            return True
        ahead = sum(t[3] for t in list(self.tasks)[1:])
        return len(self.tasks) <= AHEAD_TASKS and ahead + size <= AHEAD_BYTES and not self._due()

    def _due(self) -> bool:
        return bool(self.pool.recycle_after) and self.sent >= self.pool.recycle_after

    def send(self, fn, args, data: bytes, d: defer.Deferred) -> None:
        pool = self.pool
        if self.proc is not None and not self.tasks and self._due():
            self._let_go(kill=False)
            pool.replaced += 1
        for attempt in (1, 2):
            if self.proc is None:
                self._start(fn, args)
            try:
                self.conn.send_bytes(data)
                break
            except OSError:  # the worker is gone
                lost = self._drop_tasks()
                self._let_go(kill=True)
                if lost:  # it died on the task it ran, before the reactor read its end: as doRead says then
                    pool._requeue(lost[1:] + [(fn, args, d)])
                    lost[0][2].errback(died(pool.memory))
                    return
                if attempt == 2:  # an idle one (killed from outside) is not this task's doing: a new one, once
                    d.errback(died(pool.memory))
                    return
        self.sent += 1
        self.tasks.append((fn, args, d, len(data)))
        if len(self.tasks) == 1:
            self._time()

    def _time(self) -> None:
        # The running task's clock starts when it is the first (its predecessor's result is read)
        self.clock = TaskClock(self.proc.pid)
        self.timer = _reactor().callLater(self.pool.seconds, self._too_long)

    def _drop_tasks(self) -> list[tuple]:
        tasks, self.tasks = list(self.tasks), deque()
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        return tasks

    def _stop(self, error: Exception) -> None:
        """Kill the worker mid-task: the running task fails with ``error``; those sent after it go
        to a new worker, in order."""
        tasks = self._drop_tasks()
        self._let_go(kill=True)
        if tasks:
            self.pool._requeue(tasks[1:])
        self.pool._dispatch()
        if tasks:
            tasks[0][2].errback(error)

    def _too_long(self) -> None:
        # The clock does not count the worker's waits for a core (it runs below the reactor thread)
        left = self.clock.left(self.pool.seconds)
        if left > 0:
            self.timer = _reactor().callLater(left, self._too_long)
            return
        self.timer = None
        self._stop(too_long(self.pool.seconds))

    def look(self) -> None:
        """The memory watch (the pool's, every WATCH_EVERY s): stop a busy worker over its limit."""
        if not self.tasks or self.proc is None or not self.pool.memory:
            return
        used = _over(self.proc.pid, self.pool.memory)
        if used:
            self._stop(too_big(self.pool.memory, used))

    # -- IReadDescriptor ------------------------------------------------------------
    def fileno(self) -> int:
        return self.fd

    def logPrefix(self) -> str:
        return "govcrawl-extract-worker"

    def connectionLost(self, reason) -> None:
        pass

    def doRead(self) -> None:
        """The running task's result (the whole message: the worker writes it at once), or the
        worker's end."""
        pool = self.pool
        try:
            ok, value = self.conn.recv()
        except (EOFError, OSError):  # it died: a crash in a parser, the address-space backstop, or killed while idle
            self._stop(died(pool.memory))
            return
        if not self.tasks:  # (nothing was sent: cannot happen)
            return
        task = self.tasks.popleft()
        d = task[2]
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        if not ok and isinstance(value[0], MemoryError):
            self.tasks.appendleft(task)
            self._stop(too_big(pool.memory))
            return
        if self.tasks:
            self._time()
        pool._dispatch()  # more work for the worker before this result goes on
        if ok:
            result, mb = value
            pool.peak_mb = max(pool.peak_mb, mb)
            d.callback(result)
        else:
            exc, where = value
            exc.__cause__ = _RemoteTraceback(where)
            d.errback(exc)


class WorkerPool:
    """``workers`` extraction worker processes for the crawl. ``submit(fn, *args)`` returns a
    Deferred of ``fn(*args)`` run in a worker, or of LimitExceeded when that document hit its time
    or memory limit (its worker killed and replaced, the others untouched). Tasks wait in order
    for a free worker. Workers are replaced after ``recycle_after`` documents each (0: never).
    ``nice``: the workers' CPU priority below the caller's (their time limits do not count their
    waits for a core). Use it from the reactor thread only."""

    def __init__(self, workers: int, seconds: float | None = None, memory_mb: int | None = None, recycle_after: int = 0,
                 nice: int = 0):
        self.nice = nice
        self.seconds = DOC_SECONDS if seconds is None else seconds
        self.memory = (DOC_MEMORY_MB if memory_mb is None else memory_mb) * 1024 * 1024
        self.recycle_after = recycle_after
        self.peak_mb = 0  # largest worker RSS seen (MB)
        self.replaced = 0  # workers replaced by recycling (not counting those killed by a limit)
        self._workers = [_Worker(self) for _ in range(max(1, workers))]
        self._queue: deque[tuple] = deque()
        self._ended: list = []  # processes let go, not yet reaped
        self._watch = task.LoopingCall(self._look)
        self._watch.start(WATCH_EVERY, now=False)

    def submit(self, fn, *args) -> defer.Deferred:
        d = defer.Deferred()
        self._queue.append((fn, args, d))
        self._dispatch()
        return d

    def _requeue(self, tasks: list[tuple]) -> None:
        """Tasks a killed worker had been sent but not started: first in line again, in order."""
        self._queue.extendleft(reversed([t[:3] for t in tasks]))  # pickled again when sent

    def _dispatch(self) -> None:
        from multiprocessing.reduction import ForkingPickler

        while self._queue:
            fn, args, d, *data = self._queue[0]
            if not data:  # pickled once, as Connection.send would: its size decides whether it may go ahead
                data = [ForkingPickler.dumps((_measured, (fn, *args)))]
                self._queue[0] = (fn, args, d, data[0])
            # an idle worker first, then one that runs a task and may be sent the next
            w = min((w for w in self._workers if w.takes(len(data[0]))), key=lambda w: len(w.tasks), default=None)
            if w is None:
                return
            self._queue.popleft()
            w.send(fn, args, data[0], d)

    def _look(self) -> None:
        for w in self._workers:
            w.look()
        ended, self._ended = self._ended, []
        for p in ended:  # reap those that have exited (is_alive polls), and remove their temporary files
            if p.is_alive():
                self._ended.append(p)
            else:
                remove_worker_tmp(p)

    def shutdown(self) -> None:
        """Fail what still waits (CancelledError), stop the workers, wait for them (briefly)."""
        if self._watch.running:
            self._watch.stop()
        waiting = list(self._queue)
        self._queue = deque()
        for w in self._workers:
            tasks = w._drop_tasks()
            w._let_go(kill=bool(tasks))
            waiting += tasks
        for t in waiting:
            t[2].errback(CancelledError())
        for proc in self._ended:
            proc.join(30)
            if proc.is_alive():
                kill_tree(proc)
                proc.join(5)
            remove_worker_tmp(proc)
        self._ended = []
