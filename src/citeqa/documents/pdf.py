"""PDF reader (pypdfium2): the text layer in reading order, with a box for every word.

Per page: pdfium's characters (with their loose boxes) are grouped into lines by geometry; a page whose
lines leave a clear vertical gutter is read column by column (full-width lines such as a title or a
footnote split it into bands read top to bottom). Lines are joined into paragraphs (a paragraph ends at a
gap wider than the line pitch, a change of font size, or a short line that ends a sentence); a word that
pdfium marks as hyphenated at a line end ("cyber-\\ncrime") is joined into one word. Paragraphs are
separated by a blank line in the text as read; a paragraph that runs on to the next page is one paragraph.
Pages are read one at a time and closed, so memory grows with the text only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from citeqa.documents.reasons import clause
from citeqa.errors import DocumentError
from citeqa.schema import Block, DocumentText, Layout

TERMINAL = ".!?:;…)\"”’"
HYPHEN_MARK = 0x02  # pdfium's code for a hyphen that splits a word at a line end


@dataclass
class _Line:
    chars: list[tuple[str, tuple[float, float, float, float] | None]] = field(default_factory=list)
    hyphen: bool = False  # ends in a word pdfium split with a hyphen: join without space or hyphen
    x0: float = 1e9
    y0: float = 1e9
    x1: float = -1e9
    y1: float = -1e9

    @property
    def text(self) -> str:
        return "".join(c for c, _ in self.chars).strip()

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _page_lines(textpage, raw) -> list[_Line]:
    """pdfium's characters in content order, cut into lines where the text moves to a new baseline,
    goes back left, or jumps a gutter-sized gap on the same baseline."""
    lines: list[_Line] = []
    rect = raw.FS_RECTF()
    n = textpage.count_chars()
    # The page's text in one call (one UTF-16 unit per character index); a box is asked for only for
    # characters that are drawn, so the loop makes one pdfium call per glyph.
    text = textpage.get_text_range(0, n) if n else ""
    if len(text) != n:  # characters outside the BMP: one call per character instead
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i)) for i in range(n))
    get_box = raw.FPDFText_GetLooseCharBox
    chars: list = []
    hyphen = False
    x0 = y0 = 1e9
    x1 = y1 = -1e9

    def close():
        while chars and chars[-1][1] is None:
            chars.pop()
        if chars and x1 > x0:
            lines.append(_Line(list(chars), hyphen, x0, y0, x1, y1))

    for i, ch in enumerate(text):
        if ch == "\x02" or ch == "\ufffe":  # pdfium's mark for a word hyphenated at a line end
            hyphen = True
            continue
        if ch.isspace():
            if ch in "\r\n":
                close()
                chars, hyphen, x0, y0, x1, y1 = [], False, 1e9, 1e9, -1e9, -1e9
            elif chars and chars[-1][1] is not None:
                chars.append((" ", None))
            continue
        get_box(textpage, i, rect)
        bl, bb, br, bt = rect.left, rect.bottom, rect.right, rect.top
        if bb > bt:
            bb, bt = bt, bb
        if chars and x1 > x0:
            h = max(y1 - y0, bt - bb, 1.0)
            cy = (bb + bt) / 2
            if not (y0 - 0.2 * h <= cy <= y1 + 0.2 * h) or bl < x1 - 2 * h or bl - x1 > 2.5 * h:
                close()  # a new baseline, back to the left, or a gutter on the same baseline
                chars, hyphen, x0, y0, x1, y1 = [], False, 1e9, 1e9, -1e9, -1e9
        chars.append((ch, (bl, bb, br, bt)))
        if bl < x0:
            x0 = bl
        if bb < y0:
            y0 = bb
        if br > x1:
            x1 = br
        if bt > y1:
            y1 = bt
    close()
    return lines


def _gutter(lines: list[_Line], width: float) -> float | None:
    """The x of a vertical gutter between two columns (no line crosses it, several lines on each side),
    searched in the middle of the page; None for a one-column page."""
    if len(lines) < 6:
        return None
    best = None
    for frac in np.linspace(0.3, 0.7, 81):
        x = width * frac
        crossing = sum(1 for ln in lines if ln.x0 < x < ln.x1)
        left = sum(1 for ln in lines if ln.x1 <= x)
        right = sum(1 for ln in lines if ln.x0 >= x)
        if crossing <= max(1, len(lines) // 20) and left >= 3 and right >= 3:
            score = min(left, right) - 3 * crossing
            if best is None or score > best[0]:
                best = (score, x)
    return None if best is None else best[1]


def _reading_order(lines: list[_Line], width: float) -> list[list[_Line]]:
    """Lines grouped into columns in reading order: full-width lines split the page into bands; each band
    is read left column, then right column."""
    x = _gutter(lines, width)
    if x is None:
        return [lines]
    ordered = sorted(lines, key=lambda ln: -ln.y1)
    groups: list[list[_Line]] = []
    band_left: list[_Line] = []
    band_right: list[_Line] = []
    for ln in ordered:
        if ln.x0 < x < ln.x1:  # a full-width line ends the band above it
            groups += [g for g in (band_left, band_right) if g]
            groups.append([ln])
            band_left, band_right = [], []
        elif ln.x1 <= x:
            band_left.append(ln)
        else:
            band_right.append(ln)
    groups += [g for g in (band_left, band_right) if g]
    return groups


def _is_page_number(line: _Line, height: float) -> bool:
    near_edge = line.y1 < 0.08 * height or line.y0 > 0.92 * height
    return near_edge and line.text.replace(" ", "").isdigit()


def _runs_on(prev_group: list[_Line], nxt: _Line) -> bool:
    """Whether the text at the top of a column (or page) goes on with the paragraph that ended the one
    before: that paragraph stops mid-sentence (or mid-word) and the font size stays the same. A sentence
    that ends exactly at the foot of a column starts a new paragraph: a passage boundary, never a cut
    sentence."""
    if not prev_group:
        return False
    last = prev_group[-1]
    same_size = abs(nxt.height - last.height) <= 0.15 * max(last.height, 1.0)
    return same_size and (last.text[-1:] not in TERMINAL or last.hyphen)


def _paragraphs(groups: list[list[_Line]]) -> list[list[_Line]]:
    pitches = []
    for g in groups:
        pitches += [a.y0 - b.y0 for a, b in zip(g, g[1:]) if a.y0 - b.y0 > 0]
    # The line pitch: a low quantile, so a page with few lines and several paragraph gaps still finds it.
    pitch = sorted(pitches)[len(pitches) // 4] if pitches else 0.0
    paras: list[list[_Line]] = []
    current: list[_Line] = []
    for gi, g in enumerate(groups):
        widest = max(ln.x1 - ln.x0 for ln in g)
        if current and not _runs_on(groups[gi - 1], g[0]):
            paras.append(current)
            current = []
        for k, ln in enumerate(g):
            if current and k:
                prev = current[-1]
                gap = prev.y0 - ln.y0
                size_change = abs(ln.height - prev.height) > 0.15 * max(prev.height, 1.0)
                short_end = (prev.x1 - prev.x0) < 0.6 * widest and prev.text[-1:] in TERMINAL
                new = gap <= 0 or (pitch and gap > 1.3 * pitch) or size_change or short_end
                if new and not prev.hyphen:
                    paras.append(current)
                    current = []
            current.append(ln)
    if current:
        paras.append(current)
    return paras


class _Builder:
    """Builds the text as read and its word runs (start, end, page, line, x0, y0, x1, y1)."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.runs: list[tuple] = []
        self.blocks: list[Block] = []
        self.line_no = 0
        self.last_lines: list[_Line] = []  # the last paragraph read: the next page may go on with it

    def emit(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def paragraph(self, lines: list[_Line], page: int, first_on_page: bool) -> None:
        if self.length:
            if first_on_page and self.last_lines and _runs_on(self.last_lines, lines[0]):
                self.emit(" ")  # a sentence that runs on to the next page stays one paragraph
            else:
                self.emit("\n\n")
                self.blocks.append(Block(self.length, self.length, len(self.blocks), "p", "", page))
        if not self.blocks:
            self.blocks.append(Block(self.length, self.length, 0, "p", "", page))
        for k, ln in enumerate(lines):
            # A hyphen kept at a line end joins the next line without a space ("state-of-the-" / "art"),
            # except a suspended one ("13-" / "and 17-year").
            suspended = ln.text.split(" ", 1)[0] in ("and", "or", "to", "nor")
            if k and not lines[k - 1].hyphen and (suspended or not self._ends_with_dash()):
                self.emit(" ")
            self.line_no += 1
            word: list[str] = []
            boxes: list = []
            last = len(ln.chars) - 1
            for i, (ch, b) in enumerate(ln.chars):
                if b is not None:
                    word.append(ch)
                    boxes.append(b)
                if (b is None or i == last) and word:  # a word on this line: one run, one box
                    start = self.length
                    self.emit("".join(word))
                    self.runs.append((start, self.length, page, self.line_no, min(x[0] for x in boxes),
                                      min(x[1] for x in boxes), max(x[2] for x in boxes), max(x[3] for x in boxes)))
                    word, boxes = [], []
                if b is None:
                    self.emit(" ")
        self.blocks[-1].end = self.length
        self.last_lines = lines

    def _ends_with_dash(self) -> bool:
        return bool(self.parts) and self.parts[-1][-1:] in ("-", "‐")


def read_pdf(path: Path, data: bytes, on_page: Callable[[int, int], None] | None = None):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg:
            raise DocumentError(f"{path} is an encrypted PDF (it needs a password); save an unlocked copy to index it.") from None
        raise DocumentError(f"{path} is not a readable PDF (it is damaged or truncated: {clause(e)}).") from None
    try:
        meta_title = (pdf.get_metadata_dict().get("Title") or "").strip()
        builder = _Builder()
        pages: list[tuple[float, float, int]] = []
        scanned: list[int] = []
        total = len(pdf)
        for index in range(total):
            page = pdf[index]
            try:
                width, height = page.get_size()
                pages.append((round(width, 2), round(height, 2), builder.length))
                textpage = page.get_textpage()
                try:
                    lines = [ln for ln in _page_lines(textpage, raw) if not _is_page_number(ln, height)]
                finally:
                    textpage.close()
            except pdfium.PdfiumError as e:
                raise DocumentError(f"{path} is not a readable PDF (page {index + 1} is damaged: {clause(e)}).") from None
            finally:
                page.close()
            if not lines:
                scanned.append(index + 1)
            for k, para in enumerate(_paragraphs(_reading_order(lines, width)) if lines else []):
                builder.paragraph(para, index + 1, k == 0)
            if on_page:
                on_page(index + 1, total)
    finally:
        pdf.close()
    text = "".join(builder.parts)
    if not text.strip():
        if total:
            raise DocumentError(f"{path}: no text layer: scanned pages are not read ({total} page{'s' * (total != 1)}); run OCR on it to index it.")
        raise DocumentError(f"{path} is a PDF with no pages.")
    notes = ()
    if scanned:
        listed = ", ".join(map(str, scanned[:10])) + (" …" if len(scanned) > 10 else "")
        notes = (f"{path}: no text layer: scanned pages are not read (page{'s' * (len(scanned) != 1)} {listed}).",)
    title = meta_title if meta_title and meta_title.lower() not in {"untitled", "untitled document"} else None
    if title is None:
        first = builder.blocks[0] if builder.blocks else None
        candidate = text[first.start : first.end].strip() if first else ""
        title = candidate if 0 < len(candidate) <= 200 else None
    runs = np.array(builder.runs, dtype=np.float64).reshape(-1, 8)
    return DocumentText(text, title, "pdf", Layout(blocks=builder.blocks, runs=runs, pages=pages), notes)
