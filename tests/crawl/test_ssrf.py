"""Addresses are checked where the connection is made (issue 20).

* the SSRF matrix: which resolved addresses a connection may use (govcrawl.crawl.ssrf.address_refusal);
* DNS rebinding: a tiny DNS server on 127.0.0.1 (stdlib UDP, below) answers a public
  address to the first lookup of ``rebind.example`` and 127.0.0.1 to every later one; the
  crawl is pointed at it with GOVCRAWL_DNS_SERVERS (the resolver seam: Scrapy's TWISTED_DNS_RESOLVER
  = govcrawl.crawl.ssrf.GuardedResolver, which asks that server through twisted.names). The first
  (public) answer goes to the scope guard's early check; the connection's own lookup gets
  127.0.0.1 and is refused — no request reaches the HTTP server on 127.0.0.1, and nothing
  connects to the public address;
* ports: only 80/443, the start URLs' ports and the portal's allowed_ports.
"""
from __future__ import annotations

import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlite_utils

from govcrawl.crawl.guard import Scope
from govcrawl.crawl.ssrf import address_refusal

from conftest import run_govcrawl

# (case, address, refused?)
MATRIX = [
    ("IPv4 public", "8.8.8.8", False),
    ("IPv4 private 10/8", "10.1.2.3", True),
    ("IPv4 private 172.16/12", "172.16.5.4", True),
    ("IPv4 private 192.168/16", "192.168.1.1", True),
    ("IPv4 loopback", "127.0.0.1", True),
    ("IPv4 link-local (cloud metadata)", "169.254.169.254", True),
    ("IPv4 CGNAT 100.64/10", "100.64.0.1", True),
    ("IPv4 multicast", "224.0.0.1", True),
    ("IPv4 reserved 240/4", "240.0.0.1", True),
    ("IPv4 broadcast", "255.255.255.255", True),
    ("IPv4 this-network 0/8", "0.0.0.0", True),
    ("IPv4 documentation TEST-NET-1", "192.0.2.1", True),
    ("IPv4 benchmarking 198.18/15", "198.18.0.1", True),
    ("IPv6 public", "2001:4860:4860::8888", False),
    ("IPv6 loopback", "::1", True),
    ("IPv6 unspecified", "::", True),
    ("IPv6 ULA fc00::/7", "fd00::1", True),
    ("IPv6 link-local", "fe80::1", True),
    ("IPv6 multicast", "ff02::1", True),
    ("IPv6 site-local (deprecated)", "fec0::1", True),
    ("IPv6 documentation 2001:db8::/32", "2001:db8::1", True),
    ("IPv6 documentation 3fff::/20", "3fff::1", True),
    ("IPv6 ORCHID 2001:10::/28", "2001:10::1", True),
    ("IPv6 ORCHIDv2 2001:20::/28", "2001:20::1", True),
    ("IPv4-mapped loopback", "::ffff:127.0.0.1", True),
    ("IPv4-mapped public", "::ffff:8.8.8.8", False),
    ("IPv4-compatible ::a.b.c.d", "::127.0.0.1", True),
    ("NAT64 64:ff9b::/96 embedding 10.1.2.3", "64:ff9b::a01:203", True),
    ("NAT64 embedding 8.8.8.8", "64:ff9b::808:808", False),
    ("local-use NAT64 64:ff9b:1::/48", "64:ff9b:1::a01:203", True),
    ("6to4 2002::/16 embedding 10.1.2.3", "2002:0a01:0203::1", True),
    ("6to4 embedding 127.0.0.1", "2002:7f00:1::1", True),
    ("6to4 embedding 8.8.8.8", "2002:0808:0808::1", False),
    ("Teredo 2001::/32, client 10.1.2.3", "2001:0:4136:e378:8000:63bf:f5fe:fdfc", True),
    ("Teredo, server 127.0.0.1", "2001:0:7f00:1:8000:63bf:f7f7:f7f7", True),
]


@pytest.mark.parametrize("case,address,refused", MATRIX, ids=[c for c, _, _ in MATRIX])
def test_ssrf_matrix(case, address, refused):
    why = address_refusal(address)
    assert bool(why) == refused, (case, why)


def test_ports_only_web_ports_start_url_ports_and_listed_ones():
    scope = Scope(["www.example.gov.cn"], ports={8080})
    assert scope.refusal("http://www.example.gov.cn/a.html", resolve=False) is None
    assert scope.refusal("https://www.example.gov.cn:443/a.html", resolve=False) is None
    assert scope.refusal("http://www.example.gov.cn:8080/a.html", resolve=False) is None
    for port in (6379, 22, 25, 8081):
        assert "port %d" % port in scope.refusal(f"http://www.example.gov.cn:{port}/", resolve=False)


# -- rebinding -----------------------------------------------------------------------------

PUBLIC = "93.184.216.34"  # handed out once, to the early check; never connected to


class RebindingDNS:
    """Answers every query for NAME with one A record: PUBLIC the first time, then 127.0.0.1."""

    NAME = "rebind.example"

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.answers: list[str] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join(2)
        self.sock.close()

    def _serve(self):
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(512)
            except (socket.timeout, OSError):
                continue
            qid = data[:2]
            i, labels = 12, []
            while data[i]:
                labels.append(data[i + 1:i + 1 + data[i]].decode("ascii", "replace"))
                i += 1 + data[i]
            question = data[12:i + 5]
            name = ".".join(labels).lower()
            if name != self.NAME:  # NXDOMAIN
                self.sock.sendto(qid + struct.pack(">HHHHH", 0x8183, 1, 0, 0, 0) + question, peer)
                continue
            addr = PUBLIC if not self.answers else "127.0.0.1"
            self.answers.append(addr)
            answer = struct.pack(">HHHIH", 0xC00C, 1, 1, 0, 4) + socket.inet_aton(addr)
            self.sock.sendto(qid + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0) + question + answer, peer)


class _Counting(BaseHTTPRequestHandler):
    hits: list

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.hits.append(self.path)
        body = b"<html><body>internal service</body></html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_dns_rebinding_never_reaches_loopback(tmp_path):
    hits: list = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Counting,), {"hits": hits}))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    toml = tmp_path / "p.toml"
    toml.write_text("# synthetic portal (tests/test_ssrf.py): a host whose DNS rebinds to 127.0.0.1\n"
                    f"[[portal]]\nname = \"rebind\"\nstart_urls = [\"http://rebind.example:{port}/list.html\"]\n"
                    "allowed_domains = [\"rebind.example\"]\nmax_depth = 0\n"
                    "[portal.politeness]\ndownload_delay = 0\nautothrottle = false\nobey_robots_txt = false\n",
                    encoding="utf-8")
    try:
        with RebindingDNS() as dns:
            proc = run_govcrawl("crawl", "rebind", "--portals", str(toml), "--db", str(tmp_path / "g.db"),
                                "--archive", str(tmp_path / "a"), "--log-level", "WARNING",
                                "-s", f"GOVCRAWL_DNS_SERVERS=127.0.0.1:{dns.port}", "-s", "RETRY_TIMES=0",
                                "-s", "DNS_TIMEOUT=5", check=False, timeout=120)
            answers = list(dns.answers)
    finally:
        srv.shutdown()
        srv.server_close()
    assert hits == [], hits  # nothing reached the loopback server
    assert answers[0] == PUBLIC and "127.0.0.1" in answers[1:], answers  # the rebinding really happened
    rows = list(sqlite_utils.Database(tmp_path / "g.db").query("select url, error from pages"))
    reasons = [r["error"] or "" for r in rows]
    assert any("resolves to loopback address 127.0.0.1 (checked at connection)" in r for r in reasons), rows
    assert all(r.startswith("refused:") for r in reasons), rows  # every request a row with its reason
    assert "Traceback" not in proc.stderr
