"""The process pool the crawl's extract stage and reparse extract in."""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor


# Extraction workers (crawl and reparse) are replaced after this many documents each. A
# worker's RSS creeps up with the documents it has seen (allocator fragmentation, worst after
# pages whose flattened tables have thousands of readings): ~100 -> ~145 MB over its first
# 1,000-2,000 reports, then occasional new highs. Fresh workers, forked in a few ms, keep a run
# over a million records at the footprint of one over a thousand. Measured on reparse: ~2.5%
# of its time at 200; largest process 117 -> 124 MB for 1k -> 20k records (bench/run.py).
WORKER_RECYCLE_AFTER = 200


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group: the crawl or reparse stops gracefully and still
    # needs its workers for the documents in flight, so they ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        # Die with the parent: a SIGKILLed crawl or reparse would otherwise leave workers holding its pipes.
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def extraction_pool(workers: int) -> ProcessPoolExecutor:
    """The process pool the crawl and reparse extract in (callers replace it every
    ``WORKER_RECYCLE_AFTER`` documents per worker)."""
    # fork: workers start fast and share the extractor's already-imported modules.
    ctx = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)


class RecyclingPool:
    """``extraction_pool`` whose workers are replaced after ``recycle_after`` documents each.

    The crawl's extract stage and reparse share it; each decides when to ``recycle``: reparse
    first drains its documents in flight and waits for the old workers (so old and new never
    run side by side: its memory profile), the crawl lets the old workers finish in the
    background (the reactor must not wait).
    """

    def __init__(self, workers: int, recycle_after: int = WORKER_RECYCLE_AFTER):
        self.workers, self.recycle_after = workers, max(1, recycle_after)
        self.executor = extraction_pool(workers)
        self.submitted = 0  # documents given to the current executor

    @property
    def due(self) -> bool:
        return self.submitted >= self.recycle_after * self.workers

    def submit(self, fn, *args, docs: int = 1):
        """``docs``: the documents this task holds (reparse hands several per task)."""
        self.submitted += docs
        return self.executor.submit(fn, *args)

    def recycle(self, wait: bool = True) -> None:
        old, self.executor, self.submitted = self.executor, extraction_pool(self.workers), 0
        old.shutdown(wait=wait)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=cancel_futures)
