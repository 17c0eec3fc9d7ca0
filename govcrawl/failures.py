"""Plain-language reasons for failed fetches, written to ``pages.error``.

Twisted and Scrapy describe failures in their own terms ("Connection was
closed cleanly", "[<twisted.python.failure.Failure ... _DataLoss>]"); a person
reading the DB wants to know what happened to the URL. Each reason starts
with a short stable tag (``timeout:``, ``connection reset:`` …) so failures
can be counted by kind, and keeps the original message after it.
"""
from __future__ import annotations

# (exception class name, tag, explanation); matched on the failure and on any wrapped reasons.
_KINDS = [
    ("TimeoutError", "timeout", "no complete answer within DOWNLOAD_TIMEOUT"),
    ("TCPTimedOutError", "timeout", "TCP connection timed out"),
    ("_DataLoss", "truncated body", "connection closed before the announced Content-Length arrived"),
    ("PotentialDataLoss", "truncated body", "connection closed without a Content-Length or chunk end"),
    ("ConnectionLost", "connection reset", "the server dropped the connection"),
    ("ConnectionDone", "connection reset", "the server closed the connection before answering"),
    ("ConnectionResetError", "connection reset", "the server reset the connection"),
    ("ConnectionRefusedError", "connection refused", "nothing listens at that address"),
    ("DNSLookupError", "DNS lookup failed", "the host name does not resolve"),
    ("CancelledError", "cancelled", "the download was cancelled"),
]


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
    if name == "IgnoreRequest":
        # Our own guards and Scrapy's (robots.txt, max redirections, decompressed size) already say why.
        if "larger than download max size" in message or "exceeded DOWNLOAD_MAXSIZE" in message:
            return f"too large: {message}"[:500]
        return f"refused: {message}"[:500] if "robots" not in message.lower() else f"robots.txt: {message}"[:500]
    if "larger than download max size" in message:
        return f"too large: body exceeds DOWNLOAD_MAXSIZE: {message}"[:500]
    for cls in [name, *(type(v).__name__ for v in _wrapped(value))]:
        for kind, tag, explanation in _KINDS:
            if cls == kind:
                detail = message if message and message != explanation else ""
                return f"{tag}: {explanation}{after}; {name}: {detail}".rstrip("; :")[:500]
    return f"fetch failed{after}: {name}: {message}"[:500]
