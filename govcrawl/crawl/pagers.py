"""List pages announced only by an inline script (TRS WCM and kin), as pure functions.

The raw HTML of many TRS list pages has no pager anchors: a script holds the
page count (``var countPage = 8``) and writes the pager in the browser, or calls
``createPageHTML(8, 0, "index", "htm")``. This module reads the count and the
page-URL scheme and returns every other list page's URL. Variable names, pager
functions and URL schemes are data in pagers.toml.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from w3lib.url import add_or_replace_parameter

RULES_FILE = resources.files(__package__).joinpath("pagers.toml")  # package data, zip-safe
MAX_LIST_PAGES = 500  # a pager claiming more is broken or hostile
_CONCAT = re.compile(r"""["']\s*\+\s*["']""")  # "index" + "_"  ->  index_
_STRING = re.compile(r"""^\s*(?:'([^']*)'|"([^"]*)")\s*$""")


@dataclass(frozen=True)
class Pager:
    count: int  # number of list pages
    current: int | None  # page number shown by this page, in the scheme's numbering
    scheme: str  # which scheme (pagers.toml) built the URLs
    urls: tuple[str, ...]  # the other pages' URLs


@lru_cache(maxsize=1)
def rules() -> dict:
    with RULES_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    for scheme in data["scheme"]:
        scheme["regex"] = re.compile(scheme["pattern"])
    return data


def _scripts(html: str) -> list[str]:
    sel = Selector(text=html or "<html></html>")
    return [s for s in sel.xpath("//script[not(@src)]/text()").getall() if s.strip()]


def _assigned(scripts: list[str], names: list[str]) -> tuple[str, int] | None:
    """The first variable of ``names`` given a number (``var countPage = 8//…``, ``countnum='8';``)."""
    for name in names:
        rx = re.compile(rf"(?<![\w$.]){re.escape(name)}\s*=\s*(?:parseInt\(\s*)?[\"']?(\d+)")
        for script in scripts:
            m = rx.search(script)
            if m:
                return name, int(m.group(1))
    return None


def _split_args(arglist: str) -> list[str]:
    out, depth, quote, cur = [], 0, None, ""
    for ch in arglist:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _variables(scripts: list[str]) -> dict[str, int]:
    values = {}
    for script in scripts:
        for m in re.finditer(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*=\s*[\"']?(\d+)[\"']?\s*(?:;|//|\n|$)", script):
            values.setdefault(m.group(1), int(m.group(2)))
    return values


def _function_pager(scripts: list[str], cfg: dict) -> tuple[int, int | None, str | None, str | None] | None:
    """createPageHTML(...) and kin: (count, current, name, ext) from the arguments."""
    names = "|".join(re.escape(f) for f in cfg["pager_functions"])
    call = re.compile(rf"(?<![\w$.])(?:{names})\s*\(([^()]*)\)")
    exts = set(cfg["extensions"])
    variables = _variables(scripts)
    for script in scripts:
        for m in call.finditer(script):
            ints, strings = [], []
            for arg in _split_args(m.group(1)):
                s = _STRING.match(arg)
                if s:
                    text = s.group(1) if s.group(1) is not None else s.group(2)
                    if text.isdigit():
                        ints.append(int(text))
                    else:
                        strings.append(text)
                elif arg.isdigit():
                    ints.append(int(arg))
                elif arg in variables:
                    ints.append(variables[arg])
            if not ints:
                continue
            name = ext = None
            for i, text in enumerate(strings):
                if text.lower() in exts and i > 0:
                    name, ext = strings[i - 1], text
                    break
            return ints[0], ints[1] if len(ints) > 1 else None, name, ext
    return None


def _url_parts(url: str) -> tuple[str, str]:
    """File stem and extension of a list URL (``/a/`` → index, html; ``/a/index_2.htm`` → index, htm)."""
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    if "." not in last:
        return "index", "html"
    stem, ext = last.rsplit(".", 1)
    return re.sub(r"_\d+$", "", stem) or "index", ext


def find_pager(html: str, url: str) -> Pager | None:
    """The inline-script pager of a list page, or None.

    Only the first page expands the pager (every page's script names all pages;
    the first page is where the crawl arrives), so each list page is requested once.
    """
    cfg = rules()
    scripts = _scripts(html)
    if not scripts:
        return None
    stem, url_ext = _url_parts(url)
    fields = {"name": stem, "ext": url_ext, "param": "page"}
    called = _function_pager(scripts, cfg)
    if called:
        count, current, name, ext = called
        scheme = {**cfg["default"], "name": "pager function"}
        fields.update({k: v for k, v in (("name", name), ("ext", ext)) if v})
    else:
        found = _assigned(scripts, cfg["count_vars"])
        if not found:
            return None
        count = found[1]
        cur = _assigned(scripts, cfg["current_vars"])
        current = cur[1] if cur else None
        with_count = [s for s in scripts if re.search(rf"(?<![\w$.]){re.escape(found[0])}\b", s)]
        scheme = {**cfg["default"], "name": "default"}
        for candidate in cfg["scheme"]:
            m = next((m for m in (candidate["regex"].search(_CONCAT.sub("", s)) for s in with_count + scripts) if m), None)
            if m:
                scheme = candidate
                fields.update({k: v for k, v in m.groupdict().items() if v})
                break
    count = min(count, MAX_LIST_PAGES)
    base = scheme["base"]
    if count <= 1 or (current is not None and current != base):
        return Pager(count, current, scheme["name"], ())
    urls = [_page_url(url, scheme["page"], fields, n) for n in range(base + 1, base + count)]
    return Pager(count, current, scheme["name"], tuple(dict.fromkeys(urls)))


def _page_url(url: str, template: str, fields: dict, n: int) -> str:
    if template.startswith("?"):
        return add_or_replace_parameter(url, fields["param"], str(n))
    return urljoin(url, template.format(n=n, **fields))


def script_pages(html: str, url: str) -> list[str]:
    """Every list page a page's pager script announces (other than the page itself)."""
    pager = find_pager(html, url)
    return [u for u in pager.urls if u != url] if pager else []
