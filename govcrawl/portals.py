"""The portal registry: which government sites to crawl and how to navigate them.

A TOML file (default: govcrawl/portals.toml) holds one ``[[portal]]`` table
per site. Portals are configuration, never code: the one generic spider reads
them. Loading validates every entry and names the offending line, so a typo
fails at start-up instead of silently crawling the wrong thing.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

# Package data through importlib.resources (a Traversable): also read from a zipped egg (Scrapyd).
DEFAULT_PORTALS = resources.files(__package__).joinpath("portals.toml")

# Link text / URL fragments that mark a 年报 column when a portal has no nav path.
DEFAULT_DISCOVERY = [r"年报", r"年度报告", r"zfxxgknb", r"ndbg", r"xxgknb", r"gknb"]
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_REVISIT = {"conditional", "skip", "always"}
_POLITENESS_KEYS = {
    "download_delay": (int, float),
    "concurrent_requests_per_domain": int,
    "autothrottle": bool,
    "obey_robots_txt": bool,
}
_KEYS = {
    "name": str,
    "start_urls": list,
    "allowed_domains": list,
    "nav_path": list,
    "list_url_patterns": list,
    "detail_url_patterns": list,
    "discovery_patterns": list,
    "encoding": str,
    "max_depth": int,
    "discovery_budget": int,
    "revisit": str,
    "allow_private": bool,
    "politeness": dict,
    "budget": dict,
    "allowed_ports": list,
    "description": str,
}


class PortalConfigError(ValueError):
    """A portals.toml that cannot be used; the message names file and line."""


@dataclass
class Portal:
    name: str
    start_urls: list[str]
    allowed_domains: list[str]
    nav_path: list[str] = field(default_factory=list)
    list_url_patterns: list[str] = field(default_factory=list)
    detail_url_patterns: list[str] = field(default_factory=list)
    discovery_patterns: list[str] = field(default_factory=lambda: list(DEFAULT_DISCOVERY))
    encoding: str | None = None
    max_depth: int = 4  # discovery depth when there is no nav path
    discovery_budget: int | None = None  # section pages fetched looking for the column (default: discovery.toml)
    revisit: str = "conditional"  # report pages already stored: conditional GET, skip, or always refetch
    allow_private: bool = False  # loopback/private addresses only when a portal opts in (the test portal)
    politeness: dict = field(default_factory=dict)
    allowed_ports: list = field(default_factory=list)  # ports beyond 80/443 and the start URLs' (govcrawl/crawl/guard.py)
    budget: dict = field(default_factory=dict)  # crawl budget overrides (govcrawl/crawl/budget.toml names them)
    description: str = ""

    def nav_regexes(self) -> list[re.Pattern]:
        return [re.compile(p) for p in self.nav_path]


def host_in_domains(host: str | None, domains) -> bool:
    """The registry's domain rule, the one used everywhere (scope, start URLs, private-address
    opt-in, official hosts): the host is a listed domain or a subdomain of one. (Scrapy's
    url_is_from_any_domain compares the netloc, port included, so loopback portals would fail it.)"""
    host = (host or "").lower()
    return bool(host) and any(host == d or host.endswith("." + d) for d in (d.lower() for d in domains))


def _line_of(lines: list[str], portal_index: int, key: str | None) -> int:
    """1-based line of ``key`` inside the portal_index-th [[portal]] table (best effort)."""
    seen = -1
    start = 0
    for i, line in enumerate(lines):
        if line.strip().startswith("[[portal]]"):
            seen += 1
            if seen == portal_index:
                start = i
                if key is None:
                    return i + 1
            elif seen > portal_index:
                break
        elif seen == portal_index and key and re.match(rf"\s*{re.escape(key)}\s*=", line):
            return i + 1
    return start + 1


def _line_of_value(lines: list[str], portal_index: int, key: str, value: str) -> int:
    """1-based line holding ``value`` (as a TOML string) at or after ``key``'s line: arrays span lines."""
    start = _line_of(lines, portal_index, key) - 1
    # The forms the string can take in TOML: 'literal', "basic" (backslashes and quotes escaped).
    forms = [f"'{value}'", '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"']
    for i in range(start, len(lines)):
        if i > start and lines[i].lstrip().startswith("["):
            break
        if any(f in lines[i] for f in forms):
            return i + 1
    return start + 1


def _problem(path: Path, lines: list[str], idx: int, key: str | None, msg: str, value: str | None = None) -> PortalConfigError:
    line = _line_of_value(lines, idx, key, value) if key and isinstance(value, str) else _line_of(lines, idx, key)
    return PortalConfigError(f"{path}:{line}: portal #{idx + 1}: {msg}")


def _validate(raw: dict, idx: int, path: Path, lines: list[str]) -> Portal:
    for key, value in raw.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise _problem(path, lines, idx, key, f"unknown key {key!r} (known keys: {known})")
        if not isinstance(value, _KEYS[key]):
            raise _problem(path, lines, idx, key, f"{key} must be {_KEYS[key].__name__}, not {type(value).__name__}")
    name = raw.get("name")
    if not name:
        raise _problem(path, lines, idx, None, "missing name")
    if not _NAME_RE.match(name):
        raise _problem(path, lines, idx, "name", f"name {name!r} must be lowercase letters, digits, - or _ (it names archive folders)")
    starts = raw.get("start_urls") or []
    if not starts:
        raise _problem(path, lines, idx, "start_urls" if "start_urls" in raw else None, f"portal {name!r} has no start_urls")
    for u in starts:
        parts = urlsplit(u) if isinstance(u, str) else None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            raise _problem(path, lines, idx, "start_urls", f"start URL {u!r} is not an http(s) URL", u)
    domains = raw.get("allowed_domains") or sorted({urlsplit(u).hostname for u in starts})
    for d in domains:
        if not isinstance(d, str) or not _HOST_RE.match(d):
            raise _problem(path, lines, idx, "allowed_domains",
                           f"allowed_domains entry {d!r} must be a bare host name (no scheme, port or path)", d)
    for u in starts:
        host = urlsplit(u).hostname
        if not host_in_domains(host, domains):
            raise _problem(path, lines, idx, "start_urls", f"start URL {u!r} is outside allowed_domains {domains}", u)
    for key in ("nav_path", "list_url_patterns", "detail_url_patterns", "discovery_patterns"):
        for pat in raw.get(key, []):
            try:
                re.compile(pat)
            except (re.error, TypeError) as exc:
                raise _problem(path, lines, idx, key, f"bad regex {pat!r} in {key}: {exc}", pat) from None
    revisit = raw.get("revisit", "conditional")
    if revisit not in _REVISIT:
        raise _problem(path, lines, idx, "revisit", f"revisit must be one of {sorted(_REVISIT)}")
    for key, value in raw.get("politeness", {}).items():
        want = _POLITENESS_KEYS.get(key)
        if want is None:
            raise _problem(path, lines, idx, key, f"unknown politeness key {key!r} (known: {', '.join(sorted(_POLITENESS_KEYS))})")
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise _problem(path, lines, idx, key, f"politeness.{key} has the wrong type")
    if raw.get("budget"):
        from .crawl.budget import Limits

        try:
            Limits.load(raw["budget"])
        except (ValueError, TypeError) as exc:
            raise _problem(path, lines, idx, "budget", f"[portal.budget]: {exc}") from None
    kwargs = {k: v for k, v in raw.items() if k in _KEYS}
    kwargs["allowed_domains"] = domains
    return Portal(**kwargs)


def load_portals(path: str | Path | None = None) -> dict[str, Portal]:
    """Load and validate a registry; raises PortalConfigError naming the line."""
    path = Path(path) if path else DEFAULT_PORTALS
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PortalConfigError(f"{path}: cannot read portal registry: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        raise PortalConfigError(f"{path}:{m.group(1) if m else '?'}: not valid TOML: {exc}") from None
    lines = text.splitlines()
    extra = set(data) - {"portal"}
    if extra:
        raise PortalConfigError(f"{path}: unknown top-level key(s) {sorted(extra)}; portals are [[portal]] tables")
    portals: dict[str, Portal] = {}
    for idx, raw in enumerate(data.get("portal", [])):
        p = _validate(raw, idx, path, lines)
        if p.name in portals:
            raise _problem(path, lines, idx, "name", f"duplicate portal name {p.name!r}")
        portals[p.name] = p
    return portals


def get_portal(name: str, path: str | Path | None = None) -> Portal:
    portals = load_portals(path)
    try:
        return portals[name]
    except KeyError:
        raise PortalConfigError(f"no portal named {name!r} in {path or DEFAULT_PORTALS} (have: {', '.join(sorted(portals))})") from None
