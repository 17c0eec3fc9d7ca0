"""The extractor's stages (extract/stages.py): every file in exactly one stage's version, no earlier
stage reading a later stage's code, and a Document rebuilt from the stored text stage equal to a
full extraction."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from govcrawl.extract import extract, extract_staged
from govcrawl.extract.stages import ROOT, STAGE_FILES, TextStage, current_versions, from_stage, stage_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Imports of a later stage's module inside a function that only a later stage calls.
LATER_STAGE_FUNCTIONS = {("ocr.py", "confirmed")}


def test_every_file_is_in_exactly_one_stage():
    files = stage_files()
    every = [p for p in ROOT.rglob("*") if p.suffix in {".py", ".toml"} and "__pycache__" not in p.parts]
    for p in every:
        assert sum(p in fs for fs in files.values()) == 1, p
    v = current_versions()
    assert len({v.text, v.meta, v.stats}) == 3


def _later_modules() -> set[str]:
    later = set().union(*(fs for stage, fs in stage_files().items() if stage != "text"))
    return {p.relative_to(ROOT).with_suffix("").as_posix().replace("/__init__", "").replace("/", ".") for p in later}


def _imports(path: Path):
    """(enclosing function name or None, imported module names) for each relative import of ``path``."""
    pkg = path.parent.relative_to(ROOT).parts
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owner = {}
    for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        for n in ast.walk(fn):
            owner.setdefault(n, fn.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            mod = list(pkg[: len(pkg) - (node.level - 1)]) + (node.module.split(".") if node.module else [])
            yield owner.get(node), {".".join(mod)} | {".".join(mod + [a.name]) for a in node.names}


def test_no_text_stage_module_imports_a_later_stage():
    """A cached text stage output stays valid when only later stages' code changes."""
    later = _later_modules()
    for path in stage_files()["text"]:
        if path.suffix != ".py" or path == ROOT / "__init__.py":
            continue  # the package root calls every stage (stages.finish)
        rel = path.relative_to(ROOT).as_posix()
        for fn, names in _imports(path):
            if (rel, fn) not in LATER_STAGE_FUNCTIONS:
                assert not names & later, f"{rel} ({fn or 'module level'}) imports {names & later}, of a later stage"


def _inputs():
    for p in sorted(FIXTURES.rglob("*")):
        # (scanned PDFs left out: OCR takes minutes, and its check states how long it took)
        if p.is_file() and "scan" not in p.name and p.suffix.lower() in {".html", ".htm", ".shtml", ".txt", ".pdf", ".docx", ".md"}:
            yield p


@pytest.mark.parametrize("path", list(_inputs())[::5], ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_document_from_stored_stage_equals_full_extraction(path):
    data = path.read_bytes()
    full = extract(data, source=path.name, filename=path.name)
    doc, stage = extract_staged(data, source=path.name, filename=path.name)
    assert doc == full
    if stage is None:
        assert full.error  # only inputs that never reached the later stages have none
        return
    again = TextStage.loads(stage.dumps())
    assert from_stage(again, source=path.name) == full
    again.meta = None  # the meta stage re-run from the stored clean page gives the same too
    assert from_stage(again, source=path.name) == full


def test_stage_files_names_real_files():
    for names in STAGE_FILES.values():
        for n in names:
            assert (ROOT / n).exists(), n
