"""Cheap pre-checks for the registry's regular expressions.

Most sentences and rows mention none of a pattern's words, yet a regex search
still walks the whole string (patterns that open with a look-behind or an
alternation get no literal prefix scan). ``required_chars`` reads a pattern's
syntax tree and returns characters that EVERY match must contain; when one of
them is absent from the string, the search cannot succeed and is skipped.
The pre-check never changes a result: it only answers "certainly no match".
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
    if isinstance(pattern, re.Pattern):
        flags, pattern = pattern.flags, pattern.pattern
    else:
        flags = 0
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
