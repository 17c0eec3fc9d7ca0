"""Plain-language reasons for failed fetches, written to ``pages.error``.

Twisted and Scrapy describe failures in their own terms ("Connection was
closed cleanly", "[<twisted.python.failure.Failure ... _DataLoss>]"); a person
reading the DB wants to know what happened to the URL. Each reason starts
with a short stable tag (``timeout:``, ``connection reset:`` …) so failures
can be counted by kind, and keeps the original message after it.
"""
from __future__ import annotations

import logging

# (exception class name, tag, explanation); matched on the failure and on any wrapped reasons.
_KINDS = [
    ("DownloadTimeoutError", "timeout", "no complete answer within DOWNLOAD_TIMEOUT"),
    ("TimeoutError", "timeout", "no complete answer within DOWNLOAD_TIMEOUT"),
    ("ResponseDataLossError", "truncated body", "connection closed before the announced Content-Length arrived"),
    ("TCPTimedOutError", "timeout", "TCP connection timed out"),
    ("_DataLoss", "truncated body", "connection closed before the announced Content-Length arrived"),
    ("PotentialDataLoss", "truncated body", "connection closed without a Content-Length or chunk end"),
    ("ConnectionLost", "connection reset", "the server dropped the connection"),
    ("ConnectionDone", "connection reset", "the server closed the connection before answering"),
    ("ConnectionResetError", "connection reset", "the server reset the connection"),
    ("ConnectionRefusedError", "connection refused", "nothing listens at that address"),
    # Scrapy >= 2.14 wraps Twisted's errors in its own: CannotResolveHostError is DNSLookupError.
    ("CannotResolveHostError", "DNS lookup failed", "the host name does not resolve"),
    ("DNSLookupError", "DNS lookup failed", "the host name does not resolve"),
    ("DownloadConnectionRefusedError", "connection refused", "nothing listens at that address"),
    ("DownloadCancelledError", "cancelled", "the download was cancelled"),
    ("CancelledError", "cancelled", "the download was cancelled"),
]


def tag_for(exception_name: str) -> str | None:
    """The reason tag for an exception class name (``CannotResolveHostError`` -> ``DNS lookup failed``)."""
    return next((tag for kind, tag, _ in _KINDS if kind == exception_name), None)


def _wrapped(value) -> list:
    # twisted.web._newclient.ResponseFailed / RequestGenerationFailed carry a list of Failures.
    inner = getattr(value, "reasons", None) or []
    return [getattr(f, "value", f) for f in inner]


def describe_failure(failure, request=None) -> str:
    """One line: what went wrong, in words, with the original message kept."""
    value = failure.value
    message = str(value) or failure.getErrorMessage() or ""
    name = type(value).__name__
    retries = (request.meta.get("retry_times") if request is not None else None) or 0
    after = f" (after {retries} retr{'y' if retries == 1 else 'ies'})" if retries else ""
    if request is not None and ("DNSLookupError" in name or "no results for hostname lookup" in message):
        from urllib.parse import urlsplit

        from .ssrf import refusal_for

        why = refusal_for(urlsplit(request.url).hostname)
        if why:  # every address of the host refused at connection time (govcrawl/crawl/ssrf.py)
            return f"refused: {why}"[:500]
    if name == "IgnoreRequest":
        # Our own guards and Scrapy's (robots.txt, max redirections, decompressed size) already say why.
        if "larger than download max size" in message or "exceeded DOWNLOAD_MAXSIZE" in message:
            return f"too large: {message}"[:500]
        if "robots" in message.lower():
            return f"robots.txt: {message}"[:500]
        if message.startswith("truncated body"):
            return message[:500]
        return f"refused: {message}"[:500]
    if "larger than download max size" in message:
        return f"too large: body exceeds DOWNLOAD_MAXSIZE: {message}"[:500]
    # Scrapy wraps Twisted's errors (DownloadFailedError: [<Failure ... ConnectionLost ...>]):
    # look at the wrapper, the wrapped failures, and the names in the message.
    names = [name, *(type(v).__name__ for v in _wrapped(value))]
    for kind, tag, explanation in _KINDS:
        for cls in names:
            if cls == kind or f".{kind}:" in message or f".{kind}>" in message:
                detail = message if message and message != explanation else ""
                return f"{tag}: {explanation}{after}; {name}: {detail}".rstrip("; :")[:500]
    return f"fetch failed{after}: {name}: {message}"[:500]


class _RobotsErrorAsWarning(logging.Filter):
    """robots.txt that errors or times out is an expected fault: one warning line, no traceback.

    The host is then off limits for the run (RFC 9309, govcrawl/crawl/robots.py); the
    failure is counted in the run (``robotstxt/exception_count/...``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.exc_info:
            exc = record.exc_info[1]
            record.msg = "robots.txt unreachable (%s: %s): the host is disallowed for this run (RFC 9309)"
            record.args = (type(exc).__name__, exc)
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class FailureLogging:
    """Extension: installs the robots.txt log filter for the crawl."""

    _filter = _RobotsErrorAsWarning()

    @classmethod
    def from_crawler(cls, crawler):
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(cls._filter)
        return cls()
