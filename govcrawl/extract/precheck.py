"""Cheap pre-checks for the registry's regular expressions.

Most sentences and rows mention none of a pattern's words, yet a regex search
still walks the whole string (patterns that open with a look-behind or an
alternation get no literal prefix scan). ``required_chars`` reads a pattern's
syntax tree and returns characters that EVERY match must contain; when one of
them is absent from the string, the search cannot succeed and is skipped.
``guarded`` wraps a pattern so its ``search``/``sub`` run that check first
(chrome rules applied to every line). A pre-check never changes a result: it
only answers "certainly no match".
"""
from __future__ import annotations

import re

try:  # the stdlib's own regex parser (private; any surprise -> no pre-check)
    from re import _constants as _C
    from re import _parser as _P
except ImportError:  # pragma: no cover
    _C = _P = None


def _required(items) -> frozenset[str]:
    """Characters present in every match of a parsed (sub)pattern sequence."""
    out: set[str] = set()
    for op, av in items:
        if op is _C.LITERAL:
            out.add(chr(av))
        elif op is _C.SUBPATTERN:
            out |= _required(av[-1])
        elif op is _C.ATOMIC_GROUP:
            out |= _required(av)
        elif op is _C.BRANCH:
            alts = [_required(alt) for alt in av[1]]
            out |= frozenset.intersection(*alts) if alts else frozenset()
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            lo, _hi, sub = av
            if lo >= 1:
                out |= _required(sub)
        # anything else (classes, anchors, look-arounds, back-references) adds nothing
    return frozenset(out)


def required_chars(pattern: str | re.Pattern) -> frozenset[str]:
    """Characters every match of ``pattern`` contains (empty: no usable pre-check)."""
    if not isinstance(pattern, re.Pattern):
        try:
            pattern = re.compile(pattern)  # so inline flags such as (?i) are seen below
        except re.error:
            return frozenset()
    flags, pattern = pattern.flags, pattern.pattern
    if _P is None or not isinstance(pattern, str) or flags & re.IGNORECASE:
        return frozenset()
    try:
        return _required(_P.parse(pattern, flags).data)
    except Exception:  # an unknown construct: no pre-check rather than a wrong one
        return frozenset()


def may_match(required: frozenset[str], s: str) -> bool:
    """False only when ``s`` lacks a character every match needs."""
    for ch in required:
        if ch not in s:
            return False
    return True


def _alternatives(items) -> tuple[frozenset[str], ...] | None:
    """For a pattern that is one alternation at its top: each alternative's required
    characters (a match needs all of ONE of them); None when an alternative needs none."""
    # Items of the top-level sequence are all matched, so a mandatory alternation
    # is one of them, or a group holding nothing but it.
    for op, av in items:
        if op is _C.SUBPATTERN and len(av[-1]) == 1:
            op, av = av[-1][0]
        if op is _C.BRANCH:
            alts = tuple(_required(alt) for alt in av[1])
            if alts and all(alts):
                return alts
    return None


class Guarded:
    """A compiled regex whose ``search``/``sub`` first make sure a match is possible.

    Needed: the characters every match contains, and for a pattern built around
    one alternation ("\\s*(?:附件下载|扫一扫…|打印本页)\\s*$"), the characters of at
    least one alternative. Results are those of the plain regex.
    """

    def __init__(self, pattern: str, flags: int = 0):
        self.rx = re.compile(pattern, flags)
        self.pattern = self.rx.pattern
        self.required: frozenset[str] = frozenset()
        self.alternatives = None
        if _P is None or self.rx.flags & re.IGNORECASE:
            return
        try:
            items = _P.parse(self.pattern, self.rx.flags).data
            if items and items[0] == (_C.AT, _C.AT_BEGINNING) and not self.rx.flags & re.MULTILINE:
                return  # "^…": the regex engine tries one position only, faster than any pre-check
            self.required = _required(items)
            self.alternatives = _alternatives(items)
        except Exception:  # no pre-check rather than a wrong one
            self.required, self.alternatives = frozenset(), None

    def possible(self, s: str) -> bool:
        if not may_match(self.required, s):
            return False
        if self.alternatives is not None:
            return any(may_match(alt, s) for alt in self.alternatives)
        return True

    def search(self, s: str, *args):
        return self.rx.search(s, *args) if self.possible(s) else None

    def match(self, s: str, *args):
        return self.rx.match(s, *args) if self.possible(s) else None

    def sub(self, repl, s: str, count: int = 0) -> str:
        return self.rx.sub(repl, s, count) if self.possible(s) else s


def guarded(pattern: str, flags: int = 0):
    """A ``Guarded`` regex when it has a pre-check, else the plain compiled one (no wrapper cost)."""
    g = Guarded(pattern, flags)
    return g if g.required or g.alternatives is not None else g.rx
