"""Scanned (image-only) PDFs -> OCR (Tesseract, chi_sim) -> HTML with tables as grids.

Many county reports are scans: no text layer. Each page is rendered with
pypdfium2 at ``DPI``, deskewed (projection profile), and its ruled tables are
found from the page's ruling lines: long horizontal / vertical ink runs. A
table's cells come from the line grid, merged cells from missing border
segments (rowspan/colspan). Every cell is OCR'd on its own, and the text
between tables as blocks, all in ONE Tesseract run (the images as the pages of
one TIFF on its stdin: no temporary files). The result is an HTML page
(paragraphs + <table>s) read by the same grid reader as a web page.

Tesseract runs single-threaded (OMP_THREAD_LIMIT=1 unless the user set it): its
OpenMP threads made a 4-page scan take 55 s instead of 15 s on 2 cores, and far
worse beside other busy workers (tesseract-ocr/tesseract#3109, #898). It dies
with the worker that started it, so a document stopped by its time limit
leaves no Tesseract running.

OCR misreads digits, so a number is kept only when its table's identities
confirm it (:func:`confirmed`): a row of table 三 whose six applicant columns
sum to its total, a block of table 四 whose four outcomes sum to its total.
Everything else (table 二, prose figures) stays in the text only. Kept
numbers carry ``source = 'ocr'``.

Tesseract is an optional system dependency (Debian: tesseract-ocr and
tesseract-ocr-chi-sim); without it the reason says how to install it.
"""
from __future__ import annotations

import html as htmlmod
import io
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field

DPI = 300  # Tesseract reads 10-12 pt CJK best at ~300 dpi; 150 dpi scans are upsampled
MAX_PAGES = 60
INK = 160  # gray level below which a pixel is ink
TESS_PACKAGES = "tesseract-ocr tesseract-ocr-chi-sim"
INSTALL_HINT = f"install Tesseract to OCR it (Debian: apt-get install {TESS_PACKAGES})"
LANG = "chi_sim"
_CJK = "\u3400-\u9fff\uff00-\uffef\u3000-\u303f"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")
_CJK_DIGIT_GAP = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=\d)|(?<=\d)[ \t]+(?=[{_CJK}])")


@dataclass
class OcrResult:
    html: str
    pages: int
    tables: int
    cells: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def tesseract_ready() -> str | None:
    """None when Tesseract with chi_sim is usable, else the reason (with the install hint)."""
    if shutil.which("tesseract") is None:
        return f"scanned PDF (no text layer): tesseract not found; {INSTALL_HINT}"
    try:
        langs = _tesseract("--list-langs").split()
    except (OSError, ValueError) as exc:  # a broken install
        return f"scanned PDF: tesseract does not run ({type(exc).__name__}); {INSTALL_HINT}"
    if LANG not in langs:
        return f"scanned PDF: tesseract has no {LANG} language data; {INSTALL_HINT}"
    return None


def _tesseract(*args: str, stdin: bytes | None = None) -> str:
    """Run the tesseract CLI; its stdout. Single-threaded unless OMP_THREAD_LIMIT says otherwise;
    it ends with the worker that started it (a worker killed at its limit takes it along)."""
    from .pool import die_with_parent

    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    proc = subprocess.run(["tesseract", *args], input=stdin, capture_output=True, env=env,
                          preexec_fn=die_with_parent)
    if proc.returncode:
        why = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        raise ValueError(f"tesseract exited {proc.returncode}: {why}"[:300])
    return proc.stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------- image geometry
def _runs_mask(ink, length: int, axis: int):
    """Pixels that belong to a straight ink run of at least ``length`` along ``axis``: the runs'
    starts and ends from one difference, the long ones painted back with one cumulative sum."""
    import numpy as np

    a = ink if axis == 1 else ink.T
    h, w = a.shape
    rows = np.zeros((h, w + 1), dtype=np.int8)  # a blank column ends every row's last run
    rows[:, :w] = a
    step = np.diff(np.concatenate(([0], rows.ravel())))
    starts, ends = np.flatnonzero(step == 1), np.flatnonzero(step == -1)  # run = [start, end)
    long = (ends - starts) >= length
    paint = np.zeros(rows.size, dtype=np.int8)
    paint[starts[long]] = 1
    paint[ends[long]] = -1  # an end is a blank pixel, never another run's start
    out = np.cumsum(paint, dtype=np.int8).view(bool).reshape(h, w + 1)[:, :w]
    return out if axis == 1 else out.T


def _close(ink, axis: int, gap: int = 2):
    """Bridge dropouts of up to ``gap`` pixels along a line (scanner noise breaks long runs)."""
    import numpy as np

    out = ink.copy()
    for d in range(1, gap + 1):
        if axis == 1:
            out[:, d:] |= ink[:, :-d]
            out[:, :-d] |= ink[:, d:]
        else:
            out[d:, :] |= ink[:-d, :]
            out[:-d, :] |= ink[d:, :]
    return out


def _groups(flags, min_gap: int = 3) -> list[tuple[int, int]]:
    """(start, end) of runs of True, runs closer than ``min_gap`` joined."""
    import numpy as np

    idx = np.flatnonzero(flags)
    if not len(idx):
        return []
    out = [[idx[0], idx[0]]]
    for i in idx[1:]:
        if i - out[-1][1] <= min_gap:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(int(a), int(b)) for a, b in out]


def _deskew(gray):
    """Rotate the page so that its lines are level (best row-profile variance in +-3 degrees)."""
    import numpy as np
    from PIL import Image

    img = Image.fromarray(gray)
    small = img.resize((max(1, img.width // 4), max(1, img.height // 4)))
    inv = Image.fromarray(255 - np.asarray(small))

    def score(angle):
        prof = np.asarray(inv.rotate(angle, resample=Image.BILINEAR), dtype=np.float32).sum(axis=1)
        return float(np.var(prof))

    best = max(np.arange(-3, 3.01, 0.2), key=score)
    best = max(np.arange(best - 0.2, best + 0.21, 0.05), key=score)
    if abs(best) < 0.05:
        return gray, 0.0
    return np.asarray(img.rotate(best, resample=Image.BICUBIC, fillcolor=255)), float(best)


@dataclass
class _Table:
    top: int
    bottom: int
    ys: list[int]
    xs: list[int]
    cells: list[tuple[int, int, int, int]]  # (row, col, rowspan, colspan) in the line grid


def _find_tables(ink) -> list[_Table]:
    import numpy as np

    h, w = ink.shape
    hmask = _runs_mask(_close(ink, 1), max(60, w // 20), axis=1)
    vmask = _runs_mask(_close(ink, 0), max(50, h // 40), axis=0)
    hlines = [(a, b) for a, b in _groups(hmask.sum(axis=1) > w // 25)]
    if len(hlines) < 2:
        return []
    vcols = vmask.any(axis=0)
    tables: list[_Table] = []
    # consecutive horizontal lines joined by vertical ink belong to one table
    groups: list[list[tuple[int, int]]] = [[hlines[0]]]
    for prev, cur in zip(hlines, hlines[1:]):
        band = vmask[prev[1] + 1:cur[0], :]
        joined = band.size and (band.all(axis=0) if band.shape[0] < 4 else band[2:-2].all(axis=0)).sum() >= 2
        if joined:
            groups[-1].append(cur)
        else:
            groups.append([cur])
    for g in groups:
        if len(g) < 2:
            continue
        top, bottom = g[0][0], g[-1][1]
        region = vmask[top:bottom + 1]
        xcols = _groups(region.sum(axis=0) > 0.25 * (g[1][0] - g[0][1]), min_gap=4)
        if len(xcols) < 2:
            continue
        ys = [(a + b) // 2 for a, b in g]
        xs = [(a + b) // 2 for a, b in xcols]
        nr, nc = len(ys) - 1, len(xs) - 1

        def vborder(i, j):  # is there a line at xs[j] over row band i?
            y0, y1 = ys[i] + 4, ys[i + 1] - 4
            if y1 <= y0:
                return True
            a, b = xcols[j]
            seg = vmask[y0:y1, max(0, a - 2):b + 3].any(axis=1)
            return seg.mean() > 0.6

        def hborder(i, j):  # is there a line at ys[i] over column band j?
            x0, x1 = xs[j] + 4, xs[j + 1] - 4
            if x1 <= x0:
                return True
            a, b = g[i]
            seg = hmask[max(0, a - 2):b + 3, x0:x1].any(axis=0)
            return seg.mean() > 0.6

        parent = list(range(nr * nc))

        def find(k):
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for i in range(nr):
            for j in range(nc):
                if j + 1 < nc and not vborder(i, j + 1):
                    parent[find(i * nc + j)] = find(i * nc + j + 1)
                if i + 1 < nr and not hborder(i + 1, j):
                    parent[find(i * nc + j)] = find((i + 1) * nc + j)
        boxes: dict[int, list[int]] = {}
        for i in range(nr):
            for j in range(nc):
                b = boxes.setdefault(find(i * nc + j), [i, j, i, j])
                b[0], b[1], b[2], b[3] = min(b[0], i), min(b[1], j), max(b[2], i), max(b[3], j)
        cells = sorted((b[0], b[1], b[2] - b[0] + 1, b[3] - b[1] + 1) for b in boxes.values())
        tables.append(_Table(top, bottom, ys, xs, cells))
    return tables


def _padded(crop, pad: int = 20):
    """A crop on a white margin (Tesseract misreads glyphs touching the edge, and crashes on slivers)."""
    import numpy as np
    from PIL import Image

    out = np.full((crop.shape[0] + 2 * pad, crop.shape[1] + 2 * pad), 255, dtype=np.uint8)
    out[pad:pad + crop.shape[0], pad:pad + crop.shape[1]] = crop
    return Image.fromarray(out)


def _text_lines(ink) -> list[tuple[int, int, int, int]]:
    """(top, bottom, left, right) of each text line in a block (ink row profile; specks ignored)."""
    import numpy as np

    rows = ink.sum(axis=1) > max(8, ink.shape[1] // 200)
    out = []
    for a, b in _groups(rows, min_gap=2):
        if b - a < 10:
            continue  # dust, a stray rule
        cols = ink[a:b + 1].sum(axis=0)
        if (cols > 0).sum() < 8:
            continue
        cum = np.cumsum(cols) / cols.sum()  # the line's extent without a stray speck at either end
        left, right = int(np.searchsorted(cum, 0.003)), int(np.searchsorted(cum, 0.997))
        out.append((max(0, a - 6), b + 7, left, right))
    return out


def _paragraphs(lines, texts) -> list[str]:
    """Join OCR'd lines into paragraphs: a line that runs to the right margin continues on the next
    line of the same size (a title wrapped over two lines, a paragraph of body text)."""
    rights = sorted(ln[3] for ln in lines)
    right = rights[int(0.8 * (len(rights) - 1))] if rights else 0  # the margin most lines reach (not a stray speck's)
    out: list[str] = []
    prev = None
    for ln, txt in zip(lines, texts):
        txt = _tidy(txt).replace("\n", "")
        if not txt:
            continue
        h = ln[1] - ln[0]
        if prev is not None and prev[3] >= right - 0.04 * right and abs(h - (prev[1] - prev[0])) <= 0.25 * h and out:
            out[-1] += txt
        else:
            out.append(txt)
        prev = ln
    return out


# ---------------------------------------------------------------- OCR
def _tidy(text: str) -> str:
    lines = [_CJK_DIGIT_GAP.sub("", _CJK_GAP.sub("", ln)).strip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln)


def _ocr_batch(images, psm: int, lang: str = LANG, extra: str = "") -> list[str]:
    """OCR many images with one Tesseract run (the pages of one TIFF); one text per image."""
    if not images:
        return []
    tiff = io.BytesIO()
    images[0].save(tiff, format="TIFF", save_all=True, append_images=images[1:])
    out = _tesseract("stdin", "stdout", "-l", lang, "--psm", str(psm), *extra.split(), stdin=tiff.getvalue())
    parts = out.split("\f")
    if len(parts) < len(images):
        raise ValueError(f"OCR returned {len(parts)} pages for {len(images)} images")
    return parts[: len(images)]


def ocr_pdf(data: bytes) -> OcrResult:
    """OCR an image-only PDF into an HTML page (see the module doc)."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    reason = tesseract_ready()
    if reason:
        raise ValueError(reason)
    t0 = time.perf_counter()
    pdf = pdfium.PdfDocument(data)
    layout: list[tuple[str, object]] = []  # ("text", image index) / ("table", (table, [cell image index]))
    text_imgs, cell_imgs = [], []
    ntables = 0
    notes = []
    for pno in range(min(len(pdf), MAX_PAGES)):
        page_img = pdf[pno].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
        raw, angle = _deskew(np.asarray(page_img))
        tables = _find_tables(raw < INK)  # ruling lines from the raw scan (a median filter thins them)
        clean_img = page_img.filter(ImageFilter.MedianFilter(3))  # scanner specks off, for the text
        gray = np.asarray(clean_img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)) if angle else np.asarray(clean_img)
        ink = gray < INK
        ntables += len(tables)
        y = 0
        for t in tables + [None]:
            top = t.top if t else gray.shape[0]
            if top - y > 20 and ink[y:top].sum() > 200:
                lines = _text_lines(ink[y:top])
                layout.append(("text", (len(text_imgs), lines)))
                text_imgs.extend(_padded(gray[y + a:y + b, max(0, l - 10):r + 10]) for a, b, l, r in lines)
            if t is None:
                break
            ids = []
            for r, c, rs, cs in t.cells:
                y0, y1 = t.ys[r] + 5, t.ys[r + rs] - 5
                x0, x1 = t.xs[c] + 5, t.xs[c + cs] - 5
                crop = gray[y0:y1, x0:x1] if y1 > y0 and x1 > x0 else None
                if crop is None or (crop < INK).sum() < 30:
                    ids.append(None)  # a blank cell (a speck or two is noise)
                    continue
                ids.append(len(cell_imgs))
                cell_imgs.append(_padded(crop))
            layout.append(("table", (t, ids)))
            y = t.bottom + 1
    if len(pdf) > MAX_PAGES:
        notes.append(f"only the first {MAX_PAGES} of {len(pdf)} pages OCR'd")
    texts = _ocr_batch(text_imgs, 7)
    cells = _ocr_batch(cell_imgs, 6)
    # chi_sim reads a lone "1" as 工 or I: cells without words are read again as digits only
    numeric = [k for k, t in enumerate(cells) if len(re.findall(f"[{_CJK}]", t)) < 2]
    digits = _ocr_batch([cell_imgs[k] for k in numeric], 7, "eng", "-c tessedit_char_whitelist=0123456789.")
    for k, d in zip(numeric, digits):
        d = d.strip()
        cells[k] = d if _NUMBER.fullmatch(d) else cells[k]
    body = []
    for what, item in layout:
        if what == "text":
            first, lines = item
            body.extend(f"<p>{htmlmod.escape(p)}</p>" for p in _paragraphs(lines, texts[first:first + len(lines)]))
            continue
        t, ids = item
        rows: dict[int, list[str]] = {}
        for (r, c, rs, cs), k in zip(t.cells, ids):
            txt = " ".join(_tidy(cells[k]).split("\n")) if k is not None else ""
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            rows.setdefault(r, []).append(f"<td{attrs}>{htmlmod.escape(txt)}</td>")
        body.append("<table>" + "".join(f"<tr>{''.join(v)}</tr>" for _, v in sorted(rows.items())) + "</table>")
    html = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{"".join(body)}</body></html>'
    return OcrResult(html, len(pdf), ntables, len(cell_imgs), time.perf_counter() - t0, notes)


# ---------------------------------------------------------------- which numbers to keep
def confirmed(stats: list, mark: str | None = "ocr", version: str | None = None) -> tuple[list, int]:
    """The stats that their table's identities confirm, marked source=``mark`` (None: left as
    they are); and how many were dropped. For OCR'd scans and for damaged documents.
    ``version``: the report's template version (the group totals derived from its rows)."""
    from .stats import registry as R
    from .stats.template import derived_groups

    by = {s.key: s for s in stats if not s.derived and s.source == "table"}
    keep: dict[str, object] = {}

    def block(prefix: str, parts: list[str], total: str) -> bool:
        vals = [by.get(f"{prefix}.{p}") for p in parts + [total]]
        if None in vals or sum(v.value for v in vals[:-1]) != vals[-1].value:
            return False
        for v in vals:
            keep[v.key] = v
        return True

    # The rows in the report's order (a set's order follows PYTHONHASHSEED: stats came out shuffled).
    rows = dict.fromkeys(k.rsplit(".", 1)[0] for k in by if k.startswith("apply."))
    for row in rows:
        block(row, R.APPLY_COLS[:-1], R.APPLY_COLS[-1])
    review_ok = {b: block(b, R.REVIEW_COLS[:-1], R.REVIEW_COLS[-1]) for b in R.REVIEW_BLOCKS}
    lit = by.get("litigation.total")
    if lit and review_ok.get("litigation.direct") and review_ok.get("litigation.after_reconsideration"):
        if by["litigation.direct.total"].value + by["litigation.after_reconsideration.total"].value == lit.value:
            keep[lit.key] = lit
    out = list(keep.values())
    out += [s for s in derived_groups(out, version) if s.key not in keep]
    for s in out if mark else ():
        s.source = mark
    return out, len(stats) - len(out)
