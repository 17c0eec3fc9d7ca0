"""Readings of table rows whose cells were flattened without separators.

Some archived text prints a row of cells as one run of digits
("行政规范性文件693665"). A *reading* splits the runs into exactly n numbers
(no leading zeros, as no report prints "07"). A run may have several
readings; the caller keeps one only when the template's identities leave
exactly one (see template.py). White space that is there is always a cell
boundary.
"""
from __future__ import annotations

from itertools import product

MAX_READINGS = 20000  # beyond this a row is "too ambiguous" and gets no value

Number = int | float


def _valid(piece: str) -> bool:
    if not piece or piece.startswith(".") or piece.endswith(".") or piece.count(".") > 1:
        return False
    whole = piece.split(".")[0]
    return whole == "0" or not whole.startswith("0")


def _num(piece: str) -> Number:
    return float(piece) if "." in piece else int(piece)


def _splits(run: str, k: int, memo: dict) -> tuple[tuple[Number, ...], ...]:
    """All ways to cut one run of digits into k valid numbers, as numbers.

    ``memo`` holds the sub-results of this search (suffix, cells left): each suffix is
    cut, and each piece converted, once however many branches reach it.
    """
    key = (run, k)
    hit = memo.get(key)
    if hit is not None:
        return hit
    out: list[tuple[Number, ...]] = []
    if k == 1:
        if _last_ok(run):
            out.append((_num(run),))
    else:
        for i, number in _heads(run):
            if i > len(run) - k + 1:
                break  # the rest could not fill the other cells
            first = (number,)
            for rest in _splits(run[i:], k - 1, memo):
                out.append(first + rest)
                if len(out) > MAX_READINGS:
                    break
            if len(out) > MAX_READINGS:
                break
    memo[key] = result = tuple(out)
    return result


def readings(runs: list[str], n: int) -> list[tuple[Number | None, ...]] | None:
    """All readings of the runs as n cells; None when there are too many to judge.

    A run "-" is an explicit empty cell (no value) and stays one cell.
    """
    plan = _plan(runs, n)
    if plan is None:
        return []
    lens, after = plan  # the cells each run may take at most; those the runs after run i may take
    out: list[tuple[Number | None, ...]] = []
    # Memo of this call only. A module-wide cache (lru_cache of 4,096 runs, each up to
    # MAX_READINGS tuples) kept growing a reparse worker by ~50 MB over 20,000 reports.
    memo: dict = {}

    def rec(i: int, left: int, acc: tuple):
        if len(out) > MAX_READINGS:
            return
        if i == len(runs):
            if left == 0:
                out.append(acc)
            return
        rest_min = len(runs) - i - 1
        rest_max = after[i]
        r = runs[i]
        if r == "-":
            if left - 1 >= rest_min and left - 1 <= rest_max:
                rec(i + 1, left - 1, acc + (None,))
            return
        for k in range(1, min(lens[i], left - rest_min) + 1):
            if left - k > rest_max:
                continue
            for numbers in _splits(r, k, memo):
                rec(i + 1, left - k, acc + numbers)

    rec(0, n, ())
    if len(out) > MAX_READINGS:
        return None
    return out


def _heads(run: str):
    """The first cells ``run`` may be cut into, shortest first: (digits taken, number)."""
    # Digits only (most runs): a head is valid unless it has a leading zero (then only "0" is);
    # _valid says the same, slower (it is called for every head).
    digits = "." not in run
    for i in range(1, len(run) + 1):
        head = run[:i]
        if digits:
            if i > 1 and run[0] == "0":
                return  # longer heads keep the leading zero
        elif not _valid(head):
            if head.startswith("0") and head != "0":
                return
            continue
        yield i, int(head) if digits else _num(head)


def _last_ok(run: str) -> bool:
    """Whether the whole of ``run`` is one valid cell (_splits with k == 1)."""
    return (run[:1] != "0" or run == "0") if "." not in run and run else _valid(run)


def _count_splits(run: str, k: int, memo: dict) -> int:
    """len(_splits(run, k)), without making them (MAX_READINGS + 1 when more)."""
    key = (run, k)
    hit = memo.get(key)
    if hit is not None:
        return hit
    if k == 1:
        count = int(_last_ok(run))
    else:
        count = 0
        for i, _ in _heads(run):
            if i > len(run) - k + 1:
                break
            count += _count_splits(run[i:], k - 1, memo)
            if count > MAX_READINGS:
                break
    memo[key] = count
    return count


def _plan(runs: list[str], n: int):
    """What readings() and its variants share: the cells each run may take, or None when no reading."""
    if not runs or n <= 0:
        return None
    lens = [1 if r == "-" else len(r.replace(".", "")) for r in runs]
    if len(runs) > n or sum(lens) < n:
        return None
    return lens, [sum(lens[i + 1:]) for i in range(len(runs))]


def count_readings(runs: list[str], n: int) -> int:
    """len(readings(runs, n)) without making them; MAX_READINGS + 1 when readings() says too many."""
    plan = _plan(runs, n)
    if plan is None:
        return 0
    lens, after = plan
    memo: dict = {}
    ways: dict = {}

    def count(i: int, left: int) -> int:
        if i == len(runs):
            return int(left == 0)
        key = (i, left)
        if key in ways:
            return ways[key]
        rest_min, rest_max = len(runs) - i - 1, after[i]
        total = 0
        if runs[i] == "-":
            if rest_min <= left - 1 <= rest_max:
                total = count(i + 1, left - 1)
        else:
            for k in range(1, min(lens[i], left - rest_min) + 1):
                if left - k > rest_max:
                    continue
                c = _count_splits(runs[i], k, memo)
                if c:
                    total += c * count(i + 1, left - k)
                if total > MAX_READINGS:
                    total = MAX_READINGS + 1
                    break
        ways[key] = total
        return total

    return count(0, n)


def readings_where(runs: list[str], n: int, size: int, ok) -> list[tuple[Number | None, ...]] | None:
    """The readings of ``readings(runs, n)``, in its order, whose every complete group of ``size``
    cells passes ``ok`` (table 四's blocks, whose 总计 is the sum of the other four). A group that
    fails ends every reading that starts with it at once, instead of each being made and then
    dropped: a 19-digit run read as 15 cells has ~2,000 readings, of which a few pass. None when
    readings() gives None (too many to judge: the count is made without making them)."""
    total = count_readings(runs, n)
    if total > MAX_READINGS:
        return None
    if total == 0:
        return []
    lens, after = _plan(runs, n)
    out: list[tuple[Number | None, ...]] = []

    def passes(acc: tuple) -> bool:
        return len(acc) % size != 0 or ok(acc[-size:])

    def cut(run: str, k: int, acc: tuple, then) -> None:  # _splits(run, k)'s order, pruned
        if k == 1:
            if _last_ok(run):
                acc = acc + (_num(run),)
                if passes(acc):
                    then(acc)
            return
        for i, number in _heads(run):
            if i > len(run) - k + 1:
                break
            nxt = acc + (number,)
            if passes(nxt):
                cut(run[i:], k - 1, nxt, then)

    def rec(i: int, left: int, acc: tuple) -> None:
        if i == len(runs):
            if left == 0:
                out.append(acc)
            return
        rest_min, rest_max = len(runs) - i - 1, after[i]
        if runs[i] == "-":
            if rest_min <= left - 1 <= rest_max and passes(acc + (None,)):
                rec(i + 1, left - 1, acc + (None,))
            return
        for k in range(1, min(lens[i], left - rest_min) + 1):
            if left - k <= rest_max:
                cut(runs[i], k, acc, lambda done, k=k: rec(i + 1, left - k, done))

    rec(0, n, ())
    return out


def choose(candidates: list[list[tuple]], consistent) -> list[tuple | None]:
    """Pick, for each row, the reading left by the identities.

    candidates: per row, its readings. consistent(choice) tells whether a full
    choice (one reading per row) satisfies the cross-row identities. A row gets
    a reading only when every consistent choice agrees on it; rows with a
    single reading keep it whatever the identities say (they are what is printed).
    """
    result: list[tuple | None] = [c[0] if len(c) == 1 else None for c in candidates]
    open_rows = [i for i, c in enumerate(candidates) if len(c) > 1]
    if not open_rows:
        return result
    space = 1
    for i in open_rows:
        space *= len(candidates[i])
    if space > 200000:
        return result
    agreed: dict[int, tuple | None] = {}
    found = 0
    for combo in product(*(candidates[i] for i in open_rows)):
        choice = list(result)
        for i, reading in zip(open_rows, combo):
            choice[i] = reading
        if not consistent(choice):
            continue
        found += 1
        for i, reading in zip(open_rows, combo):
            if i not in agreed:
                agreed[i] = reading
            elif agreed[i] != reading:
                agreed[i] = None
    if found:
        for i in open_rows:
            result[i] = agreed.get(i)
    return result
