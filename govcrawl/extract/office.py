"""Word 97-2003 (.doc) and WPS (.wps) attachments -> .docx (LibreOffice) -> the .docx reader.

Older portals attach reports as OLE2 binaries. LibreOffice headless converts
them to .docx, which the existing .docx path (docx.py: mammoth -> HTML -> grid
reader) reads, so Word tables become grids with their merged cells.

* One ``soffice`` start costs seconds: :func:`convert_many` converts a batch in
  one call and every result is cached by content hash for the process, so
  ``extract`` after a batch (or the same bytes twice) costs nothing.
* Each process uses its own LibreOffice profile (``-env:UserInstallation``):
  two soffice instances sharing a profile block or fail, so parallel runs
  (pytest workers, crawl + reparse) must not share one.
* LibreOffice recomputes date fields on import (a 2008 DATE field comes out as
  the day of conversion). The .doc's stored field results are read from the
  file itself (:func:`stored_fields`) and put back into the .docx, so the text
  is what a reader of the file saw.
* Without ``soffice`` (Debian package libreoffice-writer-nogui) ``antiword``
  gives the text only: table bodies are lost, so no statistics are read and
  the document says so.

Errors raise ValueError with a reason (the extractor records it).
"""
from __future__ import annotations

import atexit
import hashlib
import io
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

SOFFICE_PACKAGE = "libreoffice-writer-nogui"  # Debian package that provides soffice (Writer)
CALC_PACKAGE = "libreoffice-calc-nogui"
ANTIWORD_PACKAGE = "antiword"
INSTALL_HINT = f"install LibreOffice to read it (Debian: apt-get install {SOFFICE_PACKAGE})"
TIMEOUT_BASE, TIMEOUT_PER_FILE = 90, 20  # seconds for one soffice call
CACHE_MAX = 256

_lock = threading.Lock()  # one soffice per profile at a time
_profile: str | None = None
_profile_pid: int | None = None
_cache: dict[tuple[str, str], bytes] = {}

# Fields whose value LibreOffice recomputes at import time (Word stores their result)
VOLATILE_FIELDS = {"DATE", "TIME", "PRINTDATE", "SAVEDATE", "CREATEDATE", "EDITTIME"}
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile_dir() -> str:
    global _profile, _profile_pid
    if _profile is None or _profile_pid != os.getpid():  # a forked child gets its own
        _profile = tempfile.mkdtemp(prefix="govcrawl-lo-profile-")
        _profile_pid = os.getpid()
        atexit.register(shutil.rmtree, _profile, True)
    return _profile


def ole_streams(data: bytes) -> set[str]:
    """Top-level stream names of an OLE2 file (empty set when it is not one)."""
    import olefile

    try:
        if not olefile.isOleFile(io.BytesIO(data)):
            return set()
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return {"/".join(p) for p in ole.listdir(streams=True, storages=False)}
    except Exception:  # a damaged container: not readable as OLE2
        return set()


def _key(data: bytes, target: str) -> tuple[str, str]:
    return hashlib.sha256(data).hexdigest(), target


def convert_many(items: list[tuple[bytes, str]], target: str = "docx") -> list[bytes | ValueError]:
    """Convert many (bytes, suffix) inputs with one soffice call; results in input order.

    ``suffix`` (".doc", ".wps", ".xls", ".et") names the temporary input file:
    LibreOffice picks its import filter from the content and the name.
    """
    exe = soffice()
    out: list[bytes | ValueError | None] = [_cache.get(_key(d, target)) for d, _ in items]
    todo = [i for i, got in enumerate(out) if got is None]
    if todo and exe is None:
        err = ValueError(f"soffice not found: {INSTALL_HINT}")
        return [err if got is None else got for got in out]
    if todo:
        with _lock, tempfile.TemporaryDirectory(prefix="govcrawl-lo-") as tmp:
            src, dst = Path(tmp, "in"), Path(tmp, "out")
            src.mkdir()
            names = {}
            for i in todo:
                data, suffix = items[i]
                p = src / f"{i:05d}{suffix}"
                p.write_bytes(data)
                names[i] = p
            cmd = [exe, f"-env:UserInstallation=file://{_profile_dir()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", target, "--outdir", str(dst), *map(str, names.values())]
            timeout = TIMEOUT_BASE + TIMEOUT_PER_FILE * len(todo)
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                    env={**os.environ, "HOME": tmp})
            try:
                _, stderr = proc.communicate(timeout=timeout)
                failure = None
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # soffice forks: end its whole group
                proc.communicate()
                stderr, failure = b"", f"soffice timed out after {timeout} s"
            for i, p in names.items():
                result = dst / (p.stem + "." + target.split(":")[0])
                if result.exists() and result.stat().st_size:
                    body = result.read_bytes()
                    if len(_cache) >= CACHE_MAX:
                        _cache.pop(next(iter(_cache)))
                    _cache[_key(items[i][0], target)] = body
                    out[i] = body
                else:
                    why = failure or (stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
                    out[i] = ValueError(f"LibreOffice could not convert the file: {why}"[:300])
    return out  # type: ignore[return-value]


# ---------------------------------------------------------------- stored field results
def _word_text(data: bytes) -> str | None:
    """The main document text of a Word 97-2003 file, field characters kept (0x13/0x14/0x15).

    Reads the FIB and the piece table ([MS-DOC] 2.5.1, 2.9.38): each piece is
    UTF-16LE, or cp1252 when its fc is flagged compressed.
    """
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            word = ole.openstream("WordDocument").read()
            flags = struct.unpack_from("<H", word, 0x0A)[0]
            table = ole.openstream("1Table" if flags & 0x0200 else "0Table").read()
    except Exception:
        return None
    if len(word) < 0x1AA:
        return None
    ccp_text = struct.unpack_from("<i", word, 0x4C)[0]
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
    clx = table[fc_clx:fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc entries (grpprl) before the piece table
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos + 5 > len(clx) or clx[pos] != 0x02:
        return None
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5:pos + 5 + lcb]
    n = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
    parts = []
    for k in range(n):
        start, end = cps[k], min(cps[k + 1], ccp_text)
        if start >= ccp_text:
            break
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
        count = end - start
        if fc & 0x40000000:
            off = (fc & 0x3FFFFFFF) // 2
            parts.append(word[off:off + count].decode("cp1252", "replace"))
        else:
            parts.append(word[fc:fc + 2 * count].decode("utf-16-le", "replace"))
    return "".join(parts)


def stored_fields(data: bytes) -> list[tuple[str, str]] | None:
    """(instruction, stored result) of every top-level field in the main text, in order."""
    text = _word_text(data)
    if text is None:
        return None
    out: list[tuple[str, str]] = []
    stack: list[list] = []  # [code chars, result chars, in_result]
    for ch in text:
        if ch == "\x13":
            stack.append([[], [], False])
        elif ch == "\x14" and stack:
            stack[-1][2] = True
        elif ch == "\x15" and stack:
            code, res, _ = stack.pop()
            if not stack:
                out.append(("".join(code).strip(), "".join(res)))
            else:
                stack[-1][1 if stack[-1][2] else 0].extend(res)  # a nested field reads as its result
        elif stack:
            stack[-1][1 if stack[-1][2] else 0].append(ch)
    return out


def _field_word(instr: str) -> str:
    return (instr.split() or [""])[0].upper()


def restore_fields(docx: bytes, fields: list[tuple[str, str]]) -> tuple[bytes, str | None]:
    """Put the stored results of volatile fields (DATE, TIME ...) back into a converted .docx.

    Fields are matched in document order by their instruction word. When the
    .docx and the .doc disagree on how many there are, the recomputed values
    are blanked instead (a missing date beats a wrong one) and a note says so.
    """
    from lxml import etree

    stored = [res for instr, res in fields if _field_word(instr) in VOLATILE_FIELDS]
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    root = etree.fromstring(parts["word/document.xml"])
    w = f"{{{W_NS}}}"
    found: list[list] = []  # result <w:t> elements of each volatile top-level field
    depth, instr, results, state = 0, [], [], None
    for el in root.iter(f"{w}fldChar", f"{w}instrText", f"{w}t", f"{w}fldSimple"):
        tag = el.tag[len(w):]
        if tag == "fldSimple":
            if _field_word(el.get(f"{w}instr", "")) in VOLATILE_FIELDS:
                found.append(list(el.iter(f"{w}t")))
            continue
        if tag == "fldChar":
            kind = el.get(f"{w}fldCharType")
            if kind == "begin":
                depth += 1
                if depth == 1:
                    instr, results, state = [], [], "code"
            elif kind == "separate" and depth == 1:
                state = "result"
            elif kind == "end" and depth:
                depth -= 1
                if depth == 0:
                    if _field_word("".join(instr)) in VOLATILE_FIELDS:
                        found.append(results)
                    state = None
        elif depth >= 1 and state == "code" and tag == "instrText":
            instr.append(el.text or "")
        elif depth >= 1 and state == "result" and tag == "t":
            results.append(el)
    if not found:
        return docx, None
    note = None
    if len(found) != len(stored):
        stored = [""] * len(found)
        note = f"{len(found)} date/time field(s) whose stored value could not be matched: left blank"
    for ts, value in zip(found, stored):
        for k, t in enumerate(ts):
            t.text = value if k == 0 else ""
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return buf.getvalue(), note


# ---------------------------------------------------------------- reading
def antiword_text(data: bytes) -> str:
    exe = shutil.which("antiword")
    if exe is None:
        raise ValueError(f"Word 97-2003 file: soffice not found ({INSTALL_HINT}); antiword not found either "
                         f"(Debian: apt-get install {ANTIWORD_PACKAGE})")
    with tempfile.NamedTemporaryFile(suffix=".doc") as f:
        f.write(data)
        f.flush()
        try:
            proc = subprocess.run([exe, "-m", "UTF-8.txt", "-w", "0", f.name], capture_output=True, timeout=60)
        except subprocess.TimeoutExpired as exc:
            raise ValueError("antiword timed out") from exc
    text = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0 or not text.strip():
        raise ValueError(f"antiword could not read the file: {proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return text


def word_html(data: bytes, suffix: str = ".doc") -> tuple[str | None, str | None, str | None]:
    """(html, plain_text, note) of a Word 97-2003 / WPS file.

    With soffice: html (the .docx path) and no plain text. Without: plain text
    from antiword, no html, and a note that the tables were not read.
    """
    from .docx import docx_html

    if soffice() is None:
        text = antiword_text(data)
        return None, text, (f"read with antiword: text only, table statistics not read; {INSTALL_HINT}")
    (got,) = convert_many([(data, suffix)], "docx")
    if isinstance(got, Exception):
        raise got
    note = None
    fields = stored_fields(data)
    if fields is not None:
        got, note = restore_fields(got, fields)
    return docx_html(got), None, note


def ole_kind(data: bytes) -> str | None:
    """"doc" for a Word/WPS text document, "xls" for an Excel/ET workbook, None otherwise."""
    streams = ole_streams(data)
    if "WordDocument" in streams:  # Word 97-2003; Kingsoft WPS writes the same stream
        return "doc"
    if streams & {"Workbook", "Book", "WORKBOOK", "BOOK"}:
        return "xls"
    return None


def read_office(data: bytes, kind: str, filename: str | None = None) -> tuple[str | None, str | None, str | None]:
    """(html, plain_text, note) of an office attachment of the given sniffed kind."""
    suffix = Path(filename or "").suffix.lower()
    if kind == "doc":
        return word_html(data, suffix if suffix in (".doc", ".wps", ".dot", ".wpt") else ".doc")
    from .sheet import sheet_html

    return sheet_html(data, kind, suffix), None, None
