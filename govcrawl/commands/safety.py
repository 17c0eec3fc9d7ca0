"""Never destroy user data: folders govcrawl may clear are the ones it marked as its own.

A command that starts from a clean folder (``govcrawl demo --out DIR``, the
benchmark's scratch folders) writes a marker file into a folder it creates. On a
later run it clears that folder only if the marker is there; any other existing
folder (``--out .``, ``--out ~``, a folder with someone's files) is refused.
"""
from __future__ import annotations

import shutil
from pathlib import Path


class UnsafePath(Exception):
    """A folder govcrawl did not create (no marker): it will not write into it."""


def claim_folder(path: str | Path, marker: str, what: str) -> Path:
    """``path`` as a folder this tool owns: created with ``marker`` now, or holding it already."""
    folder = Path(path)
    if not folder.exists():
        folder.mkdir(parents=True)
        (folder / marker).write_text(f"created by {what}; it may empty this folder on its next run\n", encoding="utf-8")
        return folder
    if not folder.is_dir():
        raise UnsafePath(f"{folder} exists and is not a folder; {what} will not overwrite it")
    if not (folder / marker).is_file():
        raise UnsafePath(f"{folder} exists and was not created by {what} (no {marker} file in it); "
                         f"{what} only writes into a new folder or one it created before: give another path")
    return folder


def clear_claimed(path: str | Path, marker: str, what: str) -> Path:
    """Empty a folder ``claim_folder`` handed out (everything but the marker), or create it."""
    folder = claim_folder(path, marker, what)
    for child in folder.iterdir():
        if child.name == marker:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    return folder
