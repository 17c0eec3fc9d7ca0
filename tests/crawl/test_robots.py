"""robots.txt per RFC 9309: 5xx or unreachable closes the host for the run; 4xx allows; one fetch per host.

The site is the TRS fixture portal (tests/fixtures/cms/trs-vars, synthetic chrome);
its robots.txt is replaced per test.
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlite_utils

from govcrawl.testing.testportal import TestPortal

from conftest import FIXTURES, run_govcrawl

SITE = FIXTURES / "cms" / "trs-vars"


def _registry(tmp_path, base: str) -> str:
    path = tmp_path / "portals.toml"
    path.write_text(
        "# synthetic: the trs-vars fixture portal (written by tests/crawl/test_robots.py)\n"
        "[[portal]]\n"
        'name = "robots-site"\n'
        f'start_urls = ["{base}/"]\n'
        'nav_path = ["政务公开", "政府信息公开年报"]\n'
        "allow_private = true\n"
        "politeness = { download_delay = 0, autothrottle = false }\n", encoding="utf-8")
    return str(path)


def _crawl(tmp_path, base: str, *extra: str):
    proc = run_govcrawl("crawl", "robots-site", "--portals", _registry(tmp_path, base), "--db", str(tmp_path / "g.db"),
                        "--archive", str(tmp_path / "archive"), "--log-level", "WARNING", *extra, ok=(0, 1, 3))
    return proc, sqlite_utils.Database(tmp_path / "g.db")


def test_robots_500_disallows_the_whole_host(tmp_path):
    with TestPortal(SITE) as portal:
        portal.set_page("/robots.txt", b"<h1>500 Internal Server Error</h1>", "text/html", status=500)
        proc, db = _crawl(tmp_path, portal.base_url, "-s", "RETRY_TIMES=0")
        paths = [r.path for r in portal.requests]
    assert paths == ["/robots.txt"]  # fetched once, and nothing else on the host
    robots = list(db.query("select status, error, skip_reason, warc_file from pages where role = 'robots'"))
    assert len(robots) == 1 and robots[0]["status"] == 500 and robots[0]["warc_file"]
    assert "HTTP 500" in robots[0]["error"] and "disallowed" in robots[0]["error"]
    start = list(db.query("select error from pages where role = 'nav'"))
    assert start and all("robots.txt" in r["error"] for r in start)
    assert db.execute("select count(*) from reports").fetchone()[0] == 0
    assert "disallowed for this run" in proc.stdout
    assert proc.returncode == 1
    assert "start URLs unreachable: HTTP 500 (robots.txt could not be fetched)" in " ".join(proc.stdout.split())


class _SlowRobots(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.seen.append(self.path)
        if self.path == "/robots.txt":
            time.sleep(3)  # longer than the crawl's DOWNLOAD_TIMEOUT
        body = b"<html><body><a href='/zwgk/'>\xe6\x94\xbf\xe5\x8a\xa1\xe5\x85\xac\xe5\xbc\x80</a></body></html>"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the crawler gave up on us


def test_robots_timeout_disallows_the_whole_host(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowRobots)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _SlowRobots.seen = []
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        proc, db = _crawl(tmp_path, base, "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0")
    finally:
        server.shutdown()
        server.server_close()
    assert _SlowRobots.seen == ["/robots.txt"]
    robots = list(db.query("select status, error from pages where role = 'robots'"))
    assert len(robots) == 1 and robots[0]["status"] is None
    assert "unreachable" in robots[0]["error"] and "disallowed" in robots[0]["error"]
    assert "unreachable" in proc.stdout


def test_robots_404_allows_and_is_fetched_once(tmp_path):
    with TestPortal(SITE) as portal:
        portal.set_page("/robots.txt", b"<h1>Not Found</h1>", "text/html", status=404)
        _, db = _crawl(tmp_path, portal.base_url)
        paths = [r.path for r in portal.requests]
    assert paths.count("/robots.txt") == 1
    assert db.execute("select count(*) from reports").fetchone()[0] == 4


class _AttachmentHost(BaseHTTPRequestHandler):
    """A second host (an attachment server) whose robots.txt answers 503."""

    seen: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.seen.append(self.path)
        status, body = (503, b"busy") if self.path == "/robots.txt" else (200, b"%PDF-1.4 synthetic")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if status != 200 else "application/pdf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_closed_attachment_host_is_recorded_once_with_its_reason(tmp_path):
    """Not a start host: the crawl meets it through two attachment links of a report page. Nothing of it is
    fetched but its robots.txt; the reason is one robots row in pages and one line of the summary."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AttachmentHost)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _AttachmentHost.seen = []
    port = server.server_address[1]
    page = "/zwgk/zfxxgknb/202403/t20240315_8801.htm"
    try:
        with TestPortal(SITE) as portal:
            html = (SITE / page.lstrip("/")).read_bytes()
            links = "".join(f'<p><a href="http://localhost:{port}/files/{n}.pdf">附件{n}</a></p>' for n in (1, 2)).encode()
            portal.set_page(page, html.replace(b"</body>", links + b"</body>"))
            registry = tmp_path / "portals.toml"
            registry.write_text(
                "# synthetic: the trs-vars fixture portal plus an attachment host (tests/crawl/test_robots.py)\n"
                "[[portal]]\n"
                'name = "robots-site"\n'
                f'start_urls = ["{portal.base_url}/"]\n'
                'allowed_domains = ["127.0.0.1", "localhost"]\n'
                f"allowed_ports = [{port}]\n"
                'nav_path = ["政务公开", "政府信息公开年报"]\n'
                "allow_private = true\n"
                "politeness = { download_delay = 0, autothrottle = false }\n", encoding="utf-8")
            proc = run_govcrawl("crawl", "--all", "--portals", str(registry), "--db", str(tmp_path / "g.db"),
                                "--archive", str(tmp_path / "archive"), "--log-level", "WARNING", "-s", "RETRY_TIMES=0",
                                ok=(3,))
    finally:
        server.shutdown()
        server.server_close()
    db = sqlite_utils.Database(tmp_path / "g.db")
    assert _AttachmentHost.seen == ["/robots.txt"]
    robots = list(db.query("select url, status, skip_reason from pages where role = 'robots' order by id"))
    closed = [r for r in robots if r["url"] == f"http://localhost:{port}/robots.txt"]
    assert len(closed) == 1 and closed[0]["status"] == 503
    assert closed[0]["skip_reason"] == f"robots.txt answered HTTP 503: every page of localhost:{port} is disallowed for this run (RFC 9309)"
    blocked = list(db.query("select url, error from pages where role = 'attachment'"))
    assert sorted(r["url"] for r in blocked) == [f"http://localhost:{port}/files/{n}.pdf" for n in (1, 2)]
    assert all("robots.txt" in r["error"] for r in blocked)
    assert db.execute("select count(*) from reports").fetchone()[0] == 4  # the start host was crawled as usual
    out = " ".join(proc.stdout.split())
    assert out.count(f"localhost:{port}/robots.txt: robots.txt answered HTTP 503") == 1, out
