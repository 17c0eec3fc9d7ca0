"""The WARC writer's record layout, without a crawl: exchanges, encodings, revisits, resume."""
from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

from govcrawl.archive import iter_records, read_record
from govcrawl.archive.warc import HttpRequest, WarcArchive, payload_digest, read_payload_info

URL = "http://127.0.0.1:8000/zwgk/report.html"
PAGE = "<html><body>2023年政府信息公开工作年度报告</body></html>".encode()


def _check(root: Path) -> None:
    for f in root.rglob("*.warc.gz"):
        proc = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", str(f)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_exchange_is_a_request_and_a_response_body_as_sent(tmp_path):
    arch = WarcArchive(tmp_path, "p", "run1")
    sent = gzip.compress(PAGE)
    form = b"channelid=200210&page=2"
    ex = arch.write_exchange(URL, 200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                                        ("Transfer-Encoding", "chunked"), ("Content-Length", "999")], sent,
                             request=HttpRequest("POST", [("Content-Type", "application/x-www-form-urlencoded")], form))
    arch.close()
    _check(tmp_path)
    assert ex.record_type == "response" and ex.payload == ex.written
    recs = list(iter_records(tmp_path, types=("request", "response")))
    req, resp = [r for r in recs if r.record_type == "request"], [r for r in recs if r.record_type == "response"]
    assert len(req) == len(resp) == 1
    assert req[0].warc_headers["WARC-Concurrent-To"] == resp[0].warc_headers["WARC-Record-ID"]
    assert req[0].body == form  # the POST body, as sent
    # Stored as the server sent it (gzip), its digest that of those bytes; readers get it decoded.
    assert resp[0].warc_headers["WARC-Payload-Digest"] == payload_digest(sent)
    got = read_record(tmp_path, ex.payload)
    assert got.body == PAGE
    assert ("Content-Encoding", "gzip") not in got.headers and ("Content-Length", str(len(PAGE))) in got.headers
    info = read_payload_info(tmp_path, ex.payload)
    assert (info.url, info.digest) == (URL, payload_digest(sent))


def test_same_body_again_is_a_revisit_also_after_a_restart(tmp_path):
    arch = WarcArchive(tmp_path, "p", "run1")
    first = arch.write_exchange(URL, 200, [("Content-Type", "text/html")], PAGE, request=HttpRequest())
    arch.close()
    # A new process of the same run (a resumed crawl) finds it in the run's files.
    again = WarcArchive(tmp_path, "p", "run1")
    second = again.write_exchange(URL, 200, [("Content-Type", "text/html")], PAGE, request=HttpRequest())
    changed = again.write_exchange(URL, 200, [("Content-Type", "text/html")], PAGE + b" ", request=HttpRequest())
    # Another run is not this run: only the prior record it is handed makes a revisit.
    other = WarcArchive(tmp_path, "p", "run2")
    prior = read_payload_info(tmp_path, first.payload)
    third = other.write_exchange(URL, 200, [("Content-Type", "text/html")], PAGE, request=HttpRequest(), prior=prior)
    not_mod = other.write_exchange(URL, 304, [("ETag", '"x"')], b"", request=HttpRequest(), not_modified=prior)
    again.close(), other.close()
    _check(tmp_path)
    assert (second.record_type, changed.record_type, third.record_type, not_mod.record_type) == ("revisit", "response", "revisit", "revisit")
    assert second.payload == third.payload == not_mod.payload == first.payload  # pages rows point at the body
    revisits = list(iter_records(tmp_path, types=("revisit",)))
    profiles = sorted(r.warc_headers["WARC-Profile"].rsplit("/", 1)[-1] for r in revisits)
    assert profiles == ["identical-payload-digest", "identical-payload-digest", "server-not-modified"]
    for r in revisits:
        assert r.warc_headers["WARC-Refers-To-Target-URI"] == URL and r.warc_headers["WARC-Refers-To-Date"] == prior.date
        assert r.warc_headers["WARC-Refers-To"] == prior.record_id
    assert len(list(iter_records(tmp_path, types=("request",)))) == 5
