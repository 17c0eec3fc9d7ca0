"""A local HTTP server that serves the bundled fixture portal (tests and `make demo`).

The portal lives in ``govcrawl/testing/portal/`` (package data; tests/fixtures/portal links to it) (see its README.md). This module
only knows how to *serve* it: static files, a few routes that are not files
(redirects, forced statuses, Content-Type overrides), conditional requests,
and the synthetic TRS search API at ``POST /fjdzapp/search``.

    with TestPortal() as portal:
        portal.base_url            # "http://127.0.0.1:PORT"
        portal.requests            # every request received, in order
        portal.served["/index.html"]  # exact body bytes last served

Files may contain two ASCII placeholders, replaced at serve time on the raw
bytes (so GBK files survive untouched):

* ``{{BASE}}``    -> ``http://127.0.0.1:PORT`` (the portal itself);
* ``{{OFFSITE}}`` -> ``http://localhost:PORT``: the same server under another
  host name, so a request to an off-domain link, if a crawler ever made one,
  arrives here and is visible in ``requests`` by its Host header.

Query strings: a request ``/a/list.html?page=2`` is served from the file
``a/list.html@page=2`` when it exists; otherwise the query is ignored, as a
static web server would.

Nothing here reaches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import mimetypes
import threading
import time
import tomllib
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# Package data (shipped in the wheel, so `govcrawl demo` runs from any install); a server
# needs real files, so a zipped install (a Scrapyd egg) has no DEFAULT_ROOT to serve.
_PORTAL = resources.files(__package__).joinpath("portal")
DEFAULT_ROOT = _PORTAL if isinstance(_PORTAL, Path) else None

# Content types that get placeholder substitution; binaries (PDF …) never do.
_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")

_DEFAULT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".wps": "application/vnd.ms-works",
}

# Files in the portal folder that document or build it and are not pages.
_NOT_SERVED = {"README.md", "routes.toml", "expected.json", "build_portal.py", "portal.toml", "fjdzapp/search.json", "jcms.json", "build_cms.py"}

SEARCH_API_PATH = "/fjdzapp/search"
JCMS_API_PATH = "/module/web/jpage/dataproxy.jsp"


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    method: str
    path: str  # path including the query string, as sent
    host: str
    user_agent: str
    if_none_match: str | None
    if_modified_since: str | None
    body: bytes = b""
    status: int = 0
    headers: dict = field(default_factory=dict, compare=False)

    @property
    def hostname(self) -> str:
        return self.host.rsplit(":", 1)[0] if self.host else ""


@dataclass
class _Override:
    body: bytes
    content_type: str
    status: int
    last_modified: float


class TestPortal:
    """Serve the fixture portal on 127.0.0.1 (port chosen by the OS by default)."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(self, root: str | Path | None = None, host: str = "127.0.0.1", port: int = 0):
        if root is None and DEFAULT_ROOT is None:
            raise FileNotFoundError("the bundled test portal needs an unpacked install (a wheel or a checkout), not a zipped egg")
        self.root = Path(root) if root else DEFAULT_ROOT
        if not self.root.is_dir():
            raise FileNotFoundError(f"test portal folder not found: {self.root}")
        self.host = host
        self.port = port
        self.routes = _load_routes(self.root / "routes.toml")
        self.api_data = _load_api_data(self.root / self.routes.get("search_api", {}).get("data", "fjdzapp/search.json"))
        jcms = self.routes.get("jcms_api")  # a synthetic Hanweb JCMS dataproxy.jsp, when the portal has one
        self.jcms_path = jcms.get("path", JCMS_API_PATH) if jcms else None
        self.jcms_data = json.loads((self.root / jcms["data"]).read_text(encoding="utf-8")) if jcms else {}
        self.requests: list[RequestRecord] = []
        self.served: dict[str, bytes] = {}
        self._overrides: dict[str, _Override | None] = {}
        self._lock = threading.Lock()
        # Requests being answered right now, per host, and the most ever at once (politeness tests).
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self.latency = 0.0  # seconds each answer takes, so concurrent requests overlap measurably
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> "TestPortal":
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"portal": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll interval keeps stop() (and so every test using the portal) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="testportal", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "TestPortal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def offsite_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def offsite_host(self) -> str:
        return f"localhost:{self.port}"

    # -- run-time changes ----------------------------------------------------
    def set_page(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200) -> None:
        """Serve ``body`` at ``path`` from now on (replaces the file, if any)."""
        with self._lock:
            self._overrides[path] = _Override(body, content_type, status, time.time())

    def remove_page(self, path: str) -> None:
        """Make ``path`` answer 404 from now on."""
        with self._lock:
            self._overrides[path] = None

    # -- request log helpers ---------------------------------------------------
    def requests_for(self, path: str, method: str | None = None) -> list[RequestRecord]:
        """Requests whose path (query included) equals ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    def offsite_requests(self) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if r.hostname == "localhost"]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.served.clear()

    # -- internals used by the handler -------------------------------------------
    def _record(self, rec: RequestRecord, body_served: bytes | None) -> None:
        with self._lock:
            self.requests.append(rec)
            if body_served is not None:
                self.served[rec.path] = body_served

    def _substitute(self, body: bytes, content_type: str) -> bytes:
        if not content_type.startswith(_TEXT_TYPES):
            return body
        return body.replace(b"{{BASE}}", self.base_url.encode()).replace(b"{{OFFSITE}}", self.offsite_url.encode())

    def resolve(self, path: str, query: str) -> tuple[int, bytes, str, float | None, dict]:
        """Decide the answer for a GET: (status, body, content type, mtime, extra headers)."""
        full = f"{path}?{query}" if query else path
        with self._lock:
            for key in (full, path):
                if key in self._overrides:
                    ov = self._overrides[key]
                    if ov is None:
                        return _not_found()
                    return ov.status, ov.body, ov.content_type, ov.last_modified, {}

        for rule in self.routes.get("redirect", []):
            if rule["path"] in (full, path):
                location = rule["to"]
                if location.startswith("/"):
                    location = self.base_url + location
                return int(rule.get("status", 301)), b"", "text/html; charset=utf-8", None, {"Location": location}
        for rule in self.routes.get("status", []):
            if rule["path"] in (full, path):
                code = int(rule["code"])
                return code, f"<html><body><h1>{code}</h1></body></html>".encode(), "text/html; charset=utf-8", None, {}

        file = self._find_file(path, query)
        if file is None:
            return _not_found()
        ctype = self._content_type(path, file)
        return 200, file.read_bytes(), ctype, file.stat().st_mtime, {}

    def _find_file(self, path: str, query: str) -> Path | None:
        rel = unquote(path).lstrip("/")
        if rel in _NOT_SERVED:
            return None
        candidate = (self.root / rel).resolve()
        if not candidate.is_relative_to(self.root.resolve()):
            return None  # no escaping the portal folder with ../
        if candidate.is_dir() or path.endswith("/"):
            for index in ("index.html", "index.htm"):
                if (candidate / index).is_file():
                    candidate = candidate / index
                    break
            else:
                return None
        if query:
            with_query = candidate.with_name(f"{candidate.name}@{query}")
            if with_query.is_file():
                return with_query
        return candidate if candidate.is_file() else None

    def _content_type(self, path: str, file: Path) -> str:
        for rule in self.routes.get("content_type", []):
            if rule["path"] == path:
                return rule["type"]
        suffix = Path(file.name.split("@", 1)[0]).suffix.lower()
        return _DEFAULT_TYPES.get(suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"

    def search(self, params: dict[str, str]) -> tuple[int, bytes]:
        """The synthetic TRS search API (see README.md: the response shape is reproduced, the data are ours)."""
        channel = self.api_data.get(str(params.get("channelid", "")).strip())
        try:
            page = max(1, int(params.get("page", "1") or 1))
            prepage = max(1, min(500, int(params.get("prepage", "10") or 10)))
        except ValueError:
            return 400, json.dumps({"error": "page and prepage must be integers"}).encode()
        if channel is None:
            docs: list[dict] = []
        else:
            docs = _filter_classsql(channel, params.get("classsql", ""))
            docs = _sort_docs(docs, params.get("sortfield", ""))
        page_count = -(-len(docs) // prepage)
        chunk = docs[(page - 1) * prepage : page * prepage]
        body = json.dumps({"data": chunk, "pageCount": page_count}, ensure_ascii=False).encode("utf-8")
        return 200, self._substitute(body, "application/json")


    def jcms(self, params: dict[str, str]) -> tuple[int, bytes]:
        """The synthetic JCMS dataproxy.jsp: records startrecord..endrecord of a column, as jpage's XML."""
        records = self.jcms_data.get("columns", {}).get(str(params.get("columnid", "")).strip(), [])
        try:
            per_page = max(1, int(params.get("perpage") or 15))
            if params.get("startrecord"):
                start, end = int(params["startrecord"]), int(params.get("endrecord") or params["startrecord"])
            else:  # the <nextgroup> GET form: ?page=N
                start = (max(1, int(params.get("page") or 1)) - 1) * per_page + 1
                end = start + per_page - 1
        except ValueError:
            return 400, b"<datastore><error>bad paging parameters</error></datastore>"
        chunk = records[max(0, start - 1) : max(0, end)]
        pages = -(-len(records) // per_page)
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
                f"<totalrecord>{len(records)}</totalrecord>\n<totalpage>{pages}</totalpage>\n<recordset>\n"
                + "".join(f"<record><![CDATA[\n{r}\n]]></record>\n" for r in chunk) + "</recordset>\n</datastore>\n")
        return 200, self._substitute(body.encode("utf-8"), "text/xml")


class _Handler(BaseHTTPRequestHandler):
    portal: TestPortal  # bound per server in TestPortal.start()
    server_version = "govcrawl-testportal/1"
    timeout = 30

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def do_HEAD(self):
        with self._counted():
            self._serve(send_body=False)

    def do_GET(self):
        with self._counted():
            self._serve(send_body=True)

    def do_POST(self):
        with self._counted():
            self._post()

    @contextlib.contextmanager
    def _counted(self):
        host = self.headers.get("Host", "").rsplit(":", 1)[0]
        portal = self.portal
        with portal._lock:
            portal.in_flight[host] = portal.in_flight.get(host, 0) + 1
            portal.max_in_flight[host] = max(portal.max_in_flight.get(host, 0), portal.in_flight[host])
        self._counted_host = host
        try:
            if portal.latency:
                time.sleep(portal.latency)
            yield
        finally:
            self._answered()

    def _answered(self) -> None:
        """The request stops counting as in flight: called just before the answer's last write.

        A client cannot have its whole answer before that write, so a request it sends
        next always finds this one uncounted. Counting down after the write instead
        would, now and then, see a strictly sequential client twice at once: the
        handler thread can lose the CPU between its last write and its count-down.
        """
        host = getattr(self, "_counted_host", None)
        if host is None:
            return
        self._counted_host = None
        with self.portal._lock:
            self.portal.in_flight[host] -= 1

    def _post(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        if parts.path == self.portal.jcms_path:
            params = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
            params.update({k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()})
            status, body = self.portal.jcms(params)
            self._respond(status, body, "text/xml; charset=UTF-8", {}, raw, True)
            return
        if parts.path != SEARCH_API_PATH:
            self._respond(405, b"", "text/plain; charset=utf-8", {}, raw, True)
            return
        params = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        # Browsers' list2.trsapi sends form fields; accept query-string fields as well.
        for k, v in parse_qs(parts.query, keep_blank_values=True).items():
            params.setdefault(k, v[-1])
        status, body = self.portal.search(params)
        self._respond(status, body, "application/json; charset=utf-8", {}, raw, True)

    def _serve(self, send_body: bool):
        parts = urlsplit(self.path)
        host = self.headers.get("Host", "")
        if host.rsplit(":", 1)[0] == "localhost":
            # The "off-site" host: any path answers a small page so the visit is logged.
            body = self.portal._substitute(_OFFSITE_PAGE, "text/html")
            self._respond(200, body, "text/html; charset=utf-8", {}, b"", send_body)
            return
        if parts.path == self.portal.jcms_path:
            status, body = self.portal.jcms({k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()})
            self._respond(status, body, "text/xml; charset=UTF-8", {}, b"", send_body)
            return
        if parts.path == SEARCH_API_PATH:
            params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            status, body = self.portal.search(params)
            self._respond(status, body, "application/json; charset=utf-8", {}, b"", send_body)
            return
        status, body, ctype, mtime, extra = self.portal.resolve(parts.path, parts.query)
        body = self.portal._substitute(body, ctype)
        if status == 200:
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            last_modified = formatdate(int(mtime or time.time()), usegmt=True)
            extra = {**extra, "ETag": etag, "Last-Modified": last_modified}
            if _not_modified(self.headers, etag, int(mtime or 0)):
                self._respond(304, b"", ctype, extra, b"", False)
                return
        self._respond(status, body, ctype, extra, b"", send_body)

    def _respond(self, status: int, body: bytes, ctype: str, extra: dict, req_body: bytes, send_body: bool):
        # Log before answering: a client that has its answer must find its request in the log.
        rec = RequestRecord(
            method=self.command,
            path=self.path,
            host=self.headers.get("Host", ""),
            user_agent=self.headers.get("User-Agent", ""),
            if_none_match=self.headers.get("If-None-Match"),
            if_modified_since=self.headers.get("If-Modified-Since"),
            body=req_body,
            status=status,
            headers=dict(self.headers.items()),
        )
        self.portal._record(rec, body if (send_body and status != 304) else None)
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in extra.items():
            self.send_header(k, v)
        if send_body and status != 304 and body:
            self.end_headers()
            self._answered()
            self.wfile.write(body)
        else:
            self._answered()
            self.end_headers()  # the headers are the whole answer


_OFFSITE_PAGE = (
    b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>off-site</title></head>"
    b"<body><!-- synthetic: stands in for any site outside the test portal's domain -->"
    b"<p>This page is outside the test portal's allowed domain.</p></body></html>"
)


def _not_found():
    return 404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html; charset=utf-8", None, {}


def _not_modified(headers, etag: str, mtime: int) -> bool:
    # RFC 9110: If-None-Match takes precedence over If-Modified-Since.
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = headers.get("If-Modified-Since")
    if ims and mtime:
        try:
            return int(parsedate_to_datetime(ims).timestamp()) >= mtime
        except (TypeError, ValueError):
            return False
    return False


def _load_routes(path: Path) -> dict:
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _load_api_data(path: Path) -> dict[str, list[dict]]:
    """channelid -> list of documents, from the portal's synthetic search index."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): v for k, v in data.get("channels", {}).items()}


def _filter_classsql(docs: list[dict], classsql: str) -> list[dict]:
    """Apply the only classsql form TRS list pages use here: ``field=value`` terms joined by ``and``."""
    out = docs
    for term in (t.strip() for t in classsql.replace(" AND ", " and ").split(" and ")):
        if "=" not in term:
            continue
        key, value = (s.strip().strip("'\"") for s in term.split("=", 1))
        out = [d for d in out if str(d.get(key, "")) == value]
    return out


def _sort_docs(docs: list[dict], sortfield: str) -> list[dict]:
    """TRS sortfield: comma-separated fields, ``-`` for descending; applied last field first (stable sort)."""
    out = list(docs)
    for spec in reversed([s.strip() for s in sortfield.split(",") if s.strip()]):
        desc = spec.startswith("-")
        key = spec.lstrip("+-")
        out.sort(key=lambda d: _sort_key(d.get(key)), reverse=desc)
    return out


def _sort_key(value) -> tuple:
    # Numbers (docorderpri) compare as numbers, everything else (dates) as text.
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, "" if value is None else str(value))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the govcrawl fixture portal on loopback.")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--root", default=None, help="portal folder (default: the bundled govcrawl/testing/portal)")
    args = parser.parse_args(argv)
    with TestPortal(root=args.root, port=args.port) as portal:
        print(f"test portal: {portal.base_url}/  (off-site alias {portal.offsite_url}/) — Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
