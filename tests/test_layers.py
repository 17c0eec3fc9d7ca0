"""The layering rules ARCHITECTURE.md states, checked on the source: SQL and DB connections only under
govcrawl/store/; one write path (Store.record_document) for the crawl, reparse and import."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "govcrawl"
SQL = re.compile(r"^\s*(select\s.+\sfrom\s|insert\s+(or\s+\w+\s+)?into\s|update\s+\w+\s+set\s|delete\s+from\s"
                 r"|create\s+(table|index|view|trigger|virtual)\s|drop\s+(table|index|view)\s|pragma\s|alter\s+table\s)",
                 re.I | re.S)
DB_MODULES = {"sqlite3", "sqlite_utils", "apsw"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _docstrings(tree) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def test_sql_and_db_connections_only_under_store():
    found = []
    for rel, tree in _modules():
        if rel.startswith("store/"):
            continue
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs and SQL.match(node.value):
                found.append(f"{rel}:{node.lineno}: SQL {node.value[:50]!r}")
            elif isinstance(node, ast.Import):
                found += [f"{rel}:{node.lineno}: imports {a.name}" for a in node.names if a.name.split(".")[0] in DB_MODULES]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in DB_MODULES:
                found.append(f"{rel}:{node.lineno}: imports from {node.module}")
    assert found == [], "\n".join(found)
    # the check sees SQL where it is: the store has plenty
    assert any(SQL.match(n.value) for rel, tree in _modules() if rel.startswith("store/")
               for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def test_one_write_path_for_crawl_reparse_and_import():
    callers = sorted(rel for rel, tree in _modules() for n in ast.walk(tree)
                     if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "record_document")
    # the crawl's store stage, and what reparse and import share (offline/documents.record)
    assert callers == ["offline/documents.py", "pipelines/store.py"], callers
