"""Regenerate govcrawl/extract/t2s_changes.txt: every Han character OpenCC's t2s could change.

``normalize.traditional_share`` runs t2s over a document's Han characters to count what it
changes; nearly every page is Simplified and comes back unchanged. A text holding none of
these characters is unchanged by t2s, so the conversion is skipped for it. The list is read
from t2s's own dictionaries (dumped with the ``opencc_dict`` tool shipped in the opencc
wheel): for each entry whose key is not its value, the key's characters that differ from the
value at the same place (a phrase of another length: all its characters), taking an entry's
first value as OpenCC does. Any dictionary match that changes the text then contains one of
them. Only U+4E00-U+9FFF, the characters ``traditional_share`` samples (a character class
of only BMP characters is a bitmap for ``re``: astral ones make it a list scanned per
character, 20x slower). tests/extract/test_normalize.py checks the file against the
installed OpenCC.

    .venv/bin/python bench/t2s_changes.py > govcrawl/extract/t2s_changes.txt
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import opencc

SHARE = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
OPENCC_DICT = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
PER_LINE = 64
HAN = ("\u4e00", "\u9fff")  # the characters traditional_share samples


def _dict_files(node) -> list[str]:
    """The ocd2 files a config names, in any nesting (group dicts)."""
    if isinstance(node, dict):
        own = [node["file"]] if node.get("type") == "ocd2" else []
        return own + [f for v in node.values() for f in _dict_files(v)]
    if isinstance(node, list):
        return [f for v in node for f in _dict_files(v)]
    return []


def _entries(config: str):
    """(key, first value) of every entry of the ``config`` conversion's dictionaries."""
    spec = json.loads((SHARE / f"{config}.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        for name in _dict_files(spec):
            txt = Path(tmp) / (name + ".txt")
            subprocess.run([str(OPENCC_DICT), "-i", str(SHARE / name), "-o", str(txt), "-f", "ocd2", "-t", "text"],
                           check=True, capture_output=True)
            for line in txt.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                yield key, values.split(" ")[0]  # OpenCC writes an entry's first value


def _han(s: str) -> bool:
    return all(HAN[0] <= c <= HAN[1] for c in s)


def t2s_changes(config: str = "t2s") -> tuple[str, list[str]]:
    """The Han characters the conversion changes on their own, and the phrases it changes
    although none of the characters it changes in them is one of those."""
    entries = [(k, v) for k, v in _entries(config) if k != v and _han(k)]  # the sample holds only U+4E00-U+9FFF
    chars = {k for k, _ in entries if len(k) == 1}
    phrases = set()
    for k, v in entries:
        changed = [a for a, b in zip(k, v) if a != b] if len(k) == len(v) else list(k)
        if len(k) > 1 and not chars.intersection(changed):
            phrases.add(k)
    return "".join(sorted(chars)), sorted(phrases)


def render(chars: str, phrases: list[str]) -> str:
    lines = [chars[i : i + PER_LINE] for i in range(0, len(chars), PER_LINE)]
    return (f"# OpenCC {opencc.__version__} t2s: what it changes in U+4E00-U+9FFF. bench/t2s_changes.py writes this file.\n"
            f"## characters ({len(chars)})\n" + "\n".join(lines) + "\n"
            f"## phrases ({len(phrases)})\n" + "".join(p + "\n" for p in phrases))


if __name__ == "__main__":
    sys.stdout.write(render(*t2s_changes()))
