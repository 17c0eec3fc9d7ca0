"""One file, one failure: safe reading of local inputs and per-document limits.

``read_input`` opens only regular files: FIFOs (which would hang), devices (/dev/zero
never ends), sockets and /proc entries are refused, a symlink is resolved and must stay
inside the folders named on the command line, and no more than ``MAX_INPUT_BYTES`` is
read (a larger file is refused before a byte of it is archived).

``Sandbox`` runs one extraction at a time in a worker process under an address-space
limit (``resource.RLIMIT_AS``) and a wall-clock limit: a flate bomb, a 100,000-page PDF
or a 20 MB one-line table costs one recorded reason; the worker is killed and replaced
and the next file goes on.
"""
from __future__ import annotations

import multiprocessing
import os
import stat
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

MAX_INPUT_BYTES = int(os.environ.get("GOVCRAWL_MAX_INPUT_BYTES", str(64 * 1024 * 1024)))
DOC_SECONDS = float(os.environ.get("GOVCRAWL_DOC_SECONDS", "120"))
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


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _limited_worker_init(memory_bytes: int) -> None:
    from .pool import _worker_init

    _worker_init()
    if memory_bytes and sys.platform.startswith("linux"):
        import resource

        cap = _vm_bytes() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


class Sandbox:
    """One worker process; ``run`` gives a result or raises LimitExceeded."""

    def __init__(self, seconds: float | None = None, memory_mb: int | None = None):
        self.seconds = DOC_SECONDS if seconds is None else seconds
        self.memory = (DOC_MEMORY_MB if memory_mb is None else memory_mb) * 1024 * 1024
        self.pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_limited_worker_init,
                                        initargs=(self.memory,))
        return self.pool

    def run(self, fn, *args):
        pool = self.pool or self._start()
        fut = pool.submit(fn, *args)
        try:
            return fut.result(timeout=self.seconds)
        except FutureTimeout:
            self._kill()
            raise LimitExceeded(f"extraction stopped: took longer than {self.seconds:g} s") from None
        except MemoryError:
            self._kill()
            raise LimitExceeded(f"extraction stopped: needed more than {self.memory >> 20} MB") from None
        except BrokenProcessPool:
            self._kill()
            raise LimitExceeded(f"extraction stopped: the worker died (memory limit {self.memory >> 20} MB, "
                                "or a crash in a parser)") from None

    def _kill(self) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.kill()  # our own worker: the pool API has no way to stop a running task
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


def extract_bytes(body: bytes, source: str, filename: str):
    """The extractor on a file's bytes (module level: what a Sandbox worker runs)."""
    from . import extract

    return extract(body, source=source, filename=filename)
