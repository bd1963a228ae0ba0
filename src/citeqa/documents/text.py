"""Plain-text reader: bytes -> the text that offsets refer to (decoded by documents/encoding.py: UTF-8,
a byte-order mark, else a detected legacy encoding, named in the document's notes), and a title (the
first line)."""

from __future__ import annotations

from pathlib import Path

from citeqa.documents.encoding import decode_text
from citeqa.schema import DocumentText

MAX_TITLE_CHARS = 200
BOM = "\ufeff"  # kept in the text (offsets count the file's characters, as the citation panel reads it)


def first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip(BOM).strip().lstrip("#").strip()
        if line:
            return line if len(line) <= MAX_TITLE_CHARS else None
    return None


def read_text(path: Path, data: bytes) -> DocumentText:
    decoded = decode_text(path, data)
    return DocumentText(decoded.text, first_line_title(decoded.text), "text", notes=tuple(filter(None, [decoded.note])))
