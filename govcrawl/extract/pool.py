"""What every extraction worker shares (the crawl's extract stage, reparse, import and extract run
documents in limits.Sandbox workers): how often a worker is replaced, how it starts."""
from __future__ import annotations

import os
import signal
import sys


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
