"""One file, one failure: safe reading of local inputs and per-document limits.

``read_input`` opens only regular files: FIFOs (which would hang), devices (/dev/zero
never ends), sockets and /proc entries are refused, a symlink is resolved and must stay
inside the folders named on the command line, and no more than ``MAX_INPUT_BYTES`` is
read (a larger file is refused before a byte of it is archived).

``Sandbox`` runs one extraction at a time in a worker process under a memory limit (the
worker's private memory, watched every 0.1 s; an address-space limit as backstop) and a
wall-clock limit: a flate bomb, a 100,000-page PDF
or a 20 MB one-line table costs one recorded reason; the worker is killed and replaced
and the next file goes on.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path

MAX_INPUT_BYTES = int(os.environ.get("GOVCRAWL_MAX_INPUT_BYTES", str(64 * 1024 * 1024)))
DOC_SECONDS = float(os.environ.get("GOVCRAWL_DOC_SECONDS", "300"))  # a scanned report's OCR on a busy machine takes minutes
DOC_MEMORY_MB = int(os.environ.get("GOVCRAWL_DOC_MEMORY_MB", "768"))  # beyond what the worker starts with


class InputRefused(ValueError):
    """A local path that is not read: the message is the recorded reason."""


class LimitExceeded(RuntimeError):
    """An extraction stopped by its time or memory limit: the message is the recorded reason."""


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_input(path: str | Path, roots: list[Path] | None = None, limit: int | None = None) -> Path:
    """The real path of ``path`` if it may be read, else InputRefused (nothing is opened)."""
    limit = MAX_INPUT_BYTES if limit is None else limit
    p = Path(path)
    try:
        st = os.lstat(p)
        real = Path(os.path.realpath(p))
        if stat.S_ISLNK(st.st_mode):
            if roots is not None and not any(real == r or r in real.parents for r in roots):
                raise InputRefused(f"symlink to {real}, outside the folders named")
            st = os.stat(real)
    except OSError as exc:
        raise InputRefused(f"unreadable: {exc.strerror or exc}") from None
    if str(real).startswith(("/proc/", "/sys/", "/dev/")):
        raise InputRefused(f"{real} is not a document file")
    if not stat.S_ISREG(st.st_mode):
        raise InputRefused(f"{_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise InputRefused(f"too large: {st.st_size} bytes (limit {limit})")
    return real


def read_input(path: str | Path, roots: list[Path] | None = None, limit: int | None = None) -> bytes:
    """The bytes of a checked regular file, never more than ``limit``."""
    limit = MAX_INPUT_BYTES if limit is None else limit
    real = check_input(path, roots, limit)
    try:
        # O_NONBLOCK: should the path have been swapped for a FIFO since the check, open does not hang.
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise InputRefused(f"unreadable: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputRefused("not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise InputRefused(f"too large: more than {limit} bytes")
    return data


def display_name(path) -> str:
    """A file name as text that any console, JSON, SQLite and WARC header can take: bytes that
    are not UTF-8 as \\xNN, control characters (CR/LF: header injection) percent-encoded."""
    text = os.fsencode(str(path)).decode("utf-8", "backslashreplace")
    return "".join(f"%{ord(c):02X}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)


def cpu_wait(pid: int) -> float:
    """Seconds process ``pid`` has waited for a core (ready to run, not running) since it
    started (/proc/<pid>/schedstat, Linux; 0 elsewhere; ~5 us a read)."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class TaskClock:
    """The clock of a document's time limit, started when its worker ``pid`` starts on it: the
    wall time, less the worker's waits for a core. On a busy machine, or beside the crawl's own
    thread which goes first (pipelines/extract.py: EXTRACT_NICE), a worker that waits its turn is
    not running away; one that is blocked (a hang) is, and its clock runs. Sandbox and the
    crawl's workers (crawl/workers.py) share it."""

    __slots__ = ("pid", "start", "waited")

    def __init__(self, pid: int):
        self.pid, self.start, self.waited = pid, time.monotonic(), cpu_wait(pid)

    def left(self, seconds: float) -> float:
        """Seconds still allowed of ``seconds``; the waits are read only once the wall time alone is up."""
        left = seconds - (time.monotonic() - self.start)
        return left if left > 0 else left + cpu_wait(self.pid) - self.waited


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _limited_worker_init(memory_bytes: int, as_factor: float = 1, nice: int = 0) -> None:
    from .pool import _worker_init

    _worker_init()
    if nice > 0:
        try:
            os.nice(nice)
        except OSError:  # (not where the platform refuses it: the worker just runs at its parent's priority)
            pass
    if memory_bytes and sys.platform.startswith("linux"):
        import resource

        # Address space is not memory (thread arenas, OpenBLAS/Tesseract reserve far more than
        # they use): at as_factor 1 (import, extract) a scan's OCR can fail with MemoryError;
        # the crawl sets it higher and relies on the watchdog (Sandbox.run) for the real limit.
        cap = int(_vm_bytes() + as_factor * memory_bytes)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


CRAWL_AS_FACTOR = 3  # the crawl's address-space backstop: this many times the memory limit above the worker's start
WATCH_EVERY = 0.1  # seconds between two looks at a working worker's memory


def _private_bytes(pid: int) -> int | None:
    """Memory a process has of its own (private pages: not what it still shares with its
    parent after fork), from /proc; None when unknown."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return sum(int(line.split()[1]) for line in f if line.startswith(("Private_Clean:", "Private_Dirty:"))) * 1024
    except (OSError, ValueError):
        return None


def _resident_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def kill_tree(proc) -> None:
    """SIGKILL a worker (a multiprocessing Process) and every process it started, however deep
    (/proc): a worker stopped at its limit while LibreOffice converts takes soffice and
    soffice.bin with it. soffice runs in a session of its own (office.py ends its group on its
    own timeout), so killing the worker alone, or its process group, would leave it running
    with nobody to wait for it.

    Only a worker not yet reaped (its pid is still its own); it is stopped first, so it starts
    nothing more and reaps nothing; the others are killed deepest first, while their parents
    still hold their pids: no pid is reused under us."""
    import signal

    if proc.exitcode is not None:  # ended and reaped: its pid may be another process's by now
        return
    pid = proc.pid
    try:
        os.kill(pid, signal.SIGSTOP)
    except ProcessLookupError:
        return
    try:
        below: dict[int, list[int]] = {}
        for stat_file in Path("/proc").glob("[0-9]*/stat"):
            try:
                ppid = int(stat_file.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):  # ended meanwhile
                continue
            below.setdefault(ppid, []).append(int(stat_file.parent.name))
        order, todo = [], list(below.get(pid, ()))
        while todo:
            p = todo.pop()
            order.append(p)
            todo.extend(below.get(p, ()))
        for p in reversed(order):  # a child always comes after its parent in ``order``
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    finally:  # never leave the worker stopped
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _over(pid: int, limit: int) -> int:
    """The private memory of ``pid`` when it is over ``limit``, else 0. Its RSS bounds it, and
    /proc/PID/statm costs ~1/40 of smaps_rollup (0.015 vs 0.64 ms CPU): only a worker whose
    RSS is over the limit is looked at closer."""
    rss = _resident_bytes(pid)
    if rss is not None and rss <= limit:
        return 0
    used = _private_bytes(pid) or 0
    return used if used > limit else 0


class Sandbox:
    """One worker process; ``run`` gives a result or raises LimitExceeded.

    The worker is a process of its own with a pipe to this one (``_serve``): a task is sent,
    its result comes back on the same pipe, which ``run`` polls, looking at the worker's memory
    between polls. No executor with its own threads in between: a document's hand-over is one
    write and one read.

    ``recycle_after``: the worker is replaced after that many documents (a long run's memory
    stays flat, as govcrawl.extract.pool's workers)."""

    def __init__(self, seconds: float | None = None, memory_mb: int | None = None, recycle_after: int = 0,
                 as_factor: float = 1):
        self.as_factor = as_factor
        self.seconds = DOC_SECONDS if seconds is None else seconds
        self.memory = (DOC_MEMORY_MB if memory_mb is None else memory_mb) * 1024 * 1024
        self.proc = None
        self.conn = None
        self.recycle_after, self.done, self.recycled = recycle_after, 0, 0

    def _start(self, task_modules: tuple[str, ...] = ()) -> None:
        self.proc, self.conn = start_worker(self.memory, self.as_factor, task_modules)
        self.done = 0

    def run(self, fn, *args, docs: int = 1):
        """``fn(*args)`` in the worker; ``docs``: the documents the task holds (a task of several
        has their time limits together, and counts as that many towards recycling)."""
        if self.recycle_after and self.done >= self.recycle_after:
            self.close()
            self.recycled += 1
        from .pool import task_modules

        for attempt in (1, 2):
            if self.proc is None:
                self._start(task_modules(fn, *args))
            try:
                self.conn.send((fn, args))
                break
            except OSError:  # the idle worker is gone (killed from outside): this task is not why; a new one
                self._kill()
                if attempt == 2:
                    raise died(self.memory) from None
        self.done += docs
        seconds = self.seconds * docs
        clock = TaskClock(self.proc.pid)
        while True:  # wait for the result, looking at the worker's memory every WATCH_EVERY s
            left = clock.left(seconds)
            if left <= 0:
                self._kill()
                raise too_long(seconds)
            if self.conn.poll(min(WATCH_EVERY, left)):
                try:
                    ok, value = self.conn.recv()
                except (EOFError, OSError):  # it died: a crash in a parser, or the address-space backstop
                    self._kill()
                    raise died(self.memory) from None
                if ok:
                    return value
                exc, where = value
                if isinstance(exc, MemoryError):
                    self._kill()
                    raise too_big(self.memory) from None
                raise exc from _RemoteTraceback(where)
            used = _over(self.proc.pid, self.memory) if self.memory else 0
            if used:
                self._kill()
                raise too_big(self.memory, used)

    def _kill(self) -> None:
        proc, conn, self.proc, self.conn = self.proc, self.conn, None, None
        if proc is None:
            return
        kill_tree(proc)  # our own worker, mid-task, with what it started
        proc.join(5)
        conn.close()
        remove_worker_tmp(proc)

    def close(self) -> None:
        proc, conn, self.proc, self.conn = self.proc, self.conn, None, None
        if proc is None:
            return
        conn.close()  # the worker reads the end of its pipe and exits
        proc.join(30)
        if proc.is_alive():
            kill_tree(proc)
            proc.join(5)
        remove_worker_tmp(proc)


def start_worker(memory_bytes: int, as_factor: float, task_modules: tuple[str, ...] = (), nice: int = 0):
    """A worker process (``_serve``) and this side's end of its pipe; started by the fork server
    (pool.worker_context) where there is one. Sandbox's and the crawl's workers (crawl/workers.py).
    ``nice``: the worker lowers its CPU priority by that much (the crawl's: EXTRACT_NICE)."""
    from .pool import worker_context

    ctx = worker_context(task_modules) or multiprocessing.get_context()
    mine, theirs = ctx.Pipe()
    tmp = tempfile.mkdtemp(prefix="worker-", dir=_run_tmp())
    proc = ctx.Process(target=_serve, args=(theirs, memory_bytes, as_factor, nice, tmp), name="govcrawl-extract-worker")
    proc.govcrawl_tmp = tmp
    proc.start()
    theirs.close()
    return proc, mine


_RUN_TMP: tuple[int, str, int] | None = None  # (pid, folder, fd of its held lock): this process's
RUN_TMP_PREFIX = "govcrawl-run-"
STALE_AFTER = 60  # seconds: a run folder younger than this may still be taking its lock


def _run_tmp() -> str:
    """This process's folder for its workers' temporary folders (``$TMPDIR/govcrawl-run-*``),
    made on the first worker's start and removed when the process exits.

    A process killed outright (SIGKILL, the OOM killer) cannot remove it: it holds an flock on
    ``lock`` inside for as long as it lives, and the next govcrawl process to start a worker
    removes every run folder whose lock it can take: the process that made it has ended. A
    lock, not a pid: a pid says nothing across containers that share /tmp."""
    import atexit
    import fcntl

    global _RUN_TMP
    if _RUN_TMP is not None and _RUN_TMP[0] == os.getpid():
        return _RUN_TMP[1]
    folder = tempfile.mkdtemp(prefix=RUN_TMP_PREFIX)
    fd = os.open(os.path.join(folder, "lock"), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _RUN_TMP = (os.getpid(), folder, fd)
    atexit.register(_remove_run_tmp, os.getpid(), folder)
    _sweep_run_tmps(folder)
    return folder


def _remove_run_tmp(pid: int, folder: str) -> None:
    if os.getpid() == pid:  # not in a child that inherited the handler
        shutil.rmtree(folder, ignore_errors=True)


def _sweep_run_tmps(mine: str) -> None:
    """Remove the run folders of govcrawl processes that have ended without removing them."""
    import fcntl

    for folder in Path(mine).parent.glob(RUN_TMP_PREFIX + "*"):
        try:
            info = folder.lstat()
            if str(folder) == mine or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue  # only real folders of this user's runs
            fd = os.open(folder / "lock", os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:  # gone, no lock (yet), or not ours to open
            continue
        try:
            if time.time() - os.fstat(fd).st_mtime < STALE_AFTER:
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its process is alive
            continue
        finally:
            os.close(fd)  # (also lets go of the lock, if taken)
        shutil.rmtree(folder, ignore_errors=True)


def remove_worker_tmp(proc) -> None:
    """Remove an ended worker's temporary folder (``start_worker`` made it; ``_serve`` puts all the
    worker's temporary files there, and its tools' through TMPDIR). A worker killed mid-task,
    or one that simply exits (multiprocessing skips atexit), cannot clean up after itself."""
    tmp = getattr(proc, "govcrawl_tmp", None)
    if tmp and not proc.is_alive():
        shutil.rmtree(tmp, ignore_errors=True)
        proc.govcrawl_tmp = None


# The recorded reasons of a stopped extraction (a pages row's error; tests match them).
def too_long(seconds: float) -> LimitExceeded:
    return LimitExceeded(f"extraction stopped: took longer than {seconds:g} s")


def too_big(memory_bytes: int, used: int | None = None) -> LimitExceeded:
    when = f" ({used >> 20} MB when stopped)" if used else ""
    return LimitExceeded(f"extraction stopped: needed more than {memory_bytes >> 20} MB{when}")


def died(memory_bytes: int) -> LimitExceeded:
    return LimitExceeded(f"extraction stopped: the worker died (memory limit {memory_bytes >> 20} MB, or a crash in a parser)")


class _RemoteTraceback(Exception):
    """The worker's traceback of an exception it sent back, shown as that exception's cause."""

    def __str__(self) -> str:
        return "\n" + self.args[0]


def _serve(conn, memory_bytes: int, as_factor: float, nice: int = 0, tmp: str | None = None) -> None:
    """A Sandbox's worker: run each task the pipe brings (``pool.collected``), send back
    (True, result) or (False, (the exception, its traceback as text)), until the pipe is closed.
    ``tmp``: the folder for every temporary file of the worker and the tools it runs."""
    import traceback

    from .pool import collected

    if tmp:
        tempfile.tempdir = tmp
        os.environ["TMPDIR"] = tmp
    _limited_worker_init(memory_bytes, as_factor, nice)
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = (True, collected(fn, *args))
        except BaseException as exc:  # the caller's to judge (MemoryError: the limit; others: its error)
            reply = (False, (exc, traceback.format_exc()))
        try:
            conn.send(reply)
        except Exception as exc:  # a result or an exception that does not pickle
            conn.send((False, (RuntimeError(f"{type(exc).__name__}: {exc}"), traceback.format_exc())))


def _measured(fn, *args):
    """``fn(*args)`` and the worker's peak RSS so far, in MB (what a run reports as its peak)."""
    import resource

    return fn(*args), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


class SandboxPool:
    """``workers`` Sandboxes side by side, for reparse (the crawl drives the same workers from its
    reactor instead: govcrawl/crawl/workers.py): ``submit`` returns a
    Future of ``fn(*args)``, or of LimitExceeded when that document hit its time or memory limit
    (its worker killed and replaced, the other workers untouched).

    Each Sandbox is driven by a thread of its own (blocking on its one worker with a timeout),
    so a stuck document holds one worker for at most ``seconds`` and nothing else waits.
    """

    def __init__(self, workers: int, seconds: float | None = None, memory_mb: int | None = None,
                 recycle_after: int = 0):
        import threading
        from concurrent.futures import ThreadPoolExecutor

        self.seconds, self.memory_mb, self.recycle_after = seconds, memory_mb, recycle_after
        self._threads = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="govcrawl-extract")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sandboxes: list[Sandbox] = []
        self.peak_mb = 0  # largest worker RSS seen (MB)

    @property
    def replaced(self) -> int:
        """Workers replaced by recycling (not counting those killed by a limit)."""
        return sum(sb.recycled for sb in list(self._sandboxes))

    def _sandbox(self) -> Sandbox:
        sb = getattr(self._local, "sandbox", None)
        if sb is None:
            sb = self._local.sandbox = Sandbox(self.seconds, self.memory_mb, self.recycle_after, CRAWL_AS_FACTOR)
            with self._lock:
                self._sandboxes.append(sb)
        return sb

    def _run(self, fn, args, docs):
        result, mb = self._sandbox().run(_measured, fn, *args, docs=docs)
        self.peak_mb = max(self.peak_mb, mb)
        return result

    def submit(self, fn, *args, docs: int = 1):
        """``docs``: the documents the task holds (reparse hands several per task)."""
        return self._threads.submit(self._run, fn, args, docs)

    def shutdown(self, cancel_futures: bool = False) -> None:
        self._threads.shutdown(wait=True, cancel_futures=cancel_futures)
        for sb in self._sandboxes:
            sb.close()


def extract_bytes(body: bytes, source: str, filename: str):
    """The extractor on a file's bytes (module level: what a Sandbox worker runs)."""
    from . import extract

    return extract(body, source=source, filename=filename)
