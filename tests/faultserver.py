"""A fault-injecting HTTP server on 127.0.0.1 for the robustness tests (stdlib only).

SYNTHETIC: the site, its list page, its URLs and its page chrome are invented
here. The report *texts* inside the pages are real, read from
tests/fixtures/corpus/ (copies of ../shared/corpus/), and each page names its
source file in an HTML comment.

Two listeners share one route table, so robots.txt can misbehave in two ways
in one crawl (robots.txt is fetched once per host:port):

* ``base_url``  (listener A): robots.txt answers 404 (RFC 9309: no restrictions);
* ``base_url_b`` (listener B): robots.txt never answers within the timeout
  (RFC 9309: unreachable, so nothing on B may be fetched).

The list page ``/list.html`` on A links every case in ``CASES`` below: real
reports behind transient faults (retries help), permanent faults, and bad
input. Every slow behaviour is bounded (a few seconds), so a test crawl with
DOWNLOAD_TIMEOUT=2 finishes quickly. ``requests`` logs (method, path, host) of
every request, before it is answered.
"""
from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"

SLOW_SECONDS = 4.0  # "very slow" bodies and read timeouts last this long: > DOWNLOAD_TIMEOUT used by the tests
HUGE_BYTES = 50 * 1024 * 1024  # announced (and streamed) size of the huge page
BOMB_ZEROS = 64 * 1024 * 1024  # decompressed size of the gzip bomb (about 64 KB on the wire)


@dataclass(frozen=True)
class Case:
    path: str
    behaviour: str
    source: str | None = None  # corpus file whose text the page carries
    expect: str = "report"  # "report" (stored), or the start of pages.error / pages.skip_reason
    listener: str = "a"


# What each URL does, and what the crawl must record for it.
CASES: list[Case] = [
    # Transient faults: retries (RETRY_TIMES=2) get the report.
    Case("/burst/500/r1.html", "burst:500", "seeds/002_8661693cc3ee7730.txt"),
    Case("/burst/502/r2.html", "burst:502", "seeds/003_d88f63d2808b134a.txt"),
    Case("/burst/503/r3.html", "burst:503", "real/pingtan/2019-report.txt"),
    Case("/reset-once/r4.html", "reset-once", "real/pingtan/2021-report.txt"),
    Case("/slow-ok/r5.html", "slow-ok", "real/pingtan/2025-report.txt"),
    Case("/moved/r6.html", "redirect:/landing/r6.html", None, expect="redirected"),
    Case("/landing/r6.html", "report", "real/pingtan/2011-report.txt"),
    # Retry-After honoured (capped by GOVCRAWL_RETRY_AFTER_MAX, 3 s in the test crawl): answered once, then the report.
    Case("/retry-after/503/r8.html", "retry-after:503:2", "seeds/001_e8c90e1f83533eb4.txt"),
    Case("/retry-after/429/r9.html", "retry-after:429:3600", "real/pingtan/2011-report.txt"),
    # A body shorter than its Content-Length once: the retry gets the whole report.
    Case("/truncated-once/r10.html", "truncated-once", "seeds/004_d665514035f4539e.txt"),
    # Robots.txt on listener B times out: RFC 9309 makes the whole host off limits.
    Case("/b/r7.html", "report", "seeds/000_ce613ae3d38fe476.txt", listener="b", expect="robots.txt"),
    # Bad input that still holds a report.
    Case("/bad/gbk-as-utf8.html", "gbk-as-utf8", "seeds/004_d665514035f4539e.txt"),
    Case("/bad/invalid-utf8.html", "invalid-utf8", "seeds/002_8661693cc3ee7730.txt"),
    Case("/bad/nested.html", "nested", "seeds/003_d88f63d2808b134a.txt"),
    # Permanent faults: recorded with a reason.
    Case("/burst/500/always.html", "status:500", expect="HTTP 500"),
    Case("/reset/always.html", "reset", expect="connection reset"),
    Case("/timeout/always.html", "timeout", expect="timeout"),
    Case("/slow/very.html", "very-slow", expect="timeout"),
    Case("/truncated/body.html", "truncated", expect="truncated body"),
    Case("/truncated/report.html", "truncated", "real/pingtan/2021-report.txt", expect="truncated body"),
    Case("/truncated/gzip.html", "truncated-gzip", "real/pingtan/2019-report.txt", expect="truncated body"),
    Case("/loop/a.html", "redirect:/loop/b.html", expect="refused: redirect loop"),
    Case("/loop/b.html", "redirect:/loop/a.html", expect="unlinked"),
    Case("/redirect/offsite.html", "redirect:OFFSITE", expect="refused: redirect 302"),
    # Bad input without a report.
    Case("/bad/doc.html", "ole2:doc", expect="not a text document"),
    Case("/bad/xls.html", "ole2:xls", expect="not a text document"),
    Case("/bad/huge.html", "huge", expect="too large"),
    Case("/bad/bomb.html", "bomb", expect="too large"),
    Case("/bad/empty.html", "empty", expect="empty document"),
    Case("/files/fake-report.pdf", "fake-pdf", expect="not a PDF"),
    Case("/files/zero.pdf", "empty-pdf", expect="empty document"),
    Case("/files/broken.docx", "broken-docx", expect="not a text document: ZIP container"),
    # A report attached as .docx: pingtan_docx() below (SYNTHETIC container, real text).
    Case("/files/2025-report.docx", "docx"),
    # The same report as .doc (LibreOffice), as .wps (the .doc bytes: no tool here writes Kingsoft .wps)
    # and as a scan (image-only PDF, OCR): SYNTHETIC containers of real text, see
    # tests/fixtures/corpus/synthetic/office/make_renderings.py.
    Case("/files/2025-report.doc", "file:synthetic/office/pingtan-2025.doc"),
    Case("/files/2025-report.wps", "file:synthetic/office/pingtan-2025.doc"),
    Case("/files/2025-scan.pdf", "file:synthetic/office/pingtan-2025-scan-150.pdf"),
]
# A 404 storm: thirty dead links.
CASES += [Case(f"/gone/{i}.html", "status:404", expect="HTTP 404") for i in range(30)]

CASE_BY_PATH = {c.path: c for c in CASES}


def report_html(source: str) -> str:
    """A real report text in synthetic page chrome."""
    text = (CORPUS / source).read_text(encoding="utf-8")
    paras = "\n".join(f"<p>{_escape(line.strip())}</p>" for line in text.splitlines() if line.strip())
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>示例市人民政府</title></head><body>\n"
        f"<!-- synthetic page chrome (tests/faultserver.py) around the real text of tests/fixtures/corpus/{source} -->\n"
        "<div class='nav'>首页 &gt; 政务公开 &gt; 政府信息公开年报</div>\n"
        f"<div class='article'>\n{paras}\n</div>\n<div class='footer'>示例市人民政府 版权所有</div>\n</body></html>\n"
    )


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pingtan_docx() -> bytes:
    """The real Pingtan 2025 report page's article as a SYNTHETIC .docx (tests/docxgen.py)."""
    from docxgen import docx_from_html

    html = (CORPUS / "real" / "pingtan" / "2025-report.html").read_text(encoding="utf-8")
    return docx_from_html(html, '//div[@class="TRS_Editor"]', title="平潭综合实验区2025年度政府信息公开工作年度报告")


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ole2(kind: str) -> bytes:
    # An OLE2 compound-file header (what .doc/.xls/.wps files start with) and filler: synthetic, not a real document.
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff" + kind.encode() * 300 + bytes(range(256)) * 8


class FaultServer:
    __test__ = False

    def __init__(self):
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Host header)
        self.hits: Counter = Counter()
        self.times: defaultdict = defaultdict(list)  # (listener, path) -> monotonic times of its requests
        self._lock = threading.Lock()
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._bomb: bytes | None = None

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> "FaultServer":
        for name in ("a", "b"):
            handler = type("_Bound", (_Handler,), {"fault": self, "listener": name})
            srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            srv.daemon_threads = True
            self._servers[name] = srv
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def __exit__(self, *exc) -> None:
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()

    def url(self, listener: str = "a") -> str:
        return f"http://127.0.0.1:{self._servers[listener].server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.url("a")

    @property
    def base_url_b(self) -> str:
        return self.url("b")

    @property
    def offsite_url(self) -> str:
        return f"http://localhost:{self._servers['a'].server_address[1]}"

    def full_url(self, case: Case) -> str:
        return self.url(case.listener) + case.path

    def hosts(self) -> set[str]:
        with self._lock:
            return {h.rsplit(":", 1)[0] for _m, _p, h in self.requests}

    def bomb(self) -> bytes:
        if self._bomb is None:
            co = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = b"\x00" * (1 << 20)
            self._bomb = b"".join([*(co.compress(chunk) for _ in range(BOMB_ZEROS >> 20)), co.flush()])
        return self._bomb

    def list_page(self) -> bytes:
        links = "\n".join(f"<li><a href='{self.full_url(c)}'>示例市政府信息公开工作年度报告 {c.path}</a></li>"
                          for c in CASES if c.expect != "unlinked")
        return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>政府信息公开年报</title></head><body>"
                "<!-- synthetic list page (tests/faultserver.py) -->"
                f"<ul>{links}</ul></body></html>").encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    fault: FaultServer
    listener: str
    protocol_version = "HTTP/1.1"
    timeout = 10

    def log_message(self, format, *args):  # noqa: A002 - quiet tests
        pass

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass  # the connection was reset or abandoned on purpose

    def do_GET(self):
        path = urlsplit(self.path).path
        with self.fault._lock:
            self.fault.requests.append(("GET", self.path, self.headers.get("Host", "")))
            self.fault.hits[(self.listener, path)] += 1
            self.fault.times[(self.listener, path)].append(time.monotonic())
            hit = self.fault.hits[(self.listener, path)]
        try:
            self._answer(path, hit)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client gave up (timeout): nothing more to do

    # -- answers ------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _reset(self):
        # SO_LINGER 0: close() sends a TCP RST instead of a clean FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _answer(self, path: str, hit: int):
        if path == "/robots.txt":
            if self.listener == "b":
                time.sleep(SLOW_SECONDS)
                self._send(500, b"<h1>500 Internal Server Error</h1>")
            else:
                self._send(404, b"<h1>404</h1>")
            return
        if path == "/list.html" and self.listener == "a":
            self._send(200, self.fault.list_page())
            return
        case = CASE_BY_PATH.get(path)
        if case is None or case.listener != self.listener:
            self._send(404, b"<h1>404</h1>")
            return
        kind, _, arg = case.behaviour.partition(":")
        page = report_html(case.source).encode("utf-8") if case.source else b""
        if kind == "report":
            self._send(200, page)
        elif kind == "burst":
            if hit <= 2:
                self._send(int(arg), f"<h1>{arg}</h1>".encode())
            else:
                self._send(200, page)
        elif kind == "status":
            self._send(int(arg), f"<h1>{arg}</h1>".encode())
        elif kind == "reset-once" and hit == 1 or kind == "reset":
            self._reset()
        elif kind == "reset-once":
            self._send(200, page)
        elif kind == "redirect":
            target = self.fault.offsite_url + "/elsewhere.html" if arg == "OFFSITE" else self.fault.url(self.listener) + arg
            self._send(302, b"", headers={"Location": target})
        elif kind == "timeout":
            time.sleep(SLOW_SECONDS)
            self._send(200, b"<p>too late</p>")
        elif kind in ("slow-ok", "very-slow"):
            body = page or b"<p>" + b"x" * 4000 + b"</p>"
            pieces = 10 if kind == "slow-ok" else 40
            pause = 0.06 if kind == "slow-ok" else SLOW_SECONDS / pieces
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            step = -(-len(body) // pieces)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(pause)
        elif kind == "truncated" or kind == "truncated-once" and hit == 1:
            # a report (or filler) cut short: Content-Length announces more than is sent
            body = page or b"<html><body>" + "信息公开".encode() * 500
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) * 4))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
        elif kind == "truncated-once":
            self._send(200, page)
        elif kind == "retry-after":
            status, after = arg.split(":")
            if hit == 1:
                self._send(int(status), f"<h1>{status}</h1>".encode(), headers={"Retry-After": after})
            else:
                self._send(200, page)
        elif kind == "truncated-gzip":
            full = gzip.compress(page)
            self._send(200, full[: len(full) // 2], headers={"Content-Encoding": "gzip"})
        elif kind == "gbk-as-utf8":
            self._send(200, page.decode("utf-8").replace("charset='utf-8'", "").encode("gbk", errors="replace"))
        elif kind == "invalid-utf8":
            cut = len(page) // 2
            cut = page.index(b"<p>", cut)
            self._send(200, page[:cut] + b"\xff\xfe\xc3\x28" + page[cut:])
        elif kind == "nested":
            html = page.decode("utf-8")
            html = html.replace("<div class='article'>", "<div class='article'>" + "<div>" * 10000, 1)
            html = html.replace("<div class='footer'>", "</div>" * 10000 + "<div class='footer'>", 1)
            self._send(200, html.encode("utf-8"))
        elif kind == "ole2":
            self._send(200, _ole2(arg))
        elif kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(HUGE_BYTES))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"[:3]
            sent = 0
            while sent < HUGE_BYTES:  # streamed: the client hangs up once it has seen the size
                n = min(len(chunk), HUGE_BYTES - sent)
                self.wfile.write(chunk[:n])
                sent += n
        elif kind == "bomb":
            self._send(200, self.fault.bomb(), headers={"Content-Encoding": "gzip"})
        elif kind == "empty":
            self._send(200, b"")
        elif kind == "fake-pdf":
            self._send(200, b"<html><body>synthetic: an HTML error page served as a PDF</body></html>" + bytes(range(256)), "application/pdf")
        elif kind == "empty-pdf":
            self._send(200, b"", "application/pdf")
        elif kind == "file":
            types = {".doc": "application/msword", ".pdf": "application/pdf"}
            self._send(200, (CORPUS / arg).read_bytes(), types.get(Path(arg).suffix, "application/octet-stream"))
        elif kind in ("docx", "broken-docx"):
            body = pingtan_docx()
            self._send(200, body if kind == "docx" else body[: len(body) // 3], DOCX_TYPE)
        else:  # pragma: no cover - a case without a behaviour is a bug in CASES
            raise AssertionError(case)


if __name__ == "__main__":
    with FaultServer() as fs:
        print(fs.base_url + "/list.html")
        threading.Event().wait()
