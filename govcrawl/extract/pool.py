"""What every extraction worker shares (the crawl's extract stage, reparse, import and extract run
documents in limits.Sandbox workers): how often a worker is replaced, how it starts."""
from __future__ import annotations

import atexit
import gc
import importlib
import multiprocessing
import os
import signal
import sys
from functools import lru_cache


# Extraction workers (crawl and reparse) are replaced after this many documents each. A
# worker's RSS creeps up with the documents it has seen (allocator fragmentation, worst after
# pages whose flattened tables have thousands of readings): ~100 -> ~145 MB over its first
# 1,000-2,000 reports, then occasional new highs. Fresh workers, forked in a few ms, keep a run
# over a million records at the footprint of one over a thousand. Measured on reparse: ~2.5%
# of its time at 200. Most of the creep over a worker's first 200 documents was cyclic garbage
# no full collection ever freed: now collected after each task (``collected``).
WORKER_RECYCLE_AFTER = 200

# What extracting an HTML report loads on first use, loaded by the fork server that starts the
# workers (worker_context) before it forks any: then every worker shares it (copy-on-write)
# instead of loading it again after each recycle (+10 MB RSS a worker). Modules, and the OpenCC t2s
# converter every document runs (normalize.traditional_share). Not justext's stoplists: trafilatura loads them only for the
# few pages it rescues with justext. tests/extract/test_pool.py checks that extracting the real
# report pages imports nothing more.
PRELOAD_MODULES = ("trafilatura", "w3lib.encoding", *(f"govcrawl.extract.{m}" for m in (
    "decode", "guards", "readers", "clean", "stages", "meta", "classify", "stats")))


@lru_cache(maxsize=1)
def share_with_workers() -> None:
    """In the process that forks the workers (the fork server: forkserver_preload), once, before
    its first fork: load what the extraction would load lazily in each worker (PRELOAD_MODULES),
    then freeze the heap, so that a collection never writes to the headers of those objects and
    so copies the pages the workers share (a worker freezes what it inherits: _worker_init).
    Frozen objects are still freed by reference counting; only cycles among them that die later
    are never collected, and this heap is loaded code, which lives as long as the process."""
    from .normalize import _converter

    for name in PRELOAD_MODULES:
        importlib.import_module(name)
    _converter("t2s")
    gc.collect()
    gc.freeze()


def freeze_run_setup() -> None:
    """In a long run's own process (crawl, reparse), once it is set up: leave what it has loaded
    so far (code, Scrapy's and the run's objects, which live as long as the run) out of its full
    collections, which would otherwise visit all of it again and again (the crawl: ~2 ms CPU a
    report in its busiest thread). As in share_with_workers, only cycles among these objects
    that die later are never collected."""
    gc.collect()
    gc.freeze()


# The crawl's process allocates ~1M short-lived objects per 2,000 reports (the Documents its
# workers send back, Scrapy's requests and responses). At CPython's default thresholds (a young
# collection every 700 net allocations) that was 2,500 young and 21 full collections, 1.3 s of the
# reactor thread, the crawl's busiest (bench/NOTES.md). At these: 0.2-0.3 s, peak RSS no higher
# (202 vs 209 MB); a full collection still comes after every 200 young ones.
CRAWL_GC_THRESHOLDS = (50_000, 20, 10)


def fewer_collections() -> None:
    """In the crawl's own process, before its reactor starts (crawl.runner)."""
    gc.set_threshold(*CRAWL_GC_THRESHOLDS)


_SERVER_PRELOAD = ["__main__", "govcrawl.extract.forkserver_preload"]


def worker_context(preload: tuple[str, ...] = ()):
    """How extraction workers are started: on Linux by a fork server, a single-threaded process
    that loaded the extraction code once (``pool.share_with_workers``, through its preload) and
    forks each worker from itself, so that workers still share that code copy-on-write.
    ``preload``: the modules of the first task's functions (``task_modules``), loaded by the
    server too, else each worker would import them again after each recycle (the crawl's task
    module imports Scrapy: 0.35 s a worker).

    Not by forking the crawl or reparse itself: those run other threads (Scrapy's reactor, the
    pool's own threads, rich's refresh), and a lock one of them holds at the instant of the fork
    (a stream's buffer, an import's module lock) stays held forever in the child, which then
    hangs at its first write or import of it (tests/extract/test_pool.py). The crawl hung so,
    now and then, until its test's timeout."""
    if not sys.platform.startswith("linux"):
        return None  # the platform's default (spawn)
    global _server_configured
    ctx = multiprocessing.get_context("forkserver")
    if not _server_configured:  # the server starts with the first worker: the first caller's preload
        ctx.set_forkserver_preload([*_SERVER_PRELOAD, *preload])
        atexit.register(_stop_server)
        _server_configured = True
    return ctx


_server_configured = False


def start_server(preload: tuple[str, ...] = ()) -> bool:
    """Start the fork server now rather than with the first worker: it loads the extraction code
    (~0.7 s of a process of its own) while the caller sets itself up. ``preload`` as for
    worker_context (the first caller's counts). False where there is no fork server (not Linux)."""
    if worker_context(preload) is None:
        return False
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return True


def task_modules(*objs) -> tuple[str, ...]:
    """The modules that define the functions among a task's function and arguments: what a
    worker must import to run it."""
    names = (getattr(o, "__module__", None) for o in objs if callable(o))
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str) and n not in ("__main__", "builtins")))


def _stop_server() -> None:
    """At exit: stop the fork server and wait for it. It reaps the workers, so their CPU time is
    counted as this process's children's only once it is waited for (bench/run.py measures
    runs so); and nothing of the run outlives it. (``_stop``: the stdlib's own, private.)"""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


def _worker_init() -> None:
    # The heap inherited from the parent is left out of this worker's collections: a collection
    # writes to the header of every object it visits, which copies each page of the parent's heap
    # into the worker (private memory) although the worker never changes those objects.
    gc.freeze()
    # Ctrl-C goes to the whole process group: the crawl or reparse stops gracefully and still
    # needs its workers for the documents in flight, so they ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _release_fork_server()
    # Die with the parent (the fork server, which ends with the crawl or reparse): a SIGKILLed
    # run would otherwise leave workers holding its pipes.
    if die_with_parent() and os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


_prctl = None
if sys.platform.startswith("linux"):
    import ctypes

    _prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: a child between fork and exec loads nothing


def die_with_parent() -> bool:
    """Have the kernel SIGKILL this process when its parent ends (Linux: PR_SET_PDEATHSIG; False
    elsewhere). Safe between fork and exec (a ``preexec_fn``): an extraction worker's own
    tools, such as Tesseract, end with a worker stopped at its limit."""
    if _prctl is None:
        return False
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    return True


def _release_fork_server() -> None:
    """Let go of the pipe that keeps the fork server alive. Every process the server starts holds
    its write end (so that it could start processes of its own), and the server runs until all
    have closed it: a worker that kept it would keep the server, and so itself, alive after a
    SIGKILLed crawl — holding the crawl's stdout and stderr. Workers start no processes."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if fd is not None:
        os.close(fd)
        server._forkserver_alive_fd = None


_warm = False  # in a worker: its first task has run


def collected(fn, *args):
    """``fn(*args)`` in a worker, then a full collection. A document's objects in reference
    cycles outlive the collections of the young generations while it is being extracted, and
    the full ones that would free them came almost never (CPython waits until the old
    generation has grown by a quarter): a worker grew by ~16 MB over 200 documents of cyclic
    garbage. The collection visits only what is not frozen: after the first task, what that
    task loaded (modules a parent did not preload, caches) is frozen too, else each collection
    would visit it again (1.2 instead of 0.14 ms a document for a `govcrawl import` worker)."""
    global _warm
    try:
        return fn(*args)
    finally:
        gc.collect()
        if not _warm:
            gc.freeze()
            _warm = True
