"""Misconfigured portals.toml files are rejected with a message naming file and line.

Every registry here is synthetic (written by the test)."""
from __future__ import annotations

import pytest

from conftest import PORTAL_TOML, run_govcrawl

from govcrawl.portals import DEFAULT_PORTALS, PortalConfigError, load_portals

GOOD = '''# synthetic registry
[[portal]]
name = "ok"
start_urls = ["https://www.example.gov.cn/xxgk/"]
allowed_domains = ["www.example.gov.cn"]
'''


def _error(tmp_path, text: str) -> str:
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PortalConfigError) as info:
        load_portals(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}:"), msg
    return msg


def _line(msg: str) -> int:
    return int(msg.split(":", 2)[1])


def test_bundled_registries_load():
    assert load_portals(DEFAULT_PORTALS)
    assert "testportal" in load_portals(PORTAL_TOML)


def test_unknown_key_names_its_line(tmp_path):
    msg = _error(tmp_path, GOOD + 'start_url = "https://www.example.gov.cn/"\n')
    assert _line(msg) == 6 and "unknown key 'start_url'" in msg


def test_unknown_politeness_key_names_its_line(tmp_path):
    msg = _error(tmp_path, GOOD + "[portal.politeness]\ndownload_delay = 1\nconcurency = 4\n")
    assert _line(msg) == 8 and "concurency" in msg


def test_bad_regex_in_multiline_array_names_the_pattern_line(tmp_path):
    text = GOOD + 'nav_path = [\n  "政务公开",\n  "年报(",\n  "\\\\d{4}年?",\n]\n'
    msg = _error(tmp_path, text)
    assert _line(msg) == 8 and "bad regex '年报('" in msg


def test_bad_regex_in_literal_string(tmp_path):
    msg = _error(tmp_path, GOOD + "detail_url_patterns = ['/t\\d{8}_\\d+\\.html$', '/art/[0-9+\\.html']\n")
    assert _line(msg) == 6 and "bad regex" in msg


def test_missing_start_url_names_the_portal(tmp_path):
    msg = _error(tmp_path, GOOD + '\n[[portal]]\nname = "nostart"\nallowed_domains = ["a.gov.cn"]\n')
    assert _line(msg) == 7 and "'nostart' has no start_urls" in msg


def test_empty_start_urls_names_its_line(tmp_path):
    msg = _error(tmp_path, '[[portal]]\nname = "x"\nstart_urls = []\n')
    assert _line(msg) == 3


def test_start_url_not_http(tmp_path):
    msg = _error(tmp_path, '[[portal]]\nname = "x"\nstart_urls = [\n  "https://a.gov.cn/",\n  "ftp://a.gov.cn/x",\n]\n')
    assert _line(msg) == 5 and "not an http(s) URL" in msg


def test_start_url_outside_allowed_domains(tmp_path):
    msg = _error(tmp_path, '[[portal]]\nname = "x"\nstart_urls = ["https://www.b.gov.cn/"]\nallowed_domains = ["www.a.gov.cn"]\n')
    assert _line(msg) == 3 and "outside allowed_domains" in msg


def test_allowed_domain_with_scheme(tmp_path):
    msg = _error(tmp_path, '[[portal]]\nname = "x"\nstart_urls = ["https://www.a.gov.cn/"]\nallowed_domains = ["https://www.a.gov.cn/"]\n')
    assert _line(msg) == 4 and "bare host name" in msg


def test_wrong_type_and_bad_name(tmp_path):
    assert _line(_error(tmp_path, GOOD + "max_depth = \"3\"\n")) == 6
    assert "lowercase" in _error(tmp_path, GOOD.replace('"ok"', '"../Evil"'))


def test_duplicate_names(tmp_path):
    msg = _error(tmp_path, GOOD + GOOD.replace("# synthetic registry\n", ""))
    assert "duplicate portal name 'ok'" in msg and _line(msg) == 7


def test_toml_syntax_error_names_the_line(tmp_path):
    msg = _error(tmp_path, GOOD + 'nav_path = ["a", "b"\nencoding = "gbk"\n')
    assert _line(msg) in (6, 7) and "not valid TOML" in msg


def test_cli_rejects_bad_config_before_crawling(tmp_path):
    path = tmp_path / "portals.toml"
    path.write_text(GOOD + "nav_path = ['(']\n", encoding="utf-8")
    proc = run_govcrawl("crawl", "ok", "--portals", str(path), "--db", str(tmp_path / "g.db"), check=False, timeout=60)
    assert proc.returncode == 2
    assert f"{path}:6:" in proc.stderr and "bad regex" in proc.stderr
    assert not (tmp_path / "g.db").exists()
