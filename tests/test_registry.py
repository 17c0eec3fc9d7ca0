"""The bundled registry (govcrawl/portals.toml) loads, validates and covers every province.

Never fetched: these are real government sites; only their configuration is checked.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from govcrawl.portals import DEFAULT_PORTALS, load_portals


def test_whole_registry_loads_and_validates():
    portals = load_portals()
    provinces = [p for p in portals.values() if p.description.startswith("province:")]
    prefectures = [p for p in portals.values() if p.description.startswith("prefecture:")]
    assert len(provinces) == 31  # 22 provinces, 5 autonomous regions, 4 municipalities
    assert len({re.sub(r"[,:].*", "", p.description[len("province: "):]) for p in provinces}) == 31
    assert len(prefectures) >= 30
    hosts = [urlsplit(p.start_urls[0]).hostname for p in portals.values()]
    assert len(hosts) == len(set(hosts)), "two entries for one site"
    for p in portals.values():
        assert all(u.startswith(("http://", "https://")) for u in p.start_urls)
        assert all(h.endswith(".gov.cn") for h in p.allowed_domains), p.name
        assert not p.allow_private


def test_every_entry_says_where_it_was_seen():
    lines = DEFAULT_PORTALS.read_text(encoding="utf-8").splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.strip() == "[[portal]]"]
    for i in starts[5:]:  # the registry entries after the five original examples
        j = i
        while lines[j - 1].startswith("# "):
            j -= 1
        comment = " ".join(lines[j:i])  # the comment block right above the entry
        assert comment.startswith("# ") and ("seen" in comment or "stored" in comment), lines[i + 1]
        assert "inferred" not in comment and "not seen itself" not in comment, lines[i + 1]  # no invented hosts
