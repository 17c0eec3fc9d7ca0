"""GOVCRAWL_EXTRACT_WORKERS=0 (extraction in the reactor thread) is refused (issue 20): there no
time or memory limit could stop a document that runs away, and it would hold the whole crawl."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from scrapy.utils.test import get_crawler

from conftest import ROOT
from govcrawl.pipelines.extract import ExtractPipeline, ExtractSettingError


def test_crawl_refuses_extraction_in_the_reactor_with_its_reason(tmp_path):
    toml = tmp_path / "p.toml"  # synthetic portal: never contacted, the crawl must not start
    toml.write_text("# synthetic portal (tests/crawl/test_extract_workers.py)\n[[portal]]\nname = \"x\"\n"
                    "start_urls = [\"http://127.0.0.1:9/\"]\nallowed_domains = [\"127.0.0.1\"]\nallow_private = true\n",
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "govcrawl", "crawl", "x", "--portals", str(toml), "--db", str(tmp_path / "g.db"),
                           "--archive", str(tmp_path / "a"), "-s", "GOVCRAWL_EXTRACT_WORKERS=0"],
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "GOVCRAWL_EXTRACT_WORKERS=0 is refused" in proc.stderr and "Set 1 or more" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "a").exists()  # nothing started: no archive written


def test_pipeline_refuses_zero_workers_and_keeps_the_limits_of_one():
    # the stage itself refuses too (a Scrapyd run does not go through the CLI)
    with pytest.raises(ExtractSettingError, match="GOVCRAWL_EXTRACT_WORKERS=0 is refused"):
        ExtractPipeline(get_crawler(settings_dict={"GOVCRAWL_EXTRACT_WORKERS": 0}))
    stage = ExtractPipeline(get_crawler(settings_dict={"GOVCRAWL_EXTRACT_WORKERS": 1, "GOVCRAWL_DOC_SECONDS": 7,
                                                       "GOVCRAWL_DOC_MEMORY_MB": 500}))
    assert (stage.workers, stage.seconds, stage.memory_mb) == (1, 7, 500)  # one worker process, under its limits
