"""Nothing deletes, empties or cuts a file govcrawl did not create.

One test per place in the code base that removes or truncates: demo --out,
resume's Scrapy state files, the WARC repair, bench's scratch folders, make clean,
and the reading commands that must not create a DB or archive they were sent to read.
"""
from __future__ import annotations

import gzip
import subprocess
import sys

import pytest

from govcrawl.crawl.resume import RUN_ID_FILE, prepare_job_dir
from govcrawl.commands.safety import UnsafePath, clear_claimed
from govcrawl.archive.repair import repair_open_files

from conftest import ROOT, run_govcrawl


def _user_files(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thesis.txt").write_text("my only copy", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "data.csv").write_text("a,b\n", encoding="utf-8")
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("where", ["existing", "cwd", "file"])
def test_demo_refuses_a_folder_it_did_not_create(tmp_path, where):
    target = tmp_path / "mine"
    if where == "file":
        target.write_text("not a folder", encoding="utf-8")
        before = None
    else:
        before = _user_files(target)
    out = "." if where == "cwd" else str(target)
    proc = subprocess.run([sys.executable, "-m", "govcrawl", "demo", "--out", out], cwd=target if where == "cwd" else ROOT,
                          capture_output=True, text=True, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2, proc.stderr
    assert "was not created by govcrawl demo" in proc.stderr or "is not a folder" in proc.stderr
    if before is None:
        assert target.read_text(encoding="utf-8") == "not a folder"
    else:
        assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == before


def test_demo_folder_marked_and_emptied_only_when_marked(tmp_path):
    out = tmp_path / "demo"
    clear_claimed(out, ".govcrawl-demo", "govcrawl demo")  # what the demo does first
    assert (out / ".govcrawl-demo").is_file()
    (out / "govcrawl.db").write_bytes(b"old demo db")
    (out / "archive").mkdir()
    (out / "archive" / "x.warc.gz").write_bytes(b"old")
    clear_claimed(out, ".govcrawl-demo", "govcrawl demo")  # a second demo run
    assert [p.name for p in out.iterdir()] == [".govcrawl-demo"]
    (out / ".govcrawl-demo").unlink()  # marker gone: the folder is the user's again
    (out / "keep.txt").write_text("x")
    with pytest.raises(UnsafePath):
        clear_claimed(out, ".govcrawl-demo", "govcrawl demo")
    assert (out / "keep.txt").exists()


def test_resume_leaves_a_foreign_job_folder_alone(tmp_path):
    job = tmp_path / "job"
    job.mkdir()
    (job / "requests.seen").write_text("the user's file with an unlucky name")
    (job / "requests.queue").mkdir()
    (job / "requests.queue" / "q").write_text("x")
    run_id, resuming = prepare_job_dir(str(job))
    assert not resuming and (job / RUN_ID_FILE).read_text() == run_id
    assert (job / "requests.seen").read_text().startswith("the user's")
    assert (job / "requests.queue" / "q").exists()
    # Now the folder is a govcrawl job: a resume drops Scrapy's stale state (Scrapy wrote it).
    (job / "requests.seen").write_text("scrapy state")
    again, resuming = prepare_job_dir(str(job))
    assert again == run_id and resuming
    assert not (job / "requests.seen").exists() and not (job / "requests.queue").exists()


def test_warc_repair_never_cuts_a_foreign_open_file(tmp_path):
    folder = tmp_path / "portal"
    folder.mkdir()
    foreign = folder / "theirs.warc.gz.open"
    # A WARC another tool is writing (no govcrawl warcinfo), with a torn tail.
    data = gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n\r\n") + b"\x1f\x8b\x08torn"
    foreign.write_bytes(data)
    junk = folder / "junk.warc.gz.open"
    junk.write_bytes(b"not gzip at all")
    assert repair_open_files(folder) == []
    assert foreign.read_bytes() == data and junk.read_bytes() == b"not gzip at all"


def test_bench_scratch_folder_refuses_an_unmarked_folder(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import run as bench_run
    finally:
        sys.path.remove(str(ROOT / "bench"))
    before = _user_files(tmp_path / "out")
    with pytest.raises(UnsafePath):
        bench_run.fresh(tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")) == before
    made = bench_run.fresh(tmp_path / "new")
    (made / "f").write_text("x")
    assert list(bench_run.fresh(tmp_path / "new").iterdir()) == [made / ".govcrawl-bench"]


def test_make_clean_keeps_crawl_data(tmp_path):
    make = subprocess.run(["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "govcrawl.db" not in make and "archive" not in make


@pytest.mark.parametrize("cmd", [["export", "reports", "--db", "{p}/typo.db"],
                                 ["reparse", "--db", "{p}/g.db", "--archive", "{p}/no-archive"]])
def test_reading_commands_refuse_missing_paths(tmp_path, cmd):
    proc = run_govcrawl(*(c.format(p=tmp_path) for c in cmd), check=False, timeout=60)
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created
