"""Retry-After values (RFC 9110 §10.2.3): seconds or an HTTP date, capped. The crawl's use of it
against a real server is tested in test_faults.py::test_retry_after_honoured_and_capped."""
from __future__ import annotations

from email.utils import formatdate

from govcrawl.crawl.retryafter import retry_after_seconds


def test_seconds_dates_cap_and_garbage():
    now = 1_800_000_000.0
    assert retry_after_seconds(b"7", 120, now) == 7
    assert retry_after_seconds(b"3600", 120, now) == 120  # capped
    assert retry_after_seconds(formatdate(now + 30, usegmt=True), 120, now) == 30
    assert retry_after_seconds(formatdate(now - 30, usegmt=True), 120, now) == 0  # a date gone by: at once
    for junk in (None, b"", b"soon", b"-5", b"1.5e9", "Mon, 99 Foo 2020"):
        assert retry_after_seconds(junk, 120, now) is None, junk
