"""Addresses checked where the connection is made (server-side request forgery).

``GuardedResolver`` is Scrapy's DNS resolver (setting TWISTED_DNS_RESOLVER): every connection the
crawl makes asks it for the addresses of its host, and it hands on only public ones. So
the addresses checked are the addresses connected to — a DNS server that answers a public
address to a first lookup and 127.0.0.1 to the next (rebinding) gains nothing, and there is
no cache between check and connection to go stale. A host whose every address is refused
fails to connect ("no results for hostname lookup"); the spider records the refusal with
the reason kept here (``refusal_for``), so it is a ``pages`` row like any other.

Hosts of portals with ``allow_private = true`` (the local test portals) are let through
(``allow_private_hosts``). ``GOVCRAWL_DNS_SERVERS`` ("host:port,…") sends lookups to those
DNS servers instead of the system's (twisted.names) — also how the rebinding test points
the crawl at its own DNS server on 127.0.0.1.
"""
from __future__ import annotations

import ipaddress
import logging

from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer, provider

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Never public, whatever ipaddress' tables say in this Python version (RFC 6890 and successors).
_V4_BLOCKED = [(ipaddress.ip_network(n), why) for n, why in (
    ("0.0.0.0/8", "this-network"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "CGNAT shared"),
    ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignment"), ("192.0.2.0/24", "documentation"), ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"), ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"), ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"))]
_V6_BLOCKED = [(ipaddress.ip_network(n), why) for n, why in (
    ("::/128", "unspecified"), ("::1/128", "loopback"), ("::/96", "IPv4-compatible (deprecated)"),
    ("64:ff9b:1::/48", "local-use NAT64"), ("100::/64", "discard-only"), ("2001:2::/48", "benchmarking"),
    ("2001:10::/28", "ORCHID"), ("2001:20::/28", "ORCHIDv2"), ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"), ("5f00::/16", "SRv6 SIDs"), ("fc00::/7", "unique-local (ULA)"),
    ("fe80::/10", "link-local"), ("fec0::/10", "site-local (deprecated)"), ("ff00::/8", "multicast"))]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TEREDO = ipaddress.ip_network("2001::/32")


def address_refusal(address: str | IPAddress) -> str | None:
    """Why ``address`` is not a public internet address (None if it is)."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = None
        if ip.ipv4_mapped:
            embedded, how = ip.ipv4_mapped, "IPv4-mapped"
        elif ip in _NAT64:
            embedded, how = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64"
        elif ip.sixtofour:
            embedded, how = ip.sixtofour, "6to4"
        elif ip in _TEREDO:
            server, client = ip.teredo
            for v4 in (client, server):
                why = address_refusal(v4)
                if why:
                    return f"Teredo address {ip} embeds {why}"
            return None
        if embedded is not None:
            why = address_refusal(embedded)
            return f"{how} address {ip} embeds {why}" if why else None
        for net, why in _V6_BLOCKED:
            if ip in net:
                return f"{why} address {ip}"
    else:
        for net, why in _V4_BLOCKED:
            if ip in net:
                return f"{why} address {ip}"
    if not ip.is_global:
        return f"non-public address {ip}"
    return None


_private_ok: set[str] = set()  # host names whose portal allows private addresses (test portals)
_refusals: dict[str, str] = {}  # host -> why its addresses were refused at connection time


def allow_private_hosts(hosts) -> None:
    _private_ok.update(h.lower().strip("[]") for h in hosts)


def _private_allowed(host: str) -> bool:
    from ..portals import host_in_domains

    return host_in_domains(host.strip("[]"), _private_ok)


def refusal_for(host: str | None) -> str | None:
    return _refusals.get((host or "").lower().strip("[]"))


@provider(IResolutionReceiver)
class _Filter:
    """Passes on only the addresses that may be connected to."""

    def __init__(self, receiver, host: str, stats=None):
        self.receiver, self.host, self.stats = receiver, host, stats
        self.refused: list[str] = []
        self.passed = 0

    def resolutionBegan(self, resolution):
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address):
        why = None if _private_allowed(self.host) else address_refusal(address.host)
        if why:
            self.refused.append(why)
            if self.stats is not None:
                self.stats.inc_value("govcrawl/ssrf_refused_addresses")
            return
        self.passed += 1
        self.receiver.addressResolved(address)

    def resolutionComplete(self):
        if self.refused and not self.passed:
            _refusals[self.host.lower()] = f"{self.host} resolves to {'; '.join(dict.fromkeys(self.refused))} (checked at connection)"
            log.warning("not connecting to %s: %s", self.host, _refusals[self.host.lower()])
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class GuardedResolver:
    def __init__(self, reactor, servers: list[tuple[str, int]] | None = None, stats=None, timeout: float = 60.0):
        self.reactor = reactor
        if servers:
            from twisted.internet._resolver import SimpleResolverComplexifier
            from twisted.names import client

            self.inner = SimpleResolverComplexifier(client.Resolver(servers=servers, reactor=reactor))
        else:
            self.inner = reactor.nameResolver
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler, reactor):
        servers = []
        for part in (crawler.settings.get("GOVCRAWL_DNS_SERVERS") or "").split(","):
            if part.strip():
                host, _, port = part.strip().rpartition(":")
                servers.append((host.strip("[]"), int(port)))
        # Built once per process (CrawlerProcess, not a Crawler): no stats object to count in.
        return cls(reactor, servers, getattr(crawler, "stats", None), crawler.settings.getfloat("DNS_TIMEOUT"))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None, transportSemantics="TCP"):
        return self.inner.resolveHostName(_Filter(resolutionReceiver, hostName, self.stats), hostName, portNumber,
                                          addressTypes, transportSemantics)

    def lookup(self, host: str):
        """A Deferred list of every address ``host`` resolves to, unfiltered (the scope guard's early check)."""
        from twisted.internet import defer

        d: defer.Deferred = defer.Deferred()
        found: list[str] = []

        @provider(IResolutionReceiver)
        class _Collect:
            @staticmethod
            def resolutionBegan(resolution):
                pass

            @staticmethod
            def addressResolved(address):
                found.append(address.host)

            @staticmethod
            def resolutionComplete():
                d.callback(found)

        self.inner.resolveHostName(_Collect, host, 0)
        return d
