"""Live progress bars (crawl, import, reparse): shown on a terminal (a real pty here), and what
they end on is what the run recorded. In a pipe there is none (conftest.run_govcrawl checks
every command the suite runs)."""
from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading

import sqlite_utils

from govcrawl.commands.summary import coverage
from govcrawl.testing.testportal import TestPortal

from conftest import FIXTURES, PORTAL_TOML, PROGRESS_BAR, ROOT

_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def on_terminal(*args: str, timeout: int = 240) -> tuple[int, str, str]:
    """Run govcrawl with stderr on a pseudo-terminal; (exit code, stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLUMNS": "160"}
    chunks: list[bytes] = []

    def pump():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    proc = subprocess.Popen([sys.executable, "-m", "govcrawl", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        reader.join(timeout=10)
        os.close(master)
    return proc.returncode, out.decode("utf-8", "replace"), _ANSI.sub(b"", b"".join(chunks)).decode("utf-8", "replace")


def test_crawl_and_reparse_progress_on_a_terminal(tmp_path):
    db_path, archive = tmp_path / "govcrawl.db", tmp_path / "archive"
    with TestPortal() as portal:
        code, out, screen = on_terminal("crawl", "testportal", "--portals", str(PORTAL_TOML), "--db", str(db_path),
                                        "--archive", str(archive), "--start-url", portal.base_url + "/index.html",
                                        "--log-level", "WARNING")
    assert code == 3, out[-2000:] + screen[-2000:]  # the portal's 404 distractors: partial
    bars = re.findall(r"testportal\s.*?(\d+)/(\d+) pages · (\d+) reports · (\d+) failed", screen)
    assert bars, screen[-2000:]
    done, total, reports, failed = map(int, bars[-1])
    db = sqlite_utils.Database(db_path)
    ((run_id, counts),) = [(r["id"], r["counts"]) for r in db.query("select id, counts from runs")]
    (row,) = coverage(db.conn, run_id, json.loads(counts))
    # The bar's last state is the run's: every page done, the reports and failures the summary counts.
    assert done == total == db.execute("select count(*) from pages where run_id = ?", [run_id]).fetchone()[0]
    assert reports == db.execute("select count(*) from reports").fetchone()[0] == row["reports"] > 0
    assert failed == sum(row["failures"].values()) > 0
    assert not PROGRESS_BAR.search(out)  # stdout is a pipe: the summary, never a bar

    code, out, screen = on_terminal("reparse", "--db", str(db_path), "--archive", str(archive), "-j", "1")
    assert code == 0, out[-2000:] + screen[-2000:]
    bars = re.findall(r"reparse\s.*?([\d.]+)/([\d.]+) kB (\d+) docs", screen)
    assert bars and bars[-1][0] == bars[-1][1], screen[-2000:]  # ends at the whole archive read


def test_import_progress_on_a_terminal(tmp_path):
    seeds = FIXTURES / "corpus" / "seeds"
    code, out, screen = on_terminal("import", str(seeds), "--db", str(tmp_path / "govcrawl.db"), "--archive", str(tmp_path / "archive"))
    assert code == 0, out[-2000:] + screen[-2000:]
    bars = re.findall(r"import\s.*?(\d+)/(\d+) files · (\d+) reports · (\d+) not imported", screen)
    assert bars, screen[-2000:]
    done, total, reports, failed = map(int, bars[-1])
    db = sqlite_utils.Database(tmp_path / "govcrawl.db")
    assert done == total == sum(1 for p in seeds.rglob("*") if p.is_file())
    assert reports == db.execute("select count(*) from reports").fetchone()[0] > 0
    assert failed == total - reports
