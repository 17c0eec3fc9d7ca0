"""Items the crawl could not write yet, kept on disk beside the database.

While another process (sqlite3, a Datasette plugin, a backup) holds the DB's write lock,
the crawl must neither drop what it fetched nor stall Scrapy's reactor (downloads in
flight would time out). So the store stage (pipelines/store.py) waits briefly, then puts
the item here — ``<db>.spool/<n>.pickle``, written to a temporary name and renamed, so a
kill never leaves half a file — and goes on. Spooled items are written, in order, as soon
as the DB takes writes again, at the latest when the spider closes (which waits as long
as ``Store.write_patience``); whatever is still here then is written by the next crawl on
this DB before anything else, and the run ends ``partial``, saying how many wait here.

These files are ours (pickles of our own items), never input from elsewhere.
"""
from __future__ import annotations

import itertools
import os
import pickle
import time
from pathlib import Path
from typing import Any, Iterator


class Spool:
    def __init__(self, db_path: str):
        self.dir = Path(str(db_path) + ".spool")
        self._seq = itertools.count()

    def put(self, record: Any) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(self._seq):06d}.pickle"
        tmp = self.dir / (name + ".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(record, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        path = self.dir / name
        tmp.replace(path)
        return path

    def pending(self) -> list[Path]:
        if not self.dir.is_dir():
            return []
        return sorted(self.dir.glob("*.pickle"))

    def __len__(self) -> int:
        return len(self.pending())

    def items(self) -> Iterator[tuple[Path, Any]]:
        for path in self.pending():
            with open(path, "rb") as f:
                yield path, pickle.load(f)

    @staticmethod
    def done(path: Path) -> None:
        path.unlink()  # a file this module created, now written to the DB
