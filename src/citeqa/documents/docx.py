"""Word reader (python-docx): paragraphs, headings, list items and table rows in document order.

Before python-docx parses anything, the zip package is checked by streaming it: more than
MAX_UNPACKED_BYTES unpacked, or too many parts, is a zip bomb and is refused without unpacking the rest.
Headings are paragraphs styled "Heading N" or "Title"; the title is the document's core property, else
the first heading.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from citeqa.documents.reasons import clause, typed
from citeqa.documents.structured import StructuredText
from citeqa.errors import DocumentError
from citeqa.schema import DocumentText

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PARTS = 10_000
_HEADING_STYLE = re.compile(r"^(?:heading\s*(\d)|title)$", re.I)


def check_package(path: Path, data: bytes) -> None:
    """Refuse a zip bomb: count the bytes as they unpack and stop at the limit."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            raise DocumentError(f"{path} holds {len(infos)} parts; a Word document this large is not read (a zip bomb?).")
        total = 0
        for info in infos:
            with zf.open(info) as f:
                while chunk := f.read(1 << 20):
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise DocumentError(
                            f"{path} unpacks to over {MAX_UNPACKED_BYTES // 2**20} MB from {len(data) / 2**20:.1f} MB; it is not read (a zip bomb?)."
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as e:
        raise DocumentError(f"{path} is not a readable Word document (the zip package is damaged or truncated: {clause(e)}).") from None


def _iter_block_items(document):
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document)
        elif tag == "tbl":
            yield Table(child, document)


def _heading_level(paragraph) -> int | None:
    style = paragraph.style.name if paragraph.style is not None else ""
    m = _HEADING_STYLE.match(style or "")
    if m:
        return int(m.group(1)) if m.group(1) else 0  # Title sits above Heading 1
    return None


def _is_list_item(paragraph) -> bool:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    ppr = paragraph._p.pPr
    return style.lower().startswith("list") or (ppr is not None and ppr.numPr is not None)


def read_docx(path: Path, data: bytes):
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    check_package(path, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise DocumentError(f"{path} is not a readable Word document ({typed(e)}).") from None
    out = StructuredText()
    tables = 0
    for item in _iter_block_items(document):
        if isinstance(item, Table):
            tables += 1
            with out.subsection(f"Table {tables}"):
                for row in item.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        value = " ".join(cell.text.split())
                        if not cells or value != cells[-1]:  # a merged cell repeats in each grid column
                            cells.append(value)
                    if any(cells):
                        out.block(" | ".join(cells), "tr")
            continue
        text = item.text
        level = _heading_level(item)
        if level is not None:
            out.heading(text, level)
        elif _is_list_item(item):
            if text.strip():
                out.block("- " + " ".join(text.split()), "li")
        else:
            # A manual line break (Shift+Enter) stays a line inside the block; runs of spaces collapse.
            out.block("\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip()), "p")
    title = (document.core_properties.title or "").strip()
    return DocumentText(out.text(), title or out.first_heading, "docx", out.layout())
