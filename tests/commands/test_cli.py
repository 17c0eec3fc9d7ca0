"""CLI hygiene: --version, --log-level choices, a closed pipe, defaults shown in --help."""
from __future__ import annotations

import subprocess
import sys

import pytest

from govcrawl import __version__
from govcrawl.cli import build_parser

from conftest import ROOT, run_govcrawl


def test_version():
    proc = run_govcrawl("--version", timeout=60)
    assert proc.stdout.strip() == f"govcrawl {__version__}"


def test_bad_log_level_is_a_usage_error_not_a_traceback(tmp_path):
    proc = run_govcrawl("crawl", "pingtan", "--db", str(tmp_path / "g.db"), "--log-level", "bogus", check=False, timeout=60)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "g.db").exists()


def test_closed_pipe_is_quiet():
    # `govcrawl extract ... | head -c 10`: the reader leaves early; no traceback, exit 0.
    page = ROOT / "govcrawl/testing/portal/zwgk/zfxxgknb/2017/201803/t20180330_71001.html"
    proc = subprocess.run(f"{sys.executable} -m govcrawl extract --text {' '.join([str(page)] * 40)} | head -c 10",
                          shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert len(proc.stdout) == 10
    assert proc.stderr == "", proc.stderr


def test_db_and_archive_defaults_shown_in_help():
    commands = build_parser()._subparsers._group_actions[0].choices
    flagged = [(name, flag, sub) for name, sub in commands.items() for flag in ("--db", "--archive")
               if any(flag in a.option_strings for a in sub._actions)]
    assert len(flagged) >= 8  # crawl, reparse, import, export, report, search … : every command that has one
    for command, flag, sub in flagged:
        help_text = sub.format_help()
        entry = help_text[help_text.index(f"\n  {flag} "):].split("\n  -")[1]  # the option's own lines
        assert "(default: " in " ".join(entry.split()), (command, flag, help_text)


def test_exit_codes_documented():
    assert "3 partial" in build_parser().format_help()
